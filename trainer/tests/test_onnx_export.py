"""export-onnx: the exported decoder (with past key/values) answers greedily token for token as the PyTorch backend
does, for 50 prompts, on a full model and on a LoRA adapter merged at export; the CLI's own logits check."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from helpers import run_cli

pytest.importorskip("onnxruntime")

MAX_TOKENS = 12


def fifty_prompts() -> list[str]:
    names, things = ["Ann", "Bob", "Lena", "Max", "Kim"], ["apples", "pens", "beads", "cards", "coins"]
    return [f"{names[i % 5]} has {i % 9 + 1} {things[(i // 5) % 5]} and gets {i % 4 + 1} more . How many now ?"
            for i in range(50)]


def ort_greedy(onnx_dir, tokenizer, prompts: list[str]) -> list[list[int]]:
    """A plain greedy loop over the exported graph: the prompt pass, then one cached token at a time."""
    import onnxruntime as ort

    from rlstudio.generation.rollout import tokenize_prompts
    from rlstudio.serve.onnx_export import past_names

    info = json.loads((onnx_dir / "onnx_config.json").read_text())
    session = ort.InferenceSession(str(onnx_dir / "model.onnx"), providers=["CPUExecutionProvider"])
    ids, mask = tokenize_prompts(tokenizer, prompts, None, torch.device("cpu"))
    ids, mask = ids.numpy(), mask.numpy()
    pos = np.clip(mask.cumsum(1) - 1, 0, None)
    names = past_names(info["layers"], "past")
    past = {n: np.zeros((len(prompts), info["kv_heads"], 0, info["head_dim"]), dtype=np.float32) for n in names}
    out: list[list[int]] = [[] for _ in prompts]
    done = [False] * len(prompts)
    for _ in range(MAX_TOKENS):
        logits, *present = session.run(None, {"input_ids": ids, "attention_mask": mask, "position_ids": pos, **past})
        nxt = logits[:, -1].argmax(-1)
        for i, t in enumerate(nxt.tolist()):
            if done[i]:
                continue
            if t in info["eos_token_ids"]:
                done[i] = True
            else:
                out[i].append(t)
        if all(done):
            break
        past = dict(zip(names, present))
        ids = nxt[:, None].astype(np.int64)
        mask = np.concatenate([mask, np.ones((len(prompts), 1), dtype=mask.dtype)], axis=1)
        pos = pos[:, -1:] + 1
    return out


def serve_greedy(checkpoint: str, prompts: list[str]) -> tuple[list[list[int]], object]:
    from rlstudio.generation.rollout import eos_ids
    from rlstudio.serve.checkpoints import load_model, locate
    from rlstudio.serve.decoding import DecodeRow, decode

    model, tok, _ = load_model(locate(checkpoint), torch.device("cpu"), "float32")
    rows = [DecodeRow(tok(p, add_special_tokens=False)["input_ids"], MAX_TOKENS) for p in prompts]
    decode(model, rows, eos_ids(tok, model), tok.pad_token_id, torch.device("cpu"))
    return [r.token_ids for r in rows], tok


@pytest.fixture(scope="module")
def adapter_dir(varied_model, tmp_path_factory):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(1)
    adapter = get_peft_model(AutoModelForCausalLM.from_pretrained(varied_model),
                             LoraConfig(r=4, lora_alpha=16, target_modules="all-linear", init_lora_weights=False))
    folder = tmp_path_factory.mktemp("adapter")
    adapter.save_pretrained(folder)
    return folder


@pytest.mark.parametrize("which", ["full", "lora"])
def test_onnx_greedy_equals_the_pytorch_backend_for_50_prompts(which, varied_model, adapter_dir, tmp_path):
    from rlstudio.serve.onnx_export import export

    checkpoint = str(varied_model if which == "full" else adapter_dir)
    info = export(checkpoint, tmp_path / "onnx")["info"]
    assert info["kind"] == which and (tmp_path / "onnx" / "tokenizer.json").is_file()
    prompts = fifty_prompts()
    want, tok = serve_greedy(checkpoint, prompts)
    assert len({tuple(w) for w in want}) > 10  # varied answers: agreement is not luck
    got = ort_greedy(tmp_path / "onnx", tok, prompts)
    assert got == want


def test_export_cli_checks_its_logits(varied_model, tmp_path):
    code, out = run_cli("export-onnx", "--checkpoint", str(varied_model), "--out", str(tmp_path / "o"))
    assert code == 0, out
    assert "check: largest logit difference PyTorch vs onnxruntime" in out and (tmp_path / "o" / "model.onnx").is_file()
    code, out = run_cli("export-onnx", "--checkpoint", str(tmp_path / "nothing"))
    assert code == 2 and "no such checkpoint" in out
