"""`python -m rlstudio serve` as the editor uses it: one real process per test module, JSON lines over pipes, every
reply checked against the schema."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch

from helpers import LEARNING_REWARD, arithmetic_setup, weights
from serve_client import ServeClient

PROMPTS = ["Ann has 3 apples and gets 2 more . How many apples does Ann have now ?",
           "Bob has 9 pens and gives away 4 . How many pens does Bob have now ?",
           "Hi"]


@pytest.fixture(scope="module")
def server(varied_model):
    client = ServeClient()
    loaded = client.call(id="load-tiny", type="load", model="tiny", checkpoint="builtin:tiny", device="cpu")
    assert loaded["type"] == "loaded", loaded
    loaded = client.call(id="load-varied", type="load", model="varied", checkpoint=str(varied_model))
    assert loaded["type"] == "loaded" and loaded["kind"] == "full" and loaded["run_dir"] is None, loaded
    yield client
    assert client.close() == 0
    client.assert_schema()


def hf_greedy(folder: Path, prompts: list[str], max_tokens: int) -> list[list[int]]:
    """What plain transformers generate() answers greedily, one prompt at a time (the reference for serve's decoder)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from rlstudio.generation.rollout import eos_ids

    model = AutoModelForCausalLM.from_pretrained(folder).eval()
    tok = AutoTokenizer.from_pretrained(folder)
    out = []
    for p in prompts:
        ids = torch.tensor([tok(p, add_special_tokens=False)["input_ids"]])
        gen = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_tokens, do_sample=False,
                             pad_token_id=tok.pad_token_id, eos_token_id=eos_ids(tok, model))[0, ids.size(1):].tolist()
        out.append([t for t in gen if t not in eos_ids(tok, model)])
    return out


def occupy(server, rid: str) -> str:
    """Keeps the worker busy with another model for a moment, so the requests sent next wait together (and are
    decoded as one batch) instead of racing the worker one by one."""
    return server.send(id=rid, type="generate", model="tiny", prompt="Hi", sampling={"max_tokens": 400}, stream=False)


def test_streamed_greedy_answers_batched_together_equal_plain_transformers(server, varied_model):
    busy = occupy(server, "busy-g")
    ids = [server.send(id=f"g{i}", type="generate", model="varied", prompt=p, sampling={"max_tokens": 12})
           for i, p in enumerate(PROMPTS)]
    finals = server.gather([busy, *ids])
    expected = hf_greedy(varied_model, PROMPTS, 12)
    assert all(len(set(e)) > 3 for e in expected), expected  # varied answers: a wrong decoder cannot match by luck
    for i, rid in enumerate(ids):
        final, stream = finals[rid]
        tokens = [r for r in stream if r["type"] == "token"]
        assert final["type"] == "generated" and final["token_ids"] == expected[i], (final, expected[i])
        assert [t for r in tokens for t in r["token_ids"]] == final["token_ids"]
        assert "".join(r["text"] for r in tokens) == final["text"]  # the stream adds up to the answer
        assert final["completion_tokens"] == len(final["token_ids"]) and final["first_token_seconds"] is not None
    assert [finals[rid][0]["batch_size"] for rid in ids] == [len(ids)] * len(ids)  # waiting requests decoded together


def test_a_seed_repeats_a_sampled_answer_alone_or_in_a_batch(server):
    sampling = {"temperature": 1.0, "top_p": 0.9, "max_tokens": 10, "seed": 7}
    alone = server.call(id="s1", type="generate", model="varied", prompt=PROMPTS[0], sampling=sampling, stream=False)
    busy = occupy(server, "busy-s")
    server.send(id="s2", type="generate", model="varied", prompt=PROMPTS[1], sampling={**sampling, "seed": 8})
    server.send(id="s3", type="generate", model="varied", prompt=PROMPTS[0], sampling=sampling, stream=False)
    got = server.gather([busy, "s2", "s3"])
    again = got["s3"][0]
    assert again["token_ids"] == alone["token_ids"] and again["batch_size"] == 2
    different = server.call(id="s4", type="generate", model="varied", prompt=PROMPTS[0],
                            sampling={**sampling, "seed": 123456}, stream=False)
    assert different["token_ids"] != alone["token_ids"]  # the seed decides (varied answers differ by seed)


