"""Reward models (rlstudio.reward_model): TRL 1.16 RewardTrainer's own compute_loss and collator on the same batch,
preference-pair loading with located errors, and `reward-model train` end to end on the demo's preference pairs:
its run directory, its events (schema-valid), held-out accuracy that rises, and a saved folder that scores alike."""
from __future__ import annotations

import json
from collections import defaultdict
from types import SimpleNamespace

import pytest
import torch

from helpers import REPO
from rlstudio.models.tiny import tiny_model_dir
from rlstudio.reward_model.pairs import load_pairs, sequence_ids, tokenise_pairs
from rlstudio.reward_model.trainer import bradley_terry_loss, collate, pair_metrics, pair_rewards


def _trl_reward_trainer(model, center):
    """TRL's RewardTrainer without its __init__: its real compute_loss runs with a one-process accelerator."""
    from trl import RewardTrainer

    from trl_harness import _Accelerator

    class Acc(_Accelerator):
        def gather_for_metrics(self, x):
            return x

    trainer = RewardTrainer.__new__(RewardTrainer)
    trainer.model = model
    trainer.args = SimpleNamespace(center_rewards_coefficient=center)
    trainer.accelerator = Acc()
    trainer._metrics = {"train": defaultdict(list), "eval": defaultdict(list)}
    trainer._total_train_tokens, trainer._tp_size = 0, 1
    return trainer


@pytest.mark.parametrize("center,with_margin", [(None, False), (0.01, True)])
def test_loss_and_metrics_match_trl_reward_trainer(tmp_path, center, with_margin):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from trl.trainer.reward_trainer import DataCollatorForPreference

    tok = AutoTokenizer.from_pretrained(tiny_model_dir())
    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_pretrained(tiny_model_dir(), num_labels=1)
    model.config.pad_token_id = tok.pad_token_id
    with torch.no_grad():
        model.score.weight.normal_(0, 0.5)  # rewards that differ between rows, so accuracy and margin mean something
    rows = [{"prompt": "Ann has 3 apples and finds 4 more .", "chosen": " <answer> 7 </answer>",
             "rejected": " <answer> 8 </answer>", "margin": 0.5},
            {"prompt": "Ben has 2 pens and loses 1 .", "chosen": " <answer> 1 </answer>", "rejected": " 1",
             "margin": 1.0},
            {"prompt": "Cara has 4 cards .", "chosen": " <think> 4 </think> <answer> 4 </answer>",
             "rejected": " <answer> 9 </answer> and more words", "margin": 0.0}]
    if not with_margin:
        rows = [{k: v for k, v in r.items() if k != "margin"} for r in rows]
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    pairs, dropped = tokenise_pairs(tok, load_pairs(path), max_length=None)
    assert dropped == 0 and pairs[0].chosen_ids[-1] == tok.eos_token_id  # TRL appends EOS to text completions

    ours = collate(pairs, tok.pad_token_id, "cpu")
    theirs = DataCollatorForPreference(pad_token_id=tok.pad_token_id)(
        [{"chosen_ids": p.chosen_ids, "rejected_ids": p.rejected_ids, **({"margin": p.margin} if with_margin else {})}
         for p in pairs])
    assert torch.equal(ours.input_ids, theirs["input_ids"])
    assert torch.equal(ours.attention_mask, theirs["attention_mask"])

    model.train()
    trainer = _trl_reward_trainer(model, center)
    trl_loss = trainer.compute_loss(model, dict(theirs))
    chosen, rejected = pair_rewards(model, ours)
    loss = bradley_terry_loss(chosen, rejected, ours.margin, center)
    assert torch.allclose(loss, trl_loss, atol=1e-6), (loss, trl_loss)
    metrics = pair_metrics(chosen, rejected)
    for name in ("min_reward", "mean_reward", "max_reward", "accuracy", "margin"):
        assert metrics[name] == pytest.approx(trainer._metrics["train"][name][0], abs=1e-6), name
    assert 0 < metrics["accuracy"] < 1


