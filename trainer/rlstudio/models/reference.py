"""The KL reference (beta > 0): always what the config says it is, built the same way on a fresh run and on every
resume, whatever the warm start.

- LoRA: the policy with its adapters disabled (the base model).
- Full model without a warm start: the base model (config.model.name_or_path). A fresh run copies the just-loaded
  policy; a resume loads the base again (never the resumed policy, which has trained away from it).
- Full model with a warm start: the warm-started model, the policy at the start of RL. The base cannot reproduce
  it, so the run saves it once to <run>/reference/ (atomically, with a manifest) and every resume loads it from there.

Each checkpoint records the kind, so a resume rebuilds the reference the run trained against.
"""
from __future__ import annotations

from pathlib import Path

from rlstudio.run_directory.folder_manifest import manifest_problems, write_manifest
from rlstudio.models.policy import Reference, frozen_copy, is_peft, load_frozen
from rlstudio.outputs.run_outputs import recover_swapped_dir, replace_dir_atomically
from rlstudio.models.tiny import resolve_builtin
from rlstudio.user_errors import UserError

REFERENCE_DIR = "reference"
BASE, WARM_START, ADAPTERS_OFF = "base", "warm_start", "adapters_off"


def kl_weight(config: dict) -> float:
    """The weight of the KL term of the config's algorithm: grpo.beta, ppo.kl_coef. 0: no reference is needed."""
    return config["ppo"]["kl_coef"] if config["algorithm"] == "ppo" else config["grpo"]["beta"]


def reference_kind(config: dict) -> str | None:
    if kl_weight(config) == 0:
        return None
    if (config["model"].get("lora") or {}).get("enabled"):
        return ADAPTERS_OFF
    return WARM_START if (config.get("warm_start") or {}).get("steps", 0) > 0 else BASE


def start_reference(policy, config: dict, ctx, run_dir: Path) -> Reference | None:
    """On a fresh run, right before RL: the policy as it is now is the reference (saved when nothing else can
    rebuild it)."""
    kind = reference_kind(config)
    if kind is None:
        return None
    if kind == ADAPTERS_OFF or is_peft(policy):
        return Reference(policy=policy)
    ref = frozen_copy(policy, ctx.device)
    if kind == WARM_START and ctx.is_main:
        def write(folder: Path) -> None:
            ref.save_pretrained(folder, safe_serialization=True)
            write_manifest(folder)

        replace_dir_atomically(write, Path(run_dir) / REFERENCE_DIR)
    ctx.barrier()
    return Reference(model=ref)


def resume_reference(policy, config: dict, ctx, run_dir: Path, checkpoint: Path, recorded_kind: str | None,
                     dtype) -> Reference | None:
    """On a resume: the reference the run has trained against, rebuilt from what the checkpoint recorded."""
    kind = recorded_kind or reference_kind(config)
    if kl_weight(config) == 0 or kind is None:
        return None
    if kind == ADAPTERS_OFF or is_peft(policy):
        return Reference(policy=policy)
    if kind == BASE:
        return Reference(model=load_frozen(resolve_builtin(config["model"]["name_or_path"]), config["model"], ctx.device, dtype))
    folder = Path(run_dir) / REFERENCE_DIR
    recover_swapped_dir(folder)
    if not folder.is_dir() and (Path(checkpoint) / REFERENCE_DIR).is_dir():
        folder = Path(checkpoint) / REFERENCE_DIR  # runs from before <run>/reference/ kept one per checkpoint
    if not folder.is_dir():
        raise UserError(f"{Path(run_dir) / REFERENCE_DIR}: missing. This run's KL reference is its warm-started model, "
                        f"which was never saved (the run had beta = 0 when it started?) and cannot be rebuilt from the "
                        f"base model; resume with --set grpo.beta=0, or start the run over.")
    problems = manifest_problems(folder)
    if problems:
        raise UserError(f"the run's KL reference model is damaged, so this run cannot continue against the reference "
                        f"it trained with:\n  " + "\n  ".join(problems) + "\nStart the run over (the warm start "
                        f"saves it again) or restore the folder from a backup.")
    return Reference(model=load_frozen(folder, config["model"], ctx.device, dtype))


SYNCED_REFERENCE = "synced_reference.pt"


def mix_into_reference(policy, reference_model, alpha: float) -> None:
    """TR-DPO's update, as TRL's SyncRefModelCallback: reference = alpha x policy + (1 - alpha) x reference."""
    import torch

    with torch.no_grad():
        for ref_param, param in zip(reference_model.parameters(), policy.parameters(), strict=True):
            ref_param.data.mul_(1.0 - alpha).add_(param.data, alpha=alpha)


def save_synced_reference(reference_model, checkpoint_folder: Path) -> None:
    """With sync_ref_model the reference is no longer what a resume can rebuild: each checkpoint carries it."""
    import torch

    torch.save({k: v.detach().cpu() for k, v in reference_model.state_dict().items()},
               Path(checkpoint_folder) / SYNCED_REFERENCE)


def load_synced_reference(reference_model, checkpoint_folder: Path) -> None:
    import torch

    path = Path(checkpoint_folder) / SYNCED_REFERENCE
    if not path.is_file():
        raise UserError(f"{path}: missing. The run synchronises its reference model (grpo.sync_ref_model), and this "
                        f"checkpoint does not hold it; resume from a checkpoint written with sync_ref_model on")
    reference_model.load_state_dict(torch.load(path, weights_only=True))
