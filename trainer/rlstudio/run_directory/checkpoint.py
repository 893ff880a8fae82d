"""Checkpoints: checkpoints/step_<N>/ with the model (save_pretrained, safetensors; the adapter only with LoRA),
tokenizer, optimizer, scheduler, RNG states, data position, step and config, and last manifest.json (every file's
size and SHA-256).

A checkpoint is written under a temporary name, fsynced, and renamed when complete, so a folder named step_<N> is
always whole; a crash leaves only a .tmp folder that readers ignore and the next save removes. What happens to a
complete checkpoint afterwards (a truncated copy, a disk error) is caught by its manifest before resume loads it.
Everything is loaded as data (safetensors, torch.load(weights_only=True), JSON), never as code.
"""
from __future__ import annotations

import json
import os
import random
import re
import shutil
from pathlib import Path

import torch

from rlstudio.run_directory.folder_manifest import manifest_problems, write_manifest
from rlstudio.user_errors import UserError

STEP_DIR = re.compile(r"^step_(\d+)$")
TRAINER_STATE = "trainer_state.json"  # written last: its presence marks the content as complete


def _fsync_tree(folder: Path) -> None:
    for p in folder.rglob("*"):
        if p.is_file():
            with open(p, "rb") as f:
                os.fsync(f.fileno())
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def rng_state() -> dict:
    state = {"python": random.getstate(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    try:
        import numpy as np

        kind, keys, pos, has_gauss, cached = np.random.get_state()
        state["numpy"] = [kind, torch.from_numpy(keys.astype("int64")), pos, has_gauss, cached]
    except ImportError:
        pass
    return state


def set_rng_state(state: dict) -> None:
    py = state["python"]
    random.setstate((py[0], tuple(py[1]), py[2]))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    if "numpy" in state:
        import numpy as np

        kind, keys, pos, has_gauss, cached = state["numpy"]
        np.random.set_state((kind, keys.numpy().astype("uint32"), pos, has_gauss, cached))


def save_checkpoint(run_dir: Path, step: int, model, tokenizer, optimizer, scheduler, trainer_state: dict,
                    config: dict, rank_rng: list[dict] | None = None, write_extra=None) -> Path:
    """Write checkpoints/step_<step>/ atomically and return its path. write_extra(folder) adds files (a pending
    rollout batch, a reference model) inside the temporary folder, so they are part of the atomic rename."""
    ckpt_root = Path(run_dir) / "checkpoints"
    ckpt_root.mkdir(parents=True, exist_ok=True)
    final = ckpt_root / f"step_{step}"
    tmp = ckpt_root / f".step_{step}.tmp"
    restore_replaced(ckpt_root)
    remove_leftovers(ckpt_root)
    tmp.mkdir()
    model.save_pretrained(tmp / "model", safe_serialization=True)
    tokenizer.save_pretrained(tmp / "model")
    torch.save(optimizer.state_dict(), tmp / "optimizer.pt")
    torch.save(scheduler.state_dict(), tmp / "scheduler.pt")
    torch.save(rank_rng if rank_rng is not None else [rng_state()], tmp / "rng_state.pt")
    (tmp / "config.json").write_text(json.dumps(config, indent=2))
    if write_extra is not None:
        write_extra(tmp)
    (tmp / TRAINER_STATE).write_text(json.dumps({**trainer_state, "step": step}, indent=2))
    write_manifest(tmp)
    _fsync_tree(tmp)
    replaced = ckpt_root / f".step_{step}.replaced"
    if final.exists():  # a re-save of the same step (a resume from an older checkpoint reaching it again)
        # move the old one aside whole instead of deleting it in place: a kill in the middle of rmtree could leave a
        # step_<N> that still has trainer_state.json but lost its weights; restore_replaced() undoes a kill here
        os.rename(final, replaced)
    os.rename(tmp, final)
    shutil.rmtree(replaced, ignore_errors=True)
    fd = os.open(ckpt_root, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return final


def restore_replaced(ckpt_root: Path) -> None:
    """A kill between moving an old step_<N> aside and renaming its replacement in leaves only .step_<N>.replaced:
    put it back (several torchrun ranks may race here, hence the tolerated FileNotFoundError)."""
    for aside in Path(ckpt_root).glob(".step_*.replaced"):
        final = aside.with_name(aside.name[1:-len(".replaced")])
        try:
            if final.exists():
                shutil.rmtree(aside, ignore_errors=True)
            else:
                os.rename(aside, final)
        except FileNotFoundError:
            pass


def remove_leftovers(ckpt_root: Path) -> None:
    """What a kill leaves behind: a checkpoint being written (.tmp) or being pruned (.deleting)."""
    for pattern in (".step_*.tmp", ".step_*.deleting"):
        for stale in Path(ckpt_root).glob(pattern):
            shutil.rmtree(stale, ignore_errors=True)


def is_complete(folder: Path) -> bool:
    return bool(STEP_DIR.match(folder.name)) and (folder / TRAINER_STATE).is_file() and (folder / "model").is_dir()


def list_checkpoints(run_dir: Path) -> list[Path]:
    """Complete step checkpoints, oldest first."""
    root = Path(run_dir) / "checkpoints"
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if p.is_dir() and is_complete(p)]
    return sorted(found, key=lambda p: int(STEP_DIR.match(p.name).group(1)))


def latest_checkpoint(run_dir: Path) -> Path | None:
    found = list_checkpoints(run_dir)
    return found[-1] if found else None


def prune_checkpoints(run_dir: Path, keep_last: int | None, protect: set[Path] | None = None) -> list[str]:
    """Remove the oldest complete checkpoints beyond keep_last; the newest is never removed. Returns removed names."""
    if not keep_last:
        return []
    found = list_checkpoints(run_dir)
    protect = {p.resolve() for p in (protect or set())}
    removed = []
    for p in found[:-keep_last] if len(found) > keep_last else []:
        if p.resolve() in protect:
            continue
        # rename first so a crash mid-delete never leaves a half-deleted folder that looks complete
        doomed = p.with_name(f".{p.name}.deleting")
        os.rename(p, doomed)
        shutil.rmtree(doomed, ignore_errors=True)
        removed.append(f"checkpoints/{p.name}")
    return removed


def load_trainer_state(ckpt: Path) -> dict:
    return json.loads((Path(ckpt) / TRAINER_STATE).read_text())


def load_training_state(ckpt: Path, optimizer, scheduler, rank: int = 0) -> dict:
    """Restore optimizer, scheduler and this rank's RNG streams; return the trainer state dict."""
    ckpt = Path(ckpt)
    optimizer.load_state_dict(torch.load(ckpt / "optimizer.pt", weights_only=True, map_location="cpu"))
    scheduler.load_state_dict(torch.load(ckpt / "scheduler.pt", weights_only=True))
    rngs = torch.load(ckpt / "rng_state.pt", weights_only=True)
    set_rng_state(rngs[rank] if rank < len(rngs) else rngs[0])
    return load_trainer_state(ckpt)


class CheckpointError(UserError):
    pass


def find_resumable(run_dir: Path, name: str | None) -> tuple[Path, list[str]]:
    """(checkpoint to resume from, notes on damaged newer checkpoints that were passed over). Named: that checkpoint,
    which must be intact. Unnamed: the newest complete checkpoint whose files match its manifest."""
    run_dir = Path(run_dir)
    if (run_dir / "checkpoints").is_dir():
        restore_replaced(run_dir / "checkpoints")
    if name:
        cand = Path(name)
        if not cand.is_absolute():
            cand = run_dir / "checkpoints" / name if not (run_dir / name).is_dir() else run_dir / name
        if not cand.is_dir():
            raise CheckpointError(f"{cand}: checkpoint not found{_others(run_dir)}")
        if not is_complete(cand):
            raise CheckpointError(f"{cand}: incomplete checkpoint (no {TRAINER_STATE}){_others(run_dir)}")
        problems = manifest_problems(cand)
        if problems:
            raise CheckpointError(f"{cand}: damaged checkpoint:\n  " + "\n  ".join(problems) + _others(run_dir, cand))
        return cand, []
    skipped: list[str] = []
    for cand in reversed(list_checkpoints(run_dir)):
        problems = manifest_problems(cand)
        if not problems:
            return cand, skipped
        skipped.append(f"{cand.name} is damaged and was skipped: " + "; ".join(problems))
    if skipped:
        raise CheckpointError(f"{run_dir / 'checkpoints'}: no intact checkpoint to resume from:\n  " + "\n  ".join(skipped))
    raise CheckpointError(f"{run_dir / 'checkpoints'}: no complete checkpoint to resume from")


def _others(run_dir: Path, exclude: Path | None = None) -> str:
    intact = [c.name for c in reversed(list_checkpoints(run_dir)) if c != exclude and not manifest_problems(c)]
    if not intact:
        return "; this run has no other intact checkpoint"
    return f"; intact checkpoints of this run: {', '.join(intact)} (resume with --checkpoint {intact[0]})"


def resolve_checkpoint(run_dir: Path, name: str | None) -> Path:
    """The named checkpoint (step_N or a path) or the newest intact one."""
    return find_resumable(run_dir, name)[0]
