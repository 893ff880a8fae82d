"""Everything `train` checks before it loads a model, as located problems. `validate` prints them (and `validate
--json` hands them to the editor's Problems), and `train` refuses to start on an error with the same words, so what
the editor accepts is what the trainer accepts. Nothing here runs user code: reward files are parsed, not imported.
"""
from __future__ import annotations

import ast
import os
from pathlib import Path

from rlstudio.config.grpo_rules import grpo_problems
from rlstudio.config.run_config import Problem, line_of, value_lines, REWARD_MODEL_PREFIX
from rlstudio.data.datasets import DataError, load_dataset
from rlstudio.rewards.base import RewardLoadError
from rlstudio.rewards.loader import builtin_function, split_reference
from rlstudio.models.tiny import BUILTIN_PREFIX, resolve_builtin
from rlstudio.training.lr_schedule import schedule_problems
from rlstudio.user_errors import UserError

SAMPLE_RECORDS = 64  # records read per dataset: enough to catch a wrong shape or mapping, cheap on a huge file


def preflight_problems(config: dict, source: str, text: str | None, world_size: int | None = None) -> list[Problem]:
    """config: schema-valid, defaults filled, paths resolved. world_size: processes (default: distributed.nproc_per_node)."""
    lines = value_lines(text) if text else {}

    def at(path: tuple, message: str, severity: str = "error") -> Problem:
        return Problem(source, line_of(lines, path), path, message, severity)

    return [*_batch(config, at, world_size), *schedule_problems(config, at), *_datasets(config, at),
            *_rewards(config, at), *_model(config, at)]


def _batch(config: dict, at, world_size: int | None) -> list[Problem]:
    world = world_size or config["distributed"]["nproc_per_node"]
    if config["algorithm"] == "ppo":
        message = ppo_batch_problem(config, world)
        out = [at(("training", "per_device_train_batch_size"), message)] if message else []
        message = ppo_strategy_problem(config, world)
        out += [at(("distributed", "strategy"), message)] if message else []
    else:  # the generation batch's arithmetic and the grpo block's other rules
        out = grpo_problems(config, at, world)
    if (config.get("eval") or {}).get("enabled") and not config["eval"].get("datasets"):
        out.append(at(("eval", "enabled"), "eval is enabled but eval.datasets is empty"))
    return out


def ppo_batch_problem(config: dict, world_size: int) -> str | None:
    """PPO's rollout batch is per_device_train_batch_size x gradient_accumulation_steps x ppo.num_mini_batches prompts
    (TRL's local_batch_size), so its mini-batches divide it by construction; what can still be wrong is checked here
    (and met again by the PPO algorithm on a resume). Per process: each one whitens its own rollout batch, as TRL."""
    t, p = config["training"], config["ppo"]
    per_batch = t["per_device_train_batch_size"] * t["gradient_accumulation_steps"] * p["num_mini_batches"]
    if per_batch < 2:
        return (f"per_device_train_batch_size {t['per_device_train_batch_size']} x gradient_accumulation_steps "
                f"{t['gradient_accumulation_steps']} x ppo.num_mini_batches {p['num_mini_batches']} = {per_batch} prompt "
                f"per rollout batch: PPO whitens advantages over the batch, which needs at least 2")
    return None


def ppo_strategy_problem(config: dict, world_size: int) -> str | None:
    """PPO across processes uses DDP; FSDP2 is refused rather than half-supported."""
    if world_size > 1 and config["distributed"]["strategy"] == "fsdp":
        return ("algorithm ppo runs across processes with distributed.strategy \"ddp\" only: under fsdp every process "
                "would have to run the same number of forward passes while sampling completions of different lengths "
                "(each pass gathers the sharded weights), and the policy and critic would have to be gathered from "
                "every process to be checkpointed; use \"ddp\" (a full replica per process)")
    return None


def _datasets(config: dict, at) -> list[Problem]:
    out = []
    ws = config.get("warm_start") or {}
    for block in ("data", "eval", "warm_start"):
        section = config.get(block) or {}
        if block == "eval" and not section.get("enabled") or block == "warm_start" and not ws.get("steps"):
            continue
        for i, ds in enumerate(section.get("datasets") or []):
            path = (block, "datasets", i, "path")
            try:
                records = load_dataset({**ds, "max_samples": min(ds.get("max_samples") or SAMPLE_RECORDS, SAMPLE_RECORDS)},
                                       Path("."), where=f"{block}.datasets[{i}]")
            except DataError as e:
                out.append(at(path, str(e)))
                continue
            if block == "data" and ws.get("steps") and not ws.get("datasets"):
                field = ws["completion_field"]
                if not any(r.columns.get(field) is not None for r in records):
                    out.append(at(("warm_start", "completion_field"),
                                  f"warm_start.steps > 0 but none of the first {len(records)} records of {ds['path']} "
                                  f"has the column '{field}'"))
    return out


