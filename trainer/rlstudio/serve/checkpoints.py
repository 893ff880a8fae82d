"""Finding and loading what a user calls a checkpoint: checkpoints/step_N (model/ inside), best_model/, final/, any
model folder (full weights or a LoRA adapter on its base), or builtin:tiny; and the run config beside it, which
brings the reward functions and the prompt rendering the model was trained with.

A torn or damaged checkpoint is named by its manifest before any weights are read; a folder that still fails to
load is named with what the loader said, never as a traceback."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from rlstudio.models.tiny import resolve_builtin
from rlstudio.user_errors import UserError


class CheckpointLoadError(UserError):
    pass


@dataclass
class CheckpointFiles:
    requested: str
    model_folder: str  # what from_pretrained reads (or a builtin name)
    run_dir: Path | None
    run_config: dict | None  # the resolved run config (rewards, data, generation settings), when there is one
    manifest_folder: Path | None  # the folder whose manifest.json vouches for the weights
    adapter_base: str | None = None  # the base model of a LoRA adapter

    @property
    def kind(self) -> str:
        return "lora" if self.adapter_base else "full"


@dataclass
class LoadedModel:
    name: str
    files: CheckpointFiles
    model: object
    tokenizer: object
    device: object
    dtype: object
    scorer: object = None  # a ScoreContext: the run's reward functions

    @property
    def data_cfg(self) -> dict:
        return (self.files.run_config or {}).get("data") or {"chat_template": "auto"}


def _run_config(path: Path) -> dict | None:
    """A run config (has 'rewards'), not a Hugging Face model config that shares the name config.json."""
    if not path.is_file():
        return None
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise CheckpointLoadError(f"{path}: unreadable run config ({type(e).__name__}: {e})") from None
    return value if isinstance(value, dict) and "rewards" in value else None


def locate(checkpoint: str) -> CheckpointFiles:
    from rlstudio.run_directory.checkpoint import STEP_DIR, is_complete

    if checkpoint.startswith("builtin:"):
        return CheckpointFiles(checkpoint, checkpoint, None, None, None)
    path = Path(checkpoint).expanduser()
    if not path.exists():
        raise CheckpointLoadError(f"{path}: no such checkpoint")
    if not path.is_dir():
        raise CheckpointLoadError(f"{path}: not a folder; a checkpoint is a folder (checkpoints/step_N, best_model, "
                                  f"final, or a model folder)")
    if STEP_DIR.match(path.name) or (path / "model").is_dir():
        if not is_complete(path):
            raise CheckpointLoadError(f"{path}: incomplete checkpoint (no trainer_state.json or model/): it is "
                                      f"still being written, or its save was interrupted")
        run_dir = path.parent.parent if path.parent.name == "checkpoints" else None
        return _with_adapter(CheckpointFiles(checkpoint, str(path / "model"), run_dir,
                                             _run_config(path / "config.json"), path))
    if (path / "events.jsonl").is_file() and not (path / "config.json").is_file() or (path / "checkpoints").is_dir():
        choices = [p for p in ("best_model", "final") if (path / p).is_dir()]
        raise CheckpointLoadError(f"{path}: a run directory, not a checkpoint; pick one of its checkpoints "
                                  f"(checkpoints/step_N{''.join(', ' + c for c in choices)})")
    weights = [*path.glob("*.safetensors"), *path.glob("*.bin")]
    if not weights:
        raise CheckpointLoadError(f"{path}: no model weights (*.safetensors or *.bin) in this folder")
    run_dir = path.parent if (path.parent / "events.jsonl").is_file() else None
    run_config = _run_config(path.parent / "config.json") if run_dir else None
    return _with_adapter(CheckpointFiles(checkpoint, str(path), run_dir, run_config, path))


def _with_adapter(files: CheckpointFiles) -> CheckpointFiles:
    adapter = Path(files.model_folder) / "adapter_config.json"
    if adapter.is_file():
        try:
            files.adapter_base = json.loads(adapter.read_text(encoding="utf-8"))["base_model_name_or_path"]
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise CheckpointLoadError(f"{adapter}: unreadable LoRA adapter config ({type(e).__name__}: {e})") from None
    return files


def check_intact(files: CheckpointFiles) -> None:
    from rlstudio.run_directory.folder_manifest import manifest_problems

    if files.manifest_folder is None:
        return
    problems = manifest_problems(files.manifest_folder)
    if problems:
        raise CheckpointLoadError(f"{files.manifest_folder}: damaged checkpoint:\n  " + "\n  ".join(problems))


def pick_device(name: str):
    import torch

    if name in (None, "", "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError as e:
        raise CheckpointLoadError(f"device {name!r}: {e}") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise CheckpointLoadError(f"device {name!r}: CUDA is not available on this machine (use cpu or auto)")
    return device


def _tokenizer_folder(files: CheckpointFiles) -> str:
    """An adapter saved without its tokenizer (plain peft save_pretrained) uses its base's."""
    folder = Path(resolve_builtin(files.model_folder))
    has_own = any((folder / name).is_file() for name in ("tokenizer.json", "tokenizer_config.json"))
    return files.model_folder if has_own or not files.adapter_base else files.adapter_base


def load_model(files: CheckpointFiles, device, dtype_name: str = "auto"):
    """(model in eval mode on device, tokenizer, dtype): full weights, or the adapter on its base (not merged)."""
    from transformers import AutoModelForCausalLM

    from rlstudio.models.policy import load_tokenizer, pick_dtype, quiet_transformers

    quiet_transformers()
    check_intact(files)
    dtype = pick_dtype(dtype_name, device)
    try:
        if files.adapter_base:
            from peft import PeftModel

            base = AutoModelForCausalLM.from_pretrained(resolve_builtin(files.adapter_base), dtype=dtype)
            model = PeftModel.from_pretrained(base, files.model_folder)
        else:
            model = AutoModelForCausalLM.from_pretrained(resolve_builtin(files.model_folder), dtype=dtype)
        tokenizer = load_tokenizer(resolve_builtin(_tokenizer_folder(files)))
    except Exception as e:  # noqa: BLE001 - any loader failure is a statement about this folder
        raise CheckpointLoadError(f"{files.requested}: could not be loaded: {type(e).__name__}: "
                                  f"{str(e).strip().splitlines()[0] if str(e).strip() else ''}") from None
    if model.config.pad_token_id is None:
        model.config.pad_token_id = tokenizer.pad_token_id
    model.to(device).eval()
    return model, tokenizer, dtype
