"""Loading reward functions named in the config: "path/to/file.py:function" or "builtin:NAME".

A user file is loaded by path under a private module name, with its own folder on sys.path so that its helper modules
import as they would when the user runs the file themselves.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import math
import sys
import traceback
from pathlib import Path

from rlstudio.rewards.base import RewardFunction, RewardLoadError, user_traceback
from rlstudio.config.run_config import REWARD_MODEL_PREFIX
from rlstudio.rewards.builtin import BUILTINS

_CALL_KEYWORDS = {"prompts", "completions", "completion_ids", "trainer_state"}
_loaded_modules: dict[Path, object] = {}


def _module_name(path: Path) -> str:
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:10]
    stem = "".join(c if c.isalnum() else "_" for c in path.stem)
    return f"rlstudio_user_rewards.{stem}_{digest}"


def _innermost_user_frame(exc: BaseException, path: Path) -> str:
    """'file:line' of the deepest traceback frame outside Python's import machinery (the user's failing line)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "importlib" not in f.filename]
    own = [f for f in frames if Path(f.filename) == path] or frames
    return f"{own[-1].filename}:{own[-1].lineno}" if own else str(path)


def _load_module(path: Path, where: str):
    path = path.resolve()
    if path in _loaded_modules:
        return _loaded_modules[path]
    if not path.is_file():
        raise RewardLoadError(f"{path}: file not found ({where})")
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    name = _module_name(path)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise RewardLoadError(f"{path}: cannot be loaded as a Python module ({where})")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # before exec: dataclasses and pickling look the module up by name
    try:
        spec.loader.exec_module(module)
    except SyntaxError as e:
        sys.modules.pop(name, None)
        code = f"\n    {e.text.rstrip()}" if e.text else ""
        raise RewardLoadError(
            f"{e.filename or path}:{e.lineno}: {type(e).__name__}: {e.msg} ({where}){code}"
        ) from None
    except BaseException as e:
        sys.modules.pop(name, None)
        if isinstance(e, KeyboardInterrupt):
            raise
        tb = user_traceback(e)
        raise RewardLoadError(
            f"{_innermost_user_frame(e, path)}: importing {path.name} raised {type(e).__name__}: {e} ({where})\n{tb}",
            traceback_text=tb,
        ) from None
    _loaded_modules[path] = module
    return module


def loaded_user_files() -> list[Path]:
    """The user reward files loaded so far (resolved paths)."""
    return list(_loaded_modules)


def unload_user_files(paths) -> None:
    """Forget loaded reward files so that the next load executes them again (the editor's reward worker calls this
    when a file changed on disk)."""
    for path in paths:
        module = _loaded_modules.pop(Path(path).resolve(), None)
        if module is not None:
            sys.modules.pop(module.__name__, None)


def _reward_model(folder: str, args: dict, base_dir: Path, where: str):
    """A trained reward model (an AutoModelForSequenceClassification folder) scoring as a TRL-signature function;
    args: device ("cpu" default, "cuda"), batch_size."""
    path = Path(folder) if Path(folder).is_absolute() else base_dir / folder
    if not (path / "config.json").is_file():
        raise RewardLoadError(f"{where}.function: {path} is not a model folder (no config.json); train one with "
                              f"`python -m rlstudio reward-model train`")
    unknown = sorted(set(args) - {"device", "batch_size"})
    if unknown:
        raise RewardLoadError(f"{where}.args: a reward model takes device and batch_size, not {unknown[0]!r}")
    from rlstudio.reward_model.scorer import RewardModelFunction

    return RewardModelFunction(path, device=args.get("device", "cpu"), batch_size=int(args.get("batch_size", 16)))


def _definition_site(fn) -> str:
    try:
        target = inspect.unwrap(fn)
        return f"{inspect.getsourcefile(target)}:{inspect.getsourcelines(target)[1]}"
    except (TypeError, OSError):
        return ""