def test_cancel_stops_a_generation_between_tokens(server):
    rid = server.send(id="long", type="generate", model="tiny", prompt=PROMPTS[0],
                      sampling={"max_tokens": 5000, "temperature": 1.0, "seed": 1})
    first = server.next_reply()
    assert first["id"] == "long" and first["type"] == "token"
    ack = server.call(id="c1", type="cancel", target=rid)
    final, _ = server.until_final(rid)
    assert ack == {"id": "c1", "type": "ok", "found": True}
    assert final["type"] == "generated" and final["finish_reason"] == "cancelled"
    assert final["completion_tokens"] < 5000
    assert server.call(id="c2", type="cancel", target="long")["found"] is False  # finished: nothing to cancel


def test_bad_input_is_answered_and_the_process_lives_on(server):
    server.write(os.urandom(3000).replace(b"\n", b"") + b"\x00\xff\xfe\n")
    junk = server.next_reply()
    assert junk["type"] == "error" and junk["id"] is None and "not UTF-8" in junk["message"]
    server.write(b"{not json\n")
    assert "invalid JSON" in server.next_reply()["message"]
    server.write(b"[1, 2]\n")
    assert "JSON object" in server.next_reply()["message"]
    assert "unknown request type 'explode'" in server.call(id="e1", type="explode")["message"]
    bad = server.call(id="e2", type="generate", model="tiny", prompt="x", sampling={"temperature": -1})
    assert bad["type"] == "error" and bad["id"] == "e2" and "$.sampling.temperature" in bad["message"]
    missing = server.call(id="e3", type="generate", model="nope", prompt="x")
    assert "no model named 'nope'" in missing["message"] and "tiny" in missing["message"]
    both = server.call(id="e4", type="generate", model="tiny", prompt="x", messages=[{"role": "user", "content": "x"}])
    assert "either prompt or messages" in both["message"]
    gone = server.call(id="e5", type="load", model="x", checkpoint="/no/such/checkpoint")
    assert gone["type"] == "error" and "/no/such/checkpoint: no such checkpoint" in gone["message"]
    ok = server.call(id="e6", type="generate", model="tiny", messages=[{"role": "user", "content": "Hi"}],
                     sampling={"max_tokens": 3})
    assert ok["type"] == "generated"


def test_a_10_mb_prompt_is_refused_with_its_size_and_the_model_limit(server):
    prompt = "apples and pens " * (10 * 1024 * 1024 // 16)
    reply = server.call(id="huge", type="generate", model="tiny", prompt=prompt)
    assert reply["type"] == "error" and "the model reads at most" in reply["message"]
    assert f"{len(prompt)} characters" in reply["message"]
    assert server.call(id="after-huge", type="generate", model="tiny", prompt="Hi",
                       sampling={"max_tokens": 2})["type"] == "generated"


def test_a_lora_adapter_answers_as_peft_does_and_not_as_its_base(server, varied_model, tmp_path):
    from peft import LoraConfig, PeftModel, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(1)
    base = AutoModelForCausalLM.from_pretrained(varied_model)
    adapter = get_peft_model(base, LoraConfig(r=4, lora_alpha=16, target_modules="all-linear", init_lora_weights=False))
    adapter.save_pretrained(tmp_path / "adapter")
    loaded = server.call(id="load-adapter", type="load", model="adapter", checkpoint=str(tmp_path / "adapter"))
    assert loaded.get("kind") == "lora" and loaded["base"] == str(varied_model), loaded
    got = server.call(id="adapter-g", type="generate", model="adapter", prompt=PROMPTS[0], sampling={"max_tokens": 10})
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(varied_model), str(tmp_path / "adapter"))
    ids = server.call(id="base-g", type="generate", model="varied", prompt=PROMPTS[0], sampling={"max_tokens": 10})
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(varied_model)
    prompt_ids = torch.tensor([tok(PROMPTS[0], add_special_tokens=False)["input_ids"]])
    want = model.eval().generate(input_ids=prompt_ids, attention_mask=torch.ones_like(prompt_ids), max_new_tokens=10,
                                 do_sample=False, pad_token_id=tok.pad_token_id)[0, prompt_ids.size(1):].tolist()
    assert got["token_ids"] == want[: len(got["token_ids"])] and got["token_ids"]
    assert got["token_ids"] != ids["token_ids"]  # the adapter changes the answer: it is really applied
    server.call(id="unload-adapter", type="unload", model="adapter")


