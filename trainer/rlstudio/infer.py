"""`python -m rlstudio infer`: generate with a checkpoint (full model or LoRA adapter) for one prompt or a file."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import torch


def _model_folder(path: Path) -> Path:
    return path / "model" if (path / "model").is_dir() else path


def load_for_inference(checkpoint: Path, device: torch.device):
    from rlstudio.modeling import load_tokenizer, quiet_transformers

    quiet_transformers()
    folder = _model_folder(Path(checkpoint))
    if not folder.is_dir():
        raise FileNotFoundError(f"{checkpoint}: no such checkpoint folder")
    adapter = folder / "adapter_config.json"
    from transformers import AutoModelForCausalLM

    if adapter.is_file():
        from peft import PeftModel

        from rlstudio.tiny_model import resolve_builtin

        base_name = json.loads(adapter.read_text())["base_model_name_or_path"]
        base = AutoModelForCausalLM.from_pretrained(resolve_builtin(base_name))
        model = PeftModel.from_pretrained(base, str(folder))
    else:
        model = AutoModelForCausalLM.from_pretrained(str(folder))
    model.to(device).eval()
    return model, load_tokenizer(str(folder))


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
    from rlstudio.data import PromptRecord, render_prompt
    from rlstudio.rollout import SamplingParams, generate, tokenize_prompts

    ckpt = Path(args.checkpoint)
    config_file = ckpt / "config.json"
    cfg = json.loads(config_file.read_text()) if config_file.is_file() and "data" in config_file.read_text() else {}
    data_cfg = cfg.get("data", {"chat_template": "auto"})
    max_new = args.max_new_tokens or cfg.get("grpo", {}).get("max_completion_length", 256)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        model, tok = load_for_inference(ckpt, device)
    except (FileNotFoundError, OSError, ValueError) as e:
        print(f"infer: {e}", file=sys.stderr)
        return 2
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
