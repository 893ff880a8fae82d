"""Training prompts: reading JSONL / Parquet datasets into PromptRecords, and rendering a record for the model.

Every problem with a dataset is a DataError whose message starts with "path:line: " (or "path: " for problems of the
whole file), so the editor can link straight to the offending line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from rlstudio.data.prompt_sampler import PromptSampler
from rlstudio.user_errors import UserError
from rlstudio.data.shapes import ShapeError, convert_record

__all__ = ["DataError", "PromptRecord", "PromptSampler", "column_names", "load_datasets", "load_dataset", "render_prompt"]

JSON_SUFFIXES = (".jsonl", ".json", ".ndjson")
PARQUET_SUFFIXES = (".parquet", ".pq")


class DataError(UserError, ValueError):
    """A dataset problem; the message starts with 'path:line: ' (or 'path: ') and says what is wrong."""


@dataclass
class PromptRecord:
    prompt: str | list[dict]  # a string, or chat messages [{"role", "content"}]
    reference: str | None  # normalised reference answer (GSM8K "... #### 42" -> "42"), None when there is none
    columns: dict = field(default_factory=dict)  # every source column + "reference": reaches reward functions
    source: str = ""  # "file:line"

    @property
    def is_conversational(self) -> bool:
        return isinstance(self.prompt, list)


def _read_jsonl(path: Path) -> Iterator[tuple[int, object]]:
    with path.open("rb") as f:
        for line_no, raw in enumerate(f, start=1):
            try:
                text = raw.decode("utf-8-sig" if line_no == 1 else "utf-8")
            except UnicodeDecodeError as e:
                raise DataError(f"{path}:{line_no}: not UTF-8 text ({e.reason} at byte {e.start})") from None
            if not text.strip():
                continue
            try:
                yield line_no, json.loads(text)
            except json.JSONDecodeError as e:
                raise DataError(f"{path}:{line_no}: invalid JSON: {e.msg} (column {e.colno})") from None


def _read_json_array(path: Path, text: str) -> Iterator[tuple[int, object]]:
    """A .json file holding one array: yields each element with the line it starts on."""
    decoder = json.JSONDecoder()
    pos = text.index("[") + 1
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text):
            raise DataError(f"{path}:{text.count(chr(10), 0, pos) + 1}: invalid JSON: unterminated array")
        if text[pos] == "]":
            return
        line_no = text.count("\n", 0, pos) + 1
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as e:
            raise DataError(f"{path}:{e.lineno}: invalid JSON: {e.msg} (column {e.colno})") from None
        yield line_no, value


def _read_json(path: Path) -> Iterator[tuple[int, object]]:
    with path.open("rb") as f:
        head = f.read(4096).decode("utf-8-sig", errors="ignore").lstrip()
    if head.startswith("["):
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as e:
            raise DataError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
        yield from _read_json_array(path, text)
    else:
        yield from _read_jsonl(path)


def _read_parquet(path: Path, needed_columns: list[str]) -> Iterator[tuple[int, object]]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as e:  # pyarrow raises several types for a file that is not Parquet
        raise DataError(f"{path}: not a readable Parquet file: {e}") from None
    names = pf.schema_arrow.names
    for label, column in needed_columns:
        if column not in names:
            raise DataError(f"{path}: no column '{column}' ({label}); columns are [{', '.join(names)}]")
    row = 0
    for batch in pf.iter_batches(batch_size=1024):
        for record in batch.to_pylist():
            row += 1
            yield row, record


def read_rows(path: Path, ds_cfg: dict) -> Iterator[tuple[int, object]]:
    """(line or row number, raw row) of a JSONL / JSON / Parquet file: the one reader for prompts and preference pairs."""
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        fields = ds_cfg.get("fields") or {}
        needed = [(f"fields.{k}", fields[k]) for k in ("prompt", "reference") if fields.get(k)]
        return _read_parquet(path, needed)
    if suffix == ".json":
        return _read_json(path)
    if suffix in JSON_SUFFIXES:
        return _read_jsonl(path)
    raise DataError(f"{path}: unsupported file type '{suffix}'; use .jsonl, .json (JSON lines or an array) or .parquet")


def resolve_path(path: str, base_dir: Path) -> Path:
    p = Path(path).expanduser()
    return p if p.is_absolute() else (Path(base_dir) / p)


def load_dataset(ds_cfg: dict, base_dir: Path, where: str = "data.datasets[0]") -> list[PromptRecord]:
    """One dataset entry of the config (path resolved against base_dir) as PromptRecords, at most max_samples."""
    path = resolve_path(ds_cfg["path"], base_dir)
    if not path.is_file():
        what = "is a directory, not a file" if path.is_dir() else "file not found"
        raise DataError(f"{path}: {what} ({where}.path = {ds_cfg['path']!r})")
    fmt, fields = ds_cfg.get("format") or "auto", ds_cfg.get("fields") or {}
    limit = ds_cfg.get("max_samples")
    out: list[PromptRecord] = []
    for line_no, record in read_rows(path, ds_cfg):
        if limit is not None and len(out) >= limit:
            break
        if not isinstance(record, dict):
            raise DataError(f"{path}:{line_no}: expected a JSON object, got {type(record).__name__}")
        try:
            prompt, reference = convert_record(record, fmt, fields)
        except ShapeError as e:
            raise DataError(f"{path}:{line_no}: {e}") from None
        columns = dict(record)
        columns["reference"] = reference
        out.append(PromptRecord(prompt=prompt, reference=reference, columns=columns, source=f"{path}:{line_no}"))
    if not out:
        raise DataError(f"{path}: no records ({where}); the file is empty")
    return out


def load_datasets(data_cfg: dict, base_dir: Path) -> list[list[PromptRecord]]:
    """One list of records per entry of data_cfg["datasets"], in config order."""
    datasets = data_cfg.get("datasets") or []
    if not datasets:
        raise DataError("data.datasets: at least one dataset is needed")
    return [load_dataset(ds, Path(base_dir), where=f"data.datasets[{i}]") for i, ds in enumerate(datasets)]


def column_names(datasets: list[list[PromptRecord]]) -> list[str]:
    """Every column of the datasets in first-seen order: the keyword arguments reward functions receive."""
    names: dict[str, None] = {}
    for records in datasets:
        for r in records:
            names.update(dict.fromkeys(r.columns))
    return list(names)


def _has_chat_template(tokenizer) -> bool:
    return bool(getattr(tokenizer, "chat_template", None))


def _plain_text(messages: list[dict]) -> str:
    """A conversation without a chat template: 'Role: content' lines, ending where the assistant should answer."""
    lines = [f"{m['role'].capitalize()}: {m['content']}" for m in messages]
    if messages[-1]["role"] != "assistant":
        lines.append("Assistant:")
    return "\n".join(lines)


def render_prompt(record: PromptRecord, tokenizer, data_cfg: dict, chat_template_kwargs: dict | None = None) -> str:
    """The text the model continues: system prompt + prompt, through the tokenizer's chat template or as plain text.

    chat_template: 'auto' uses the template when the tokenizer has one; 'always' requires one; 'never' gives plain text
    (a string prompt is prefixed by the system prompt on its own line). A record's own system turn wins over
    data.system_prompt. A conversation ending in an assistant turn is continued (prefill), not answered anew.
    """
    system_prompt = data_cfg.get("system_prompt")
    mode = data_cfg.get("chat_template") or "auto"
    if mode not in ("auto", "always", "never"):
        raise DataError(f"data.chat_template: expected auto, always or never, got {mode!r}")
    use_template = mode == "always" or (mode == "auto" and _has_chat_template(tokenizer))
    if mode == "always" and not _has_chat_template(tokenizer):
        raise DataError("data.chat_template is 'always' but the tokenizer has no chat template; use 'auto' or 'never'")
    if isinstance(record.prompt, str) and not use_template:
        return f"{system_prompt}\n{record.prompt}" if system_prompt else record.prompt
    messages = list(record.prompt) if isinstance(record.prompt, list) else [{"role": "user", "content": record.prompt}]
    if system_prompt and messages[0]["role"] != "system":
        messages.insert(0, {"role": "system", "content": system_prompt})
    if not use_template:
        return _plain_text(messages)
    prefill = messages[-1]["role"] == "assistant"
    return tokenizer.apply_chat_template(
        messages, tokenize=False, add_generation_prompt=not prefill, continue_final_message=prefill,
        **(chat_template_kwargs or {}),
    )