def _rewards(config: dict, at) -> list[Problem]:
    out = []
    for i, rw in enumerate(config["rewards"]):
        path, ref = ("rewards", i, "function"), rw["function"]
        where = f"rewards[{i}].function = {ref!r}"
        try:
            if ref.startswith("builtin:"):
                builtin_function(ref[len("builtin:"):], dict(rw.get("args") or {}), f"rewards[{i}]")
                continue
            if ref.startswith(REWARD_MODEL_PREFIX):  # a folder, checked without loading the model
                folder = Path(ref[len(REWARD_MODEL_PREFIX):])
                if not (folder / "config.json").is_file():
                    out.append(at(path, f"{folder} is not a model folder (no config.json); train a reward model with "
                                        f"`python -m rlstudio reward-model train` ({where})"))
                continue
            file, name = split_reference(ref, Path("."), where)
        except RewardLoadError as e:
            out.append(at(path, str(e)))
            continue
        problem = _missing_definition(file, name, where)
        if problem:
            out.append(at(path, problem))
    return out


def _missing_definition(file: Path, name: str, where: str) -> str | None:
    """Why file cannot provide `name` (read, never run), or None."""
    if not file.is_file():
        return f"{file}: reward file not found ({where})"
    try:
        tree = ast.parse(file.read_bytes(), filename=str(file))
    except SyntaxError as e:
        code = f": {e.text.strip()}" if e.text else ""
        return f"{file}:{e.lineno}: SyntaxError: {e.msg}{code}"
    except (UnicodeDecodeError, ValueError) as e:
        return f"{file}: not readable Python source ({e})"
    defined: list[str] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            defined += [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            if any(a.name == "*" for a in node.names):
                return None  # a star import can bring it in: only running the file can tell
            defined += [(a.asname or a.name).split(".")[0] for a in node.names]
    if name in defined:
        return None
    functions = sorted(n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and not n.name.startswith("_"))
    return f"{file}: no function '{name}' ({where}); the file defines: [{', '.join(functions)}]"


def _model(config: dict, at) -> list[Problem]:
    path, name = ("model", "name_or_path"), config["model"]["name_or_path"]
    if name.startswith(BUILTIN_PREFIX):
        try:
            resolve_builtin(name)
        except ValueError as e:
            return [at(path, str(e))]
        return []
    folder = Path(name)
    if folder.is_absolute() or folder.exists():
        problem = _model_folder_problem(folder)
        return [at(path, problem)] if problem else []
    if not _in_hub_cache(name):
        return [at(path, f"'{name}' is not a local folder and not in the Hugging Face cache: train will download it "
                         f"from the hub (a local path must start with ./ or / when the folder does not exist yet)",
                   "warning")]
    return []


def _model_folder_problem(folder: Path) -> str | None:
    if not folder.exists():
        return f"{folder}: model folder not found"
    if not folder.is_dir():
        return f"{folder}: not a folder (a model is a folder with config.json and weights, as save_pretrained writes it)"
    if not (folder / "config.json").is_file() and not (folder / "adapter_config.json").is_file():
        return f"{folder}: no config.json in this folder; not a Hugging Face model folder"
    return None


def _in_hub_cache(repo_id: str) -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache

        return isinstance(try_to_load_from_cache(repo_id, "config.json"), str)
    except Exception:  # noqa: BLE001 - an id the hub library rejects is simply not cached
        return False


def check_model_reachable(name: str, timeout: float = 10.0) -> None:
    """Before train loads a hub model that is not cached: fail in seconds, with the reason, when the hub cannot be
    reached (transformers would retry for most of a minute and then blame the repo id)."""
    if name.startswith(BUILTIN_PREFIX) or Path(name).exists() or _in_hub_cache(name):
        return
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes"):
        raise UserError(f"model.name_or_path {name!r}: not a local folder and not in the Hugging Face cache, and "
                        f"HF_HUB_OFFLINE is set; download it first or give a local folder")
    try:
        from huggingface_hub import HfApi

        HfApi().model_info(name, timeout=timeout)
    except Exception as e:  # noqa: BLE001 - every way of not getting there means the same to the user
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise UserError(f"model.name_or_path {name!r}: not a local folder ({Path(name).resolve()} does not exist), "
                        f"not in the Hugging Face cache, and the hub could not provide it: {first}") from None
