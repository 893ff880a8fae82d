"""What each serve request does (run on the worker thread, which owns the models). Each handler ends with exactly one
final reply through server.final(); a raised exception becomes the error reply instead."""
from __future__ import annotations

import time
from pathlib import Path

from rlstudio.serve.checkpoints import LoadedModel, load_model, locate, pick_device
from rlstudio.serve.decoding import DecodeRow, TextStream, decode
from rlstudio.serve.protocol import RequestError
from rlstudio.serve.scoring import ScoreContext, prompt_record, render, scores_json


def load(server, req: dict) -> None:
    started = time.perf_counter()
    files = locate(req["checkpoint"])
    device = pick_device(req.get("device", "auto"))
    server.models.pop(req["model"], None)  # loading under a taken name replaces that model
    model, tokenizer, dtype = load_model(files, device, req.get("dtype", "auto"))
    loaded = LoadedModel(req["model"], files, model, tokenizer, device, dtype)
    reply = {"id": req["id"], "type": "loaded", "model": req["model"], "checkpoint": req["checkpoint"],
             "kind": files.kind, "base": files.adapter_base, "run_dir": str(files.run_dir) if files.run_dir else None,
             "device": str(device), "dtype": str(dtype).removeprefix("torch."),
             "parameters": sum(p.numel() for p in model.parameters())}
    try:
        loaded.scorer = ScoreContext.for_run(files.run_config)
        reply["reward_functions"] = loaded.scorer.names
    except Exception as e:  # noqa: BLE001 - broken reward code must not keep the model from answering
        from rlstudio.serve.server import describe

        loaded.scorer = ScoreContext.empty()
        reply["reward_functions"], reply["rewards_error"] = [], describe(e)
    server.models[req["model"]] = loaded
    reply["seconds"] = time.perf_counter() - started
    server.final(reply)


def unload(server, req: dict) -> None:
    server.model(req["model"])
    del server.models[req["model"]]
    import gc

    gc.collect()
    server.final({"id": req["id"], "type": "unloaded", "model": req["model"]})


def _sampling(req: dict) -> dict:
    s = req.get("sampling") or {}
    return {"temperature": s.get("temperature", 0.0), "top_p": s.get("top_p", 1.0), "top_k": s.get("top_k", 0),
            "max_tokens": s.get("max_tokens", 128), "seed": s.get("seed")}


def context_limit(model) -> int | None:
    return getattr(model.config, "max_position_embeddings", None) or getattr(model.config, "n_positions", None)


def encode_prompt(loaded: LoadedModel, text: str, max_tokens: int) -> tuple[list[int], int]:
    """(prompt ids, max new tokens that still fit the model's context); a prompt that does not fit is refused."""
    ids = loaded.tokenizer(text, add_special_tokens=False)["input_ids"]
    limit = context_limit(loaded.model)
    if limit is not None and len(ids) >= limit:
        raise RequestError(f"the prompt is {len(ids)} tokens ({len(text)} characters); the model reads at most "
                           f"{limit} tokens, prompt and answer together")
    if not ids:
        raise RequestError("the prompt is empty")
    return ids, min(max_tokens, limit - len(ids)) if limit is not None else max_tokens


def eos_of(loaded: LoadedModel) -> list[int]:
    from rlstudio.generation.rollout import eos_ids

    return eos_ids(loaded.tokenizer, loaded.model)


def generate_batch(server, reqs: list[dict]) -> None:
    loaded = server.model(reqs[0]["model"])
    rows, accepted = [], []
    for req in reqs:
        if "prompt" in req and "messages" in req or not ("prompt" in req or "messages" in req):
            server.final({"id": req["id"], "type": "error", "message": "generate: give either prompt or messages"})
            continue
        try:
            sampling = _sampling(req)
            text = render(loaded, req.get("messages") or req["prompt"])
            ids, room = encode_prompt(loaded, text, sampling.pop("max_tokens"))
        except Exception as e:  # noqa: BLE001
            from rlstudio.serve.server import describe

            server.final({"id": req["id"], "type": "error", "message": describe(e)})
            continue
        rows.append(_row(server, loaded, req, ids, room, sampling))
        accepted.append(req)
    if not rows:
        return
    started = time.perf_counter()
    decode(loaded.model, rows, eos_of(loaded), loaded.tokenizer.pad_token_id, loaded.device)
    seconds = time.perf_counter() - started
    for req, row in zip(accepted, rows):
        text = loaded.tokenizer.decode(row.token_ids, skip_special_tokens=True)
        reply = {"id": req["id"], "type": "generated", "text": text, "token_ids": row.token_ids,
                 "finish_reason": row.finish_reason, "prompt_tokens": len(row.prompt_ids),
                 "completion_tokens": len(row.token_ids), "first_token_seconds": row.first_token_seconds,
                 "seconds": seconds, "batch_size": len(rows)}
        if req.get("score"):
            _attach_scores(loaded, req, text, row.token_ids, reply)
        server.final(reply)


def _row(server, loaded, req, ids, room, sampling) -> DecodeRow:
    rid = req["id"]
    stream = TextStream(loaded.tokenizer) if req.get("stream", True) else None

    def on_token(token: int) -> None:
        server.writer.send({"id": rid, "type": "token", "text": stream.push(token), "token_ids": [token]})

    return DecodeRow(ids, room, on_token=on_token if stream else None, is_cancelled=lambda: server.is_cancelled(rid),
                     **sampling)


def _attach_scores(loaded, req, text, token_ids, reply) -> None:
    from rlstudio.serve.server import describe

    record = prompt_record(req)
    try:
        reply["scores"] = scores_json(loaded.scorer.score(record, [text], [token_ids]))[0]
    except Exception as e:  # noqa: BLE001 - the answer stands; why it has no scores is said beside it
        reply["score_error"] = describe(e)


def score(server, req: dict) -> None:
    loaded = server.model(req["model"])
    record = prompt_record(req)
    texts = req["completions"]
    ids = [loaded.tokenizer(t, add_special_tokens=False)["input_ids"] for t in texts]
    server.final({"id": req["id"], "type": "scored", "scores": scores_json(loaded.scorer.score(record, texts, ids))})


def batch(server, req: dict) -> None:
    from rlstudio.serve.batch_job import run_batch

    reply = run_batch(server, server.model(req["model"]), req)
    server.final({"id": req["id"], "type": "batch_done", **reply})


def prompts(server, req: dict) -> None:
    from rlstudio.data.datasets import load_dataset, resolve_path

    if req.get("path"):
        path = Path(req["path"]).expanduser()
    else:
        run_config = server.model(req["model"]).files.run_config if req.get("model") else None
        datasets = ((run_config or {}).get("data") or {}).get("datasets") or []
        if not datasets:
            raise RequestError("prompts: give a path, or a model whose run config names a dataset")
        path = resolve_path(datasets[0]["path"], Path("."))
    records = load_dataset({"path": str(path), "max_samples": req.get("limit", 100)}, path.parent, where="prompts.path")
    server.final({"id": req["id"], "type": "prompts", "path": str(path), "prompts": [
        {"prompt": r.prompt, "reference": r.reference, "source": r.source,
         "columns": {k: v for k, v in r.columns.items() if k not in ("prompt", "reference")}} for r in records]})
