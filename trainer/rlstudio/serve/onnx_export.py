"""`python -m rlstudio export-onnx`: a checkpoint as an ONNX decoder with past key/values (one graph for the prompt
and for each next token), tokenizer.json beside it, and a check that runs both and compares their logits.

A LoRA adapter is merged into its base first, so the graph is one plain model. Inputs: input_ids, attention_mask
(prompt and past together), position_ids, past.<layer>.key/value [batch, kv_heads, past, head_dim] (past may be 0
long); outputs: logits and present.<layer>.key/value. onnx_config.json says the shapes and the stop tokens."""
from __future__ import annotations

import json
import time
import warnings
from pathlib import Path

import torch

from rlstudio.generation.positions import left_padded_positions
from rlstudio.user_errors import UserError


def _shape(config) -> tuple[int, int, int]:
    layers = config.num_hidden_layers
    kv_heads = getattr(config, "num_key_value_heads", None) or config.num_attention_heads
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    return layers, kv_heads, head_dim


class DecoderStep(torch.nn.Module):
    """The model as a function of flat tensors, so the exporter sees the KV cache as graph inputs and outputs."""

    def __init__(self, model):
        super().__init__()
        from rlstudio.serve.decoding import _cache_keyword

        self.model = model
        self.layers = _shape(model.config)[0]
        self.cache_keyword = _cache_keyword(model)

    def forward(self, input_ids, attention_mask, position_ids, *past):
        from transformers import DynamicCache

        cache = DynamicCache(config=self.model.config)
        for i in range(self.layers):
            cache.update(past[2 * i], past[2 * i + 1], i)
        out = self.model(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids, use_cache=True,
                         **{self.cache_keyword: cache})
        from rlstudio.serve.decoding import _cache_of

        present = _cache_of(out)
        flat = []
        for i in range(self.layers):
            layer = present.layers[i]
            flat += [layer.keys, layer.values]
        return (out.logits, *flat)


def past_names(layers: int, prefix: str) -> list[str]:
    return [f"{prefix}.{i}.{kv}" for i in range(layers) for kv in ("key", "value")]


def export(checkpoint: str, out_dir: Path) -> dict:
    from rlstudio.generation.rollout import eos_ids
    from rlstudio.serve.checkpoints import load_model, locate

    files = locate(checkpoint)
    model, tokenizer, _ = load_model(files, torch.device("cpu"), "float32")
    if files.adapter_base:
        model = model.merge_and_unload()  # one plain model: the graph has no adapter branches
    model.eval()
    if not getattr(tokenizer, "is_fast", False):
        raise UserError(f"{checkpoint}: the tokenizer has no fast (tokenizer.json) form, which the editor needs")
    layers, kv_heads, head_dim = _shape(model.config)
    out_dir.mkdir(parents=True, exist_ok=True)
    step = DecoderStep(model)
    ids = torch.tensor([[1, 2, 3]])
    past = [torch.zeros(1, kv_heads, 2, head_dim) for _ in range(2 * layers)]
    mask = torch.ones(1, 5, dtype=torch.long)
    pos = torch.tensor([[2, 3, 4]])
    inputs = past_names(layers, "past")
    dynamic = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "total"},
               "position_ids": {0: "batch", 1: "sequence"}, **{n: {0: "batch", 2: "past"} for n in inputs}}
    started = time.perf_counter()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on Python branches: the check below is the real test
        torch.onnx.export(step, (ids, mask, pos, *past), str(out_dir / "model.onnx"), dynamo=False, opset_version=17,
                          input_names=["input_ids", "attention_mask", "position_ids", *inputs],
                          output_names=["logits", *past_names(layers, "present")], dynamic_axes=dynamic)
    tokenizer.save_pretrained(out_dir)
    info = {"checkpoint": checkpoint, "kind": files.kind, "layers": layers, "kv_heads": kv_heads, "head_dim": head_dim,
            "vocab_size": int(model.config.vocab_size), "parameters": sum(p.numel() for p in model.parameters()),
            "eos_token_ids": eos_ids(tokenizer, model),
            "pad_token_id": tokenizer.pad_token_id,
            "max_position_embeddings": getattr(model.config, "max_position_embeddings", None),
            "data": (files.run_config or {}).get("data"), "export_seconds": time.perf_counter() - started}
    (out_dir / "onnx_config.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return {"model": model, "tokenizer": tokenizer, "info": info}


def compare_logits(model, tokenizer, onnx_file: Path, prompts: list[str]) -> float:
    """Largest |logit difference| between PyTorch and onnxruntime, divided by the largest |logit| (at least 1), over a
    left-padded batch of prompts, for the prompt pass and for one cached next-token step."""
    import numpy as np
    import onnxruntime as ort

    from rlstudio.generation.rollout import tokenize_prompts

    session = ort.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
    layers, kv_heads, head_dim = _shape(model.config)
    step = DecoderStep(model).eval()
    ids, mask = tokenize_prompts(tokenizer, prompts, None, torch.device("cpu"))
    pos = left_padded_positions(mask)
    past = [torch.zeros(len(prompts), kv_heads, 0, head_dim) for _ in range(2 * layers)]
    worst = 0.0
    for _ in range(2):
        with torch.no_grad():
            want = step(ids, mask, pos, *past)
        feed = {"input_ids": ids.numpy(), "attention_mask": mask.numpy(), "position_ids": pos.numpy(),
                **{n: p.numpy() for n, p in zip(past_names(layers, "past"), past)}}
        got = session.run(None, feed)
        scale = max(1.0, float(want[0].abs().max()))
        worst = max(worst, float(np.abs(got[0] - want[0].numpy()).max()) / scale)
        ids = want[0][:, -1].argmax(-1, keepdim=True)
        past = list(want[1:])
        mask = torch.cat([mask, torch.ones(len(prompts), 1, dtype=mask.dtype)], dim=1)
        pos = pos[:, -1:] + 1
    return worst


def export_main(args) -> int:
    out_dir = Path(args.out) if args.out else Path(args.checkpoint) / "onnx"
    done = export(args.checkpoint, out_dir)
    prompts = ["Ann has 3 apples and gets 2 more . How many apples does Ann have now ?", "Hi", "What is 7 + 5 ?"]
    worst = compare_logits(done["model"], done["tokenizer"], out_dir / "model.onnx", prompts)
    print(f"wrote {out_dir / 'model.onnx'} and {out_dir / 'tokenizer.json'} ({done['info']['kind']} checkpoint"
          f"{', adapter merged' if done['info']['kind'] == 'lora' else ''})")
    print(f"check: largest logit difference PyTorch vs onnxruntime {worst:.2e} of the largest logit "
          f"(tolerance {args.tolerance:g})")
    if worst > args.tolerance:
        print("check FAILED: the ONNX model does not compute what the checkpoint computes")
        return 1
    return 0