def split_reference(ref: str, base_dir: Path, where: str) -> tuple[Path, str]:
    """'path/to/file.py:function' -> (the file's path, the function's name), or RewardLoadError saying the form."""
    file_part, sep, func_name = ref.rpartition(":")
    if not sep or not file_part or not func_name or not file_part.endswith(".py"):
        raise RewardLoadError(
            f"{where}: {ref!r} is not a reward reference; expected 'path/to/file.py:function_name' or 'builtin:NAME' "
            f"(built-ins: {', '.join(sorted(BUILTINS))})"
        )
    path = Path(file_part).expanduser()
    return (path if path.is_absolute() else Path(base_dir) / path), func_name


def _user_function(ref: str, base_dir: Path, where: str):
    path, func_name = split_reference(ref, base_dir, where)
    module = _load_module(path, where)
    if not hasattr(module, func_name):
        defined = sorted(
            n for n, v in vars(module).items()
            if callable(v) and not n.startswith("_") and getattr(v, "__module__", None) == module.__name__
        )
        raise RewardLoadError(
            f"{path.resolve()}: no function '{func_name}' ({where}); the file defines: [{', '.join(defined)}]"
        )
    fn = getattr(module, func_name)
    if not callable(fn):
        raise RewardLoadError(f"{path.resolve()}: '{func_name}' is a {type(fn).__name__}, not a function ({where})")
    return fn


def builtin_function(name: str, args: dict, where: str):
    if name not in BUILTINS:
        raise RewardLoadError(f"{where}: unknown built-in 'builtin:{name}'; built-ins are: {', '.join(sorted(BUILTINS))}")
    factory = BUILTINS[name]
    sig = inspect.signature(factory)
    unknown = sorted(set(args) - set(sig.parameters))
    if unknown:
        accepted = ", ".join(sig.parameters) or "none"
        raise RewardLoadError(f"{where}.args: builtin:{name} has no option {unknown[0]!r}; its options: {accepted}")
    missing = [p for p in sig.parameters.values() if p.default is p.empty and p.name not in args]
    if missing:
        raise RewardLoadError(f"{where}.args: builtin:{name} needs args.{missing[0].name}")
    try:
        return factory(**args)
    except (TypeError, ValueError) as e:
        raise RewardLoadError(f"{where}.args: builtin:{name}: {e}") from None


def load_reward_functions(rewards_cfg: list[dict], base_dir: Path) -> list[RewardFunction]:
    """The config's reward functions, loaded and checked; RewardLoadError names the config entry and the file:line."""
    if not rewards_cfg:
        raise RewardLoadError("rewards: at least one reward function is needed")
    funcs: list[RewardFunction] = []
    for i, cfg in enumerate(rewards_cfg):
        where = f"rewards[{i}]"
        ref = str(cfg.get("function", "")).strip()
        args = dict(cfg.get("args") or {})
        weight = cfg.get("weight", 1.0)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight):
            raise RewardLoadError(f"{where}.weight: expected a finite number, got {weight!r}")
        if ref.startswith("builtin:"):
            builtin = ref[len("builtin:"):]
            fn, default_name, user_args = builtin_function(builtin, args, where), builtin, {}
        elif ref.startswith(REWARD_MODEL_PREFIX):
            fn, default_name, user_args = _reward_model(ref[len(REWARD_MODEL_PREFIX):], args, base_dir, where), "reward_model", {}
        else:
            fn = _user_function(ref, base_dir, f"{where}.function = {ref!r}")
            default_name = getattr(fn, "__name__", None) or ref.rpartition(":")[2]
            clash = sorted(set(args) & _CALL_KEYWORDS)
            if clash:
                raise RewardLoadError(f"{where}.args: {clash[0]!r} is set by the trainer and cannot be an argument")
            user_args = args
        name = cfg.get("name") or default_name
        if any(f.name == name for f in funcs):
            raise RewardLoadError(f"{where}: a reward named '{name}' is already listed; give this one a distinct name")
        rf = RewardFunction(name=name, weight=float(weight), fn=fn, reference=ref, args=user_args,
                            location=_definition_site(fn))
        unknown = sorted(set(user_args) - rf.params) if not rf.accepts_any else []
        if unknown:
            raise RewardLoadError(f"{where}.args: {name} has no parameter {unknown[0]!r}")
        funcs.append(rf)
    return funcs