# ---- checkpoints of a real (LoRA) run ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def lora_run(tmp_path_factory):
    from rlstudio.config.run_config import load_config
    from rlstudio.training.loop import run

    tmp = tmp_path_factory.mktemp("lora")
    config_path = arithmetic_setup(tmp, training__max_steps=2, model__lora={"enabled": True, "r": 4, "lora_alpha": 8})
    config = json.loads(config_path.read_text())
    config["rewards"] += LEARNING_REWARD  # a dense reward: the adapter moves away from the base in two steps
    config_path.write_text(json.dumps(config))
    run_dir = tmp / "run"
    assert run(load_config(config_path), run_dir) == 0
    adapter = weights(run_dir / "checkpoints" / "step_2" / "model")
    assert any(v.abs().sum() > 0 for k, v in adapter.items() if "lora_B" in k)  # the adapter is not the base
    return run_dir


def test_lora_checkpoint_answers_as_peft_does_with_the_runs_reward_scores(server, lora_run):
    ckpt = lora_run / "checkpoints" / "step_2"
    loaded = server.call(id="load-lora", type="load", model="lora", checkpoint=str(ckpt), dtype="float32")
    from rlstudio.models.tiny import tiny_model_dir

    assert loaded["type"] == "loaded" and loaded["kind"] == "lora" and loaded["base"] == str(tiny_model_dir()), loaded
    config = json.loads((lora_run / "config.json").read_text())
    assert loaded["reward_functions"] == ["accuracy", "shows_work", "reward_len"]
    assert loaded["run_dir"] == str(lora_run)

    # a prompt picked from the run's dataset brings its columns: shows_work reads a, op and b
    row = json.loads(Path(config["data"]["datasets"][0]["path"]).read_text().splitlines()[0])
    columns = {k: v for k, v in row.items() if k not in ("prompt", "reference")}
    reply = server.call(id="lora-g", type="generate", model="lora", prompt=row["prompt"], sampling={"max_tokens": 8},
                        score=True, reference=row["reference"], columns=columns)
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from rlstudio.data.datasets import PromptRecord, render_prompt
    from rlstudio.models.tiny import tiny_model_dir

    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_model_dir()), str(ckpt / "model")).eval()
    tok = AutoTokenizer.from_pretrained(str(ckpt / "model"))
    text = render_prompt(PromptRecord(prompt=row["prompt"], reference=None), tok, config["data"])
    ids = torch.tensor([tok(text, add_special_tokens=False)["input_ids"]])
    want = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=8, do_sample=False,
                          pad_token_id=tok.pad_token_id)[0, ids.size(1):].tolist()
    assert reply["token_ids"] == [t for t in want if t != tok.eos_token_id][: len(reply["token_ids"])]
    assert reply["prompt_tokens"] == ids.size(1)
    assert "scores" in reply, reply
    assert set(reply["scores"]["per_function"]) == set(loaded["reward_functions"])
    assert reply["scores"]["correct"] in (True, False)

    a, op, b, ref = columns["a"], columns["op"], columns["b"], row["reference"]
    scored = server.call(id="lora-s", type="score", model="lora", prompt=row["prompt"], reference=ref, columns=columns,
                         completions=[f"<think>{a} {op} {b} = {ref}</think><answer>{ref}</answer>", "six"])
    right, wrong = scored["scores"]
    assert right["correct"] is True and wrong["correct"] is False and right["total"] > wrong["total"]


