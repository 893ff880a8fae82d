"""manifest.json: every file of a saved folder (a checkpoint, the run's reference model) with its size and SHA-256,
written last. A folder whose files no longer match it (a truncated model.safetensors, a zeroed optimizer.pt after a
disk error, a file copied half-way) is named as damaged before anything of it is loaded, so resume can fall back
to an intact checkpoint instead of failing deep inside safetensors or torch.load with no file named."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

MANIFEST = "manifest.json"
_CHUNK = 1 << 20


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)


def write_manifest(folder: Path) -> Path:
    """Hash every file below folder into folder/manifest.json (call it after the last other file is written)."""
    folder = Path(folder)
    entries = {p.relative_to(folder).as_posix(): {"size": p.stat().st_size, "sha256": _sha256(p)} for p in _files(folder)}
    path = folder / MANIFEST
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"version": 1, "files": entries}, f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    return path


def has_manifest(folder: Path) -> bool:
    return (Path(folder) / MANIFEST).is_file()


def manifest_problems(folder: Path) -> list[str]:
    """What no longer matches the manifest, one 'path: what' line per file (empty: intact). A folder written before
    manifests existed has nothing to check against and counts as intact."""
    folder = Path(folder)
    if not has_manifest(folder):
        return []
    try:
        entries = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        return [f"{folder / MANIFEST}: unreadable manifest ({type(e).__name__}: {e})"]
    problems = []
    for rel, want in entries.items():
        path = folder / rel
        if not path.is_file():
            problems.append(f"{path}: missing")
            continue
        size = path.stat().st_size
        if size != want["size"]:
            problems.append(f"{path}: {size} bytes, the checkpoint wrote {want['size']} (truncated or overwritten)")
        elif _sha256(path) != want["sha256"]:
            problems.append(f"{path}: content differs from what the checkpoint wrote (checksum mismatch)")
    return problems