def test_pair_files_name_the_row_that_is_wrong(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"prompt": "p", "chosen": "a", "rejected": "b"}) + "\n"
                   + json.dumps({"prompt": "p", "chosen": "a"}) + "\n")
    with pytest.raises(ValueError, match=r"bad.jsonl:2: missing rejected"):
        load_pairs(bad)
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(json.dumps({"prompt": "p", "chosen": [{"role": "assistant", "content": "a"}], "rejected": "b"}) + "\n")
    with pytest.raises(ValueError, match=r"mixed.jsonl:1: prompt, chosen and rejected must all be text or all chat"):
        load_pairs(mixed)
    chat = tmp_path / "chat.jsonl"
    chat.write_text(json.dumps({"chosen": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
                                "rejected": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "b"}]}) + "\n")
    from transformers import AutoTokenizer

    with pytest.raises(ValueError, match=r"chat.jsonl:1: chat-format preference pairs need a tokenizer with a chat template"):
        tokenise_pairs(AutoTokenizer.from_pretrained(tiny_model_dir()), load_pairs(chat), None)


def test_config_errors_are_located(tmp_path):
    from rlstudio.config.run_config import ConfigError
    from rlstudio.reward_model.config import load_reward_model_config

    cfg = tmp_path / "x.reward-model.json"
    cfg.write_text('{\n  "model": {"name_or_path": "builtin:tiny"},\n  "data": {"train_file": "p.jsonl"},\n'
                   '  "training": {\n    "center_rewards_coefficient": -1\n  }\n}\n')
    with pytest.raises(ConfigError) as e:
        load_reward_model_config(cfg)
    assert "x.reward-model.json:5: $.training.center_rewards_coefficient: -1 is less than the minimum of 0" in str(e.value)


def test_reward_model_train_command_learns_the_demo_pairs(tmp_path):
    from jsonschema import Draft7Validator

    from rlstudio.cli import main
    from rlstudio.demo.preference_pairs import write_preference_pairs
    from rlstudio.reward_model.scorer import RewardModelFunction

    # without the miscopied-problem pairs (the hardest kind, which needs thousands of pairs): learning shows in seconds
    paths = write_preference_pairs(tmp_path / "data", n_train=320, n_heldout=64, miscopied=0.0)
    cfg = json.loads(paths["config"].read_text())
    cfg["training"].update(max_steps=90, per_device_train_batch_size=16, eval_steps=30, logging_steps=5,
                           learning_rate=2e-3)
    paths["config"].write_text(json.dumps(cfg))
    run_dir = tmp_path / "run"
    assert main(["reward-model", "train", "--config", str(paths["config"]), "--run-dir", str(run_dir)]) == 0

    events = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
    validator = Draft7Validator(json.loads((REPO / "schemas" / "trainer-event.schema.json").read_text()))
    for e in events:
        errors = list(validator.iter_errors(e))
        assert not errors, (e["type"], errors[0].message)
    assert events[0]["type"] == "run_started" and events[0]["algorithm"] == "reward_model"
    assert events[-1]["type"] == "run_finished" and events[-1]["status"] == "completed"
    accuracy = [e["metrics"]["eval_accuracy"] for e in events if e["type"] == "eval"]
    print("held-out accuracy", accuracy)
    assert len(accuracy) == 3 and accuracy[-1] >= 0.75 and accuracy[-1] >= accuracy[0] + 0.15, accuracy  # 0.5: a coin
    assert {"loss", "accuracy", "margin", "mean_reward"} <= set(next(e for e in events if e["type"] == "metrics")["metrics"])
    assert json.loads((run_dir / "config.json").read_text())["training"]["max_steps"] == 90

    # the saved folder is a plain sequence-classification model, and scoring it as a reward function gives what the
    # trainer measured: the chosen completion above the rejected one as often as the held-out accuracy says
    score = RewardModelFunction(run_dir / "model")
    rows = [json.loads(line) for line in paths["heldout"].read_text().splitlines()]
    chosen = score([r["prompt"] for r in rows], [r["chosen"] for r in rows])
    rejected = score([r["prompt"] for r in rows], [r["rejected"] for r in rows])
    agree = sum(c > r for c, r in zip(chosen, rejected)) / len(rows)
    assert agree == pytest.approx(accuracy[-1], abs=1e-9)
    assert sequence_ids(score.tokenizer, rows[0]["prompt"], rows[0]["chosen"])[-1] == score.tokenizer.eos_token_id