def test_final_folder_loads_with_the_run_config_beside_it(server, lora_run):
    loaded = server.call(id="load-final", type="load", model="final", checkpoint=str(lora_run / "final"))
    assert loaded["type"] == "loaded" and loaded["kind"] == "lora" and loaded["reward_functions"], loaded
    assert server.call(id="unload-final", type="unload", model="final") == {"id": "unload-final", "type": "unloaded",
                                                                             "model": "final"}
    assert "no model named 'final'" in server.call(id="g-final", type="generate", model="final", prompt="x")["message"]


def test_batch_over_the_runs_dataset_writes_jsonl_and_a_summary(server, lora_run):
    config = json.loads((lora_run / "config.json").read_text())
    data = config["data"]["datasets"][0]["path"]
    reply, progress = server.until_final(server.send(id="batch", type="batch", model="lora", prompts_file=data,
                                                     limit=5, batch_size=2, sampling={"max_tokens": 6}))
    assert reply["type"] == "batch_done", reply
    out = Path(reply["output"])
    assert out.parent == lora_run / "inference"
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 5 and [p["done"] for p in progress] == [2, 4, 5]
    summary = json.loads(Path(reply["summary_file"]).read_text())
    assert summary == reply["summary"] and summary["count"] == 5 and summary["with_reference"] == 5
    assert summary["mean_reward"] == pytest.approx(sum(r["reward"] for r in lines) / 5)
    assert summary["accuracy"] == sum(r["correct"] for r in lines) / 5
    assert all(r["reference"] is not None and set(r["rewards"]) == set(summary["per_function_mean"]) for r in lines)


def test_a_torn_checkpoint_is_named_not_loaded(server, lora_run, tmp_path):
    import shutil

    torn = tmp_path / "run" / "checkpoints" / "step_2"
    shutil.copytree(lora_run / "checkpoints" / "step_2", torn)
    weights = torn / "model" / "adapter_model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    reply = server.call(id="load-torn", type="load", model="torn", checkpoint=str(torn))
    assert reply["type"] == "error" and "damaged checkpoint" in reply["message"] and str(weights) in reply["message"]
    (torn / "trainer_state.json").unlink()
    reply = server.call(id="load-half", type="load", model="torn", checkpoint=str(torn))
    assert "incomplete checkpoint" in reply["message"]
    reply = server.call(id="load-run", type="load", model="torn", checkpoint=str(lora_run))
    assert "a run directory, not a checkpoint" in reply["message"] and "final" in reply["message"]


def test_prompts_of_the_runs_dataset_come_with_reference_and_columns(server, lora_run):
    server.call(id="load-p", type="load", model="final-p", checkpoint=str(lora_run / "final"))
    reply = server.call(id="prompts", type="prompts", model="final-p", limit=3)
    assert reply["type"] == "prompts" and len(reply["prompts"]) == 3, reply
    config = json.loads((lora_run / "config.json").read_text())
    first = json.loads(Path(config["data"]["datasets"][0]["path"]).read_text().splitlines()[0])
    got = reply["prompts"][0]
    assert got["prompt"] == first["prompt"] and got["reference"] == first["reference"]
    assert got["columns"]["a"] == first["a"] and got["source"].endswith(":1")
    missing = server.call(id="prompts-missing", type="prompts", path="/no/such.jsonl")
    assert missing["type"] == "error" and "/no/such.jsonl: file not found" in missing["message"]
