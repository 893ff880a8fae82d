"""`python -m rlstudio infer`: generate with a checkpoint (full model or LoRA adapter) for one prompt or a file."""
from __future__ import annotations

import json
from pathlib import Path

import torch


def load_for_inference(checkpoint: Path, device: torch.device):
    """(model, tokenizer) of a checkpoint folder as serve loads it (manifest checked, LoRA adapter on its base)."""
    from rlstudio.serve.checkpoints import load_model, locate

    model, tokenizer, _ = load_model(locate(str(checkpoint)), device)
    return model, tokenizer


def _read_prompts(args) -> list[str]:
    if args.prompt is not None:
        return [args.prompt]
    out = []
    for line in Path(args.prompts_file).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            out.append(json.loads(line)["prompt"])
        else:
            out.append(line)
    return out


def infer_main(args) -> int:
    from rlstudio.data.datasets import PromptRecord, render_prompt
    from rlstudio.generation.rollout import SamplingParams, generate, tokenize_prompts

    ckpt = Path(args.checkpoint)
    config_file = ckpt / "config.json"
    cfg = json.loads(config_file.read_text()) if config_file.is_file() and "data" in config_file.read_text() else {}
    data_cfg = cfg.get("data", {"chat_template": "auto"})
    max_new = args.max_new_tokens or cfg.get("sampling", {}).get("max_completion_length", 256)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model, tok = load_for_inference(ckpt, device)  # a CheckpointLoadError is a UserError: its message, exit 2
    prompts = _read_prompts(args)
    rendered = [render_prompt(PromptRecord(prompt=p, reference=None), tok, data_cfg) for p in prompts]
    params = SamplingParams(max_new, temperature=args.temperature or 1.0, do_sample=args.temperature > 0)
    ids, mask = tokenize_prompts(tok, rendered, data_cfg.get("max_prompt_length"), device)
    ro = generate(model, tok, ids, mask, params)
    for p, row, m in zip(prompts, ro.completion_ids, ro.completion_mask):
        text = tok.decode(row[m.bool()].tolist(), skip_special_tokens=True)
        if args.json:
            print(json.dumps({"prompt": p, "completion": text}, ensure_ascii=False))
        else:
            print(f"### {p}\n{text}\n")
    return 0
