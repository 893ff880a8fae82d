"""A prompt file through one model (seed 001's batch test): every answer with its rewards appended to a JSONL file as
it is produced (a cancelled or killed batch keeps what it finished), then a summary beside it (mean reward, accuracy
over the prompts that carry a reference, each reward function's mean)."""
from __future__ import annotations

import json
import math
import time
from pathlib import Path

from rlstudio.serve.decoding import DecodeRow, decode
from rlstudio.serve.protocol import RequestError


def read_prompts(path: Path) -> list:
    """PromptRecords: a dataset file in any shape training reads (.jsonl/.json/.parquet), else one prompt a line."""
    from rlstudio.data.datasets import JSON_SUFFIXES, PARQUET_SUFFIXES, PromptRecord, load_dataset

    if not path.is_file():
        raise RequestError(f"{path}: prompt file not found")
    if path.suffix.lower() in (*JSON_SUFFIXES, *PARQUET_SUFFIXES):
        return load_dataset({"path": str(path)}, path.parent, where="batch.prompts_file")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as e:
        raise RequestError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    records = [PromptRecord(prompt=line, reference=None, columns={"prompt": line}, source=f"{path}:{i}")
               for i, line in enumerate(lines, start=1) if line.strip()]
    if not records:
        raise RequestError(f"{path}: no prompts in this file")
    return records


def default_output(loaded, started: float) -> Path:
    if loaded.files.run_dir is None:
        raise RequestError(f"{loaded.files.requested} is not inside a run directory; give the batch an output path")
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(started))
    return loaded.files.run_dir / "inference" / f"batch-{stamp}-{loaded.name}.jsonl"


def _mean(values: list[float]) -> float | None:
    values = [v for v in values if v is not None and not math.isnan(v)]
    return sum(values) / len(values) if values else None


def run_batch(server, loaded, req: dict) -> dict:
    from rlstudio.serve.handlers import encode_prompt, eos_of, _sampling
    from rlstudio.serve.scoring import render, scores_json

    started = time.time()
    records = read_prompts(Path(req["prompts_file"]).expanduser())[: req.get("limit")]
    out = Path(req["output"]).expanduser() if req.get("output") else default_output(loaded, started)
    out.parent.mkdir(parents=True, exist_ok=True)
    sampling = _sampling(req)
    max_tokens = sampling.pop("max_tokens")
    results: list[dict] = []
    size = req.get("batch_size", 16)
    finished = "completed"
    with out.open("w", encoding="utf-8") as sink:
        for start in range(0, len(records), size):
            if server.is_cancelled(req["id"]):
                finished = "cancelled"
                break
            chunk = records[start:start + size]
            rows = []
            for r in chunk:
                ids, room = encode_prompt(loaded, render(loaded, r.prompt), max_tokens)
                rows.append(DecodeRow(ids, room, is_cancelled=lambda: server.is_cancelled(req["id"]), **sampling))
            decode(loaded.model, rows, eos_of(loaded), loaded.tokenizer.pad_token_id, loaded.device)
            for i, (record, row) in enumerate(zip(chunk, rows)):
                result = _result(loaded, start + i, record, row, scores_json)
                sink.write(json.dumps(result, ensure_ascii=False) + "\n")
                results.append(result)
            sink.flush()
            server.writer.send({"id": req["id"], "type": "batch_progress", "done": len(results), "total": len(records)})
    summary = _summary(loaded, req, results, finished)
    summary_file = out.with_name(out.stem + ".summary.json")
    summary_file.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return {"output": str(out), "summary_file": str(summary_file), "summary": summary}


def _result(loaded, index, record, row, scores_json) -> dict:
    text = loaded.tokenizer.decode(row.token_ids, skip_special_tokens=True)
    result = {"index": index, "source": record.source, "prompt": record.prompt, "reference": record.reference,
              "completion": text, "finish_reason": row.finish_reason, "completion_tokens": len(row.token_ids)}
    if loaded.scorer.funcs:
        scores = scores_json(loaded.scorer.score(record, [text], [row.token_ids]))[0]
        result.update(reward=scores["total"], rewards=scores["per_function"], correct=scores["correct"])
    else:
        from rlstudio.training.evaluation import answer_correct

        result.update(reward=None, rewards={},
                      correct=answer_correct(text, record.reference) if record.reference is not None else None)
    return result


def _summary(loaded, req, results, finished) -> dict:
    judged = [r["correct"] for r in results if r["correct"] is not None]
    names = loaded.scorer.names
    return {"model": loaded.name, "checkpoint": loaded.files.requested, "prompts_file": req["prompts_file"],
            "count": len(results), "mean_reward": _mean([r["reward"] for r in results]),
            "accuracy": sum(judged) / len(judged) if judged else None, "with_reference": len(judged),
            "per_function_mean": {n: _mean([r["rewards"].get(n) for r in results]) for n in names},
            "finished": finished}
