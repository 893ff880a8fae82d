"""Whole runs of the trainer on the tiny model: failures end the run as failed with the error, LoRA trains an
adapter that plain peft and `infer` load, checkpoints load with plain transformers."""
import json

from helpers import arithmetic_setup, events, run_cli
from rlstudio.config.run_config import load_config
from rlstudio.training.loop import run

BAD_REWARD = '''
def explodes(prompts, completions, **kwargs):
    raise ZeroDivisionError("bad reward code")
'''


def test_reward_error_fails_the_run_with_the_traceback(tmp_path):
    config_path = arithmetic_setup(tmp_path)
    (config_path.parent / "bad.py").write_text(BAD_REWARD)
    cfg = json.loads(config_path.read_text())
    cfg["rewards"] = [{"function": "bad.py:explodes"}]
    config_path.write_text(json.dumps(cfg))
    run_dir = tmp_path / "run"
    assert run(load_config(config_path), run_dir) == 1
    finished = [e for e in events(run_dir) if e["type"] == "run_finished"]
    assert len(finished) == 1 and finished[0]["status"] == "failed" and finished[0]["reason"] == "error"
    assert "explodes" in finished[0]["error"]["message"] and "ZeroDivisionError" in finished[0]["error"]["traceback"]
    assert "bad reward code" in (run_dir / "trainer.log").read_text()


HUGE_REWARD = '''
def huge(prompts, completions, **kwargs):
    return [1e30 if i % 2 else -1e30 for i in range(len(completions))]
'''


def test_nonfinite_gradients_skip_steps_then_fail_the_run(tmp_path):
    # finite rewards of +-1e30 without scaling give gradients whose norm overflows float32 to inf
    config_path = arithmetic_setup(tmp_path, training__max_steps=5, training__max_consecutive_nonfinite_steps=2,
                                   grpo__scale_rewards="none")
    (config_path.parent / "huge.py").write_text(HUGE_REWARD)
    cfg = json.loads(config_path.read_text())
    cfg["rewards"] = [{"function": "huge.py:huge"}]
    config_path.write_text(json.dumps(cfg))
    run_dir = tmp_path / "run"
    assert run(load_config(config_path), run_dir) == 1
    evts = events(run_dir)
    alerts = [e for e in evts if e["type"] == "alert" and e["code"] == "nonfinite_step"]
    assert [a["step"] for a in alerts] == [1, 2]
    finished = evts[-1]
    assert finished["type"] == "run_finished" and finished["status"] == "failed" and finished["step"] == 2
    assert "2 consecutive steps with non-finite" in finished["error"]["message"]


def test_lora_run_saves_an_adapter_that_peft_and_infer_load(tmp_path):
    config_path = arithmetic_setup(tmp_path, training__max_steps=2, grpo__beta=0.04,
                                   model__lora={"enabled": True, "r": 4, "lora_alpha": 8},
                                   model__gradient_checkpointing=True)
    run_dir = tmp_path / "run"
    assert run(load_config(config_path), run_dir) == 0
    ckpt = run_dir / "checkpoints" / "step_2"
    assert (ckpt / "model" / "adapter_model.safetensors").is_file()
    assert not (ckpt / "model" / "model.safetensors").exists()
    started = next(e for e in events(run_dir) if e["type"] == "run_started")
    assert started["trainable_parameters"] < started["num_parameters"] / 5
    metrics = [e["metrics"] for e in events(run_dir) if e["type"] == "metrics"]
    assert all("kl" in m for m in metrics)  # reference = base with the adapter disabled

    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    from rlstudio.models.tiny import tiny_model_dir

    PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_model_dir()), str(ckpt / "model"))
    code, out = run_cli("infer", "--checkpoint", str(ckpt), "--prompt", "Ann has 2 pens and gets 1 more . How many pens does Ann have now ?", "--json")
    assert code == 0, out
    assert json.loads(out.strip().splitlines()[-1])["prompt"].startswith("Ann has 2 pens")


def test_full_checkpoint_loads_with_plain_transformers(tmp_path):
    config_path = arithmetic_setup(tmp_path, training__max_steps=2)
    run_dir = tmp_path / "run"
    assert run(load_config(config_path), run_dir) == 0
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = run_dir / "checkpoints" / "step_2" / "model"
    model = AutoModelForCausalLM.from_pretrained(folder)
    tok = AutoTokenizer.from_pretrained(folder)
    assert model.config.vocab_size == len(tok)
    assert json.loads((run_dir / "config.json").read_text())["training"]["max_steps"] == 2


def test_samples_are_logged_on_the_requested_steps_and_the_last_one(tmp_path):
    # num_iterations 2 trains each generated batch on two steps (generation on steps 1, 3, 5): the requested even
    # steps and the last one must still get the completions they trained on (they used to get none).
    config_path = arithmetic_setup(tmp_path, grpo__num_iterations=2, logging__completions_steps=2,
                                   training__max_steps=5, checkpointing__save_steps=100)
    run_dir = tmp_path / "run"
    assert run(load_config(config_path), run_dir) == 0
    logged = [e for e in events(run_dir) if e["type"] == "samples"]
    assert [e["step"] for e in logged] == [2, 4, 5]
    assert all(e["samples"] and all(s["completion"] is not None for s in e["samples"]) for e in logged)
    # the step-time split: a step that builds its batch times generation, rewards and the reference pass; a step
    # that reuses it only trains; the old log-probs never need a pass of their own
    steps = {e["step"]: e["metrics"] for e in events(run_dir) if e["type"] == "metrics" and e.get("phase", "rl") == "rl"}
    for step, m in steps.items():
        built = step in (1, 3, 5)
        assert (m["timing/generation"] > 0) == built and (m["timing/rewards"] > 0) == built, (step, m)
        assert (m["timing/reference"] > 0) == built and m["timing/old_logps"] < 0.01 and m["timing/train"] > 0, (step, m)
        assert sum(m[f"timing/{p}"] for p in ("generation", "rewards", "old_logps", "reference", "train")) <= m["step_time"]
        assert ("tokens_per_second" in m) == built and "mfu" not in m  # no known peak on a CPU
        # the generation's metrics once, on the step that generated (TRL's GRPO); the update's on every step
        assert all((k in m) == built for k in ("reward", "reward_std", "frac_reward_zero_std", "completions/mean_length"))
        assert all(k in m for k in ("loss", "grad_norm", "entropy", "learning_rate", "num_tokens"))
    preflight = [e for e in events(run_dir) if e["type"] == "alert" and e["code"] == "memory_preflight"]
    assert len(preflight) == 1 and preflight[0]["step"] == 0 and "peak" in preflight[0]["message"], preflight
