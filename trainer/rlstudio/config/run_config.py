"""Run configuration (*.rlstudio.json): parse, apply --set overrides, validate against the shared JSON Schema,
fill defaults, resolve relative paths. Every error names the file and line (or the JSON path)."""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rlstudio.config.removed_settings import removed_hint
from rlstudio.user_errors import UserError

REPO_ROOT = Path(__file__).resolve().parents[3]
SCHEMA_PATH = REPO_ROOT / "schemas" / "run-config.schema.json"
REWARD_MODEL_PREFIX = "reward_model:"  # a rewards entry scored by a trained reward model folder


@dataclass
class Problem:
    """One located problem of a config: the editor's Problems entry and the CLI's 'file:line: $.path: message'."""
    file: str
    line: int | None
    path: tuple
    message: str
    severity: str = "error"  # or "warning"
    source: str = "check"  # "json" (syntax), "schema" (the JSON Schema; editors show those themselves), "check"

    def format(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {json_path(self.path)}: {self.message}"

    def to_json(self) -> dict:
        return {"file": self.file, "line": self.line, "path": list(self.path), "jsonPath": json_path(self.path),
                "message": self.message, "severity": self.severity, "source": self.source}


class ConfigError(UserError, ValueError):
    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or []

    @classmethod
    def of(cls, problems: list[Problem]) -> "ConfigError":
        return cls("\n".join(p.format() for p in problems), problems)


def load_schema() -> dict:
    if not SCHEMA_PATH.is_file():
        raise ConfigError(f"{SCHEMA_PATH}: run-config schema not found (is the trainer installed from the repository?)")
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


# ---- locating JSON paths in the source text ---------------------------------------------------------------------

def value_lines(text: str) -> dict[tuple, int]:
    """Map each JSON path (tuple of keys / indices) to the 1-based line where its value starts (keys: where the key is)."""
    lines: dict[tuple, int] = {}
    pos, n = 0, len(text)

    def line_at(i: int) -> int:
        return text.count("\n", 0, i) + 1

    def skip_ws() -> None:
        nonlocal pos
        while pos < n and text[pos] in " \t\r\n":
            pos += 1

    def string() -> str:
        nonlocal pos
        value, end = json.decoder.scanstring(text, pos + 1)
        pos = end
        return value

    def value(path: tuple) -> None:
        nonlocal pos
        skip_ws()
        lines.setdefault(path, line_at(pos))
        ch = text[pos]
        if ch == "{":
            pos += 1
            skip_ws()
            if text[pos] == "}":
                pos += 1
                return
            while True:
                skip_ws()
                key_line = line_at(pos)
                key = string()
                lines[path + (key,)] = key_line
                skip_ws()
                pos += 1  # ':'
                value(path + (key,))
                lines[path + (key,)] = key_line
                skip_ws()
                if text[pos] == ",":
                    pos += 1
                    continue
                pos += 1  # '}'
                return
        if ch == "[":
            pos += 1
            skip_ws()
            if text[pos] == "]":
                pos += 1
                return
            i = 0
            while True:
                value(path + (i,))
                skip_ws()
                i += 1
                if text[pos] == ",":
                    pos += 1
                    continue
                pos += 1
                return
        if ch == '"':
            string()
            return
        _, end = json.JSONDecoder().raw_decode(text, pos)
        pos = end

    try:
        value(())
    except (IndexError, ValueError):
        pass  # only called on text that already parsed; be lenient anyway
    return lines


def json_path(path) -> str:
    out = "$"
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


# ---- defaults -----------------------------------------------------------------------------------------------------

def _deref(schema: dict, root: dict) -> dict:
    while "$ref" in schema:
        ref = schema["$ref"]
        node = root
        for part in ref.lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


ALGORITHM_BLOCKS = ("grpo", "ppo")  # each algorithm's own settings block, read only when it is the run's algorithm


def fill_defaults(value: Any, schema: dict, root: dict) -> Any:
    """Insert schema defaults for missing properties, recursively (objects without a default are created when
    their schema has properties, so nested blocks like grpo/training get their defaults too)."""
    schema = _deref(schema, root)
    if isinstance(value, dict) and "properties" in schema:
        for key, sub in schema["properties"].items():
            subd = _deref(sub, root)
            if key not in value:
                if key in ALGORITHM_BLOCKS and value.get("algorithm", key) != key:
                    continue  # the other algorithm's block: the schema refuses it, so it is not created either
                if "default" in sub or "default" in subd:
                    value[key] = copy.deepcopy(sub.get("default", subd.get("default")))
                elif subd.get("type") == "object" and "properties" in subd and not subd.get("required"):
                    value[key] = {}
            if key in value:
                value[key] = fill_defaults(value[key], sub, root)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [fill_defaults(v, schema["items"], root) for v in value]
    return value


# ---- overrides ----------------------------------------------------------------------------------------------------

def apply_override(config: dict, assignment: str) -> None:
    """--set a.b.c=value (value parsed as JSON when it is valid JSON, else taken as a string; list indices as numbers)."""
    if "=" not in assignment:
        raise ConfigError(f"--set {assignment!r}: expected key.path=value")
    key, raw = assignment.split("=", 1)
    parts = [p for p in key.strip().split(".") if p]
    if not parts:
        raise ConfigError(f"--set {assignment!r}: empty key")
    try:
        val = json.loads(raw)
    except json.JSONDecodeError:
        val = raw
    node: Any = config
    for i, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            node = node[_index(part, assignment)]
            continue
        if part not in node or not isinstance(node[part], (dict, list)):
            node[part] = {}
        node = node[part]
    last = parts[-1]
    if isinstance(node, list):
        node[_index(last, assignment)] = val
    else:
        node[last] = val


def _index(part: str, assignment: str) -> int:
    try:
        return int(part)
    except ValueError:
        raise ConfigError(f"--set {assignment!r}: {part!r} is not a list index") from None


# ---- validation ---------------------------------------------------------------------------------------------------

def schema_problems(config: dict, source: str, text: str | None, schema: dict | None = None) -> list[Problem]:
    """Located schema violations: 'file:line: $.grpo.beta: -1 is less than the minimum of 0'. schema: the run-config
    schema unless another config kind (a reward-model config) is checked."""
    from jsonschema import Draft7Validator

    schema = schema or load_schema()
    validator = Draft7Validator(schema)
    lines = value_lines(text) if text else {}
    out = []
    for err in sorted(validator.iter_errors(config), key=lambda e: (list(map(str, e.absolute_path)), e.message)):
        path = tuple(err.absolute_path)
        message = err.message
        if err.validator == "additionalProperties":
            extra = [k for k in err.instance if k not in err.schema.get("properties", {})] if isinstance(err.instance, dict) else []
            hint = removed_hint(path, extra[0]) if extra else None
            message += f" ({hint})" if hint else " (not a known setting here; check the spelling)"
            line = line_of(lines, path + (extra[0],) if extra else path)
        else:
            if err.validator == "not" and err.schema.get("deprecationMessage"):  # the other algorithm's block
                message = f"{err.schema['deprecationMessage']} (algorithm is \"{config.get('algorithm', 'grpo')}\")"
            line = line_of(lines, path)
        out.append(Problem(source, line, path, message, source="schema"))
    return out


def line_of(lines: dict[tuple, int], path: tuple) -> int | None:
    """The line of the JSON path's value, or of its nearest ancestor that is in the text."""
    probe = tuple(path)
    while True:
        if probe in lines:
            return lines[probe]
        if not probe:
            return None
        probe = probe[:-1]


# ---- paths --------------------------------------------------------------------------------------------------------

def _resolve(p: str, base: Path) -> str:
    q = Path(p).expanduser()
    return str(q if q.is_absolute() else (base / q).resolve())


def _looks_local(name: str, base: Path) -> bool:
    if name.startswith(("builtin:",)):
        return False
    if name.startswith((".", "/", "~")) or "\\" in name:
        return True
    return (base / name).exists()


def resolve_paths(config: dict, base: Path) -> dict:
    for ds in config["data"]["datasets"]:
        ds["path"] = _resolve(ds["path"], base)
    for block in ("eval", "warm_start"):
        for ds in (config.get(block) or {}).get("datasets") or []:
            ds["path"] = _resolve(ds["path"], base)
    for rw in config["rewards"]:
        fn = rw["function"]
        if fn.startswith(REWARD_MODEL_PREFIX):  # reward_model:<folder>
            rw["function"] = REWARD_MODEL_PREFIX + _resolve(fn[len(REWARD_MODEL_PREFIX):], base)
        elif not fn.startswith("builtin:") and ":" in fn:
            file_part, name = fn.rsplit(":", 1)
            rw["function"] = f"{_resolve(file_part, base)}:{name}"
    critic = (config.get("ppo") or {}).get("critic") or {}
    if critic.get("init_from", "policy") != "policy":
        critic["init_from"] = _resolve(critic["init_from"], base)
    model = config["model"]
    if _looks_local(model["name_or_path"], base):
        model["name_or_path"] = _resolve(model["name_or_path"], base)
    config["output_dir"] = _resolve(config["output_dir"], base)
    return config


# ---- entry points -------------------------------------------------------------------------------------------------

def parse_config_text(text: str, source: str) -> dict:
    try:
        config = json.loads(text)
    except json.JSONDecodeError as e:
        problem = Problem(source, e.lineno, (), f"invalid JSON: {e.msg} (column {e.colno})", source="json")
        raise ConfigError(f"{source}:{e.lineno}:{e.colno}: invalid JSON: {e.msg}", [problem]) from None
    if not isinstance(config, dict):
        raise ConfigError.of([Problem(source, 1, (), "the config must be a JSON object", source="schema")])
    return config


def load_config(path: str | Path, overrides: list[str] | None = None, resolve: bool = True) -> dict:
    """Parsed, validated, defaults-filled config with absolute paths. Raises ConfigError with every problem found."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    text = path.read_text(encoding="utf-8")
    config = parse_config_text(text, str(path))
    for assignment in overrides or []:
        apply_override(config, assignment)
    return finish_config(config, str(path), text, path.resolve().parent if resolve else None)


def finish_config(config: dict, source: str, text: str | None, base: Path | None) -> dict:
    """Schema-checked, defaults-filled config (paths resolved against base when given). What the schema cannot
    express (files, reward references, dataset records, batch arithmetic) is rlstudio.config.preflight's."""
    problems = schema_problems(config, source, text)
    if problems:
        raise ConfigError.of(problems)
    config = fill_defaults(config, load_schema(), load_schema())
    if base is not None:
        config = resolve_paths(config, base)
    return config
