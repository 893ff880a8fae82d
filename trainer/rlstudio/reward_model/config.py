"""A reward-model config (*.reward-model.json): parsed, checked against schemas/reward-model-config.schema.json (every
problem located by file, line and JSON path, as run configs are), defaults filled, relative paths resolved."""
from __future__ import annotations

import json
from pathlib import Path

from rlstudio.config.run_config import REPO_ROOT, ConfigError, fill_defaults, parse_config_text, schema_problems

SCHEMA_PATH = REPO_ROOT / "schemas" / "reward-model-config.schema.json"
PATH_KEYS = (("data", "train_file"), ("data", "eval_file"), ("output_dir",))


def load_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def load_reward_model_config(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    text = path.read_text(encoding="utf-8")
    config = parse_config_text(text, str(path))
    schema = load_schema()
    problems = schema_problems(config, str(path), text, schema)
    if problems:
        raise ConfigError.of(problems)
    config = fill_defaults(config, schema, schema)
    base = path.resolve().parent
    for keys in PATH_KEYS:
        node = config
        for k in keys[:-1]:
            node = node[k]
        if node.get(keys[-1]):
            node[keys[-1]] = str((base / node[keys[-1]]).resolve())
    name = config["model"]["name_or_path"]
    if not name.startswith("builtin:") and (name.startswith((".", "/")) or (base / name).exists()):
        config["model"]["name_or_path"] = str((base / name).resolve())
    return config
