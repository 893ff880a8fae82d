"""The editor's "New Reward Function" templates: every template's cases file passes against its reward file, through
the same `rewards test` code the editor runs."""

from pathlib import Path

import pytest

from rlstudio.rewards.testing import run_reward_test

TEMPLATES = Path(__file__).resolve().parents[2] / "extension" / "media" / "reward-templates"


@pytest.mark.parametrize("reward_file", sorted(TEMPLATES.glob("*.py")), ids=lambda p: p.stem)
def test_template_cases_pass(reward_file, monkeypatch):
    monkeypatch.delenv("RLSTUDIO_JUDGE_URL", raising=False)
    r = run_reward_test({"rewards": [{"function": f"{reward_file.name}:{reward_file.stem}"}], "base_dir": str(TEMPLATES),
                         "cases_file": f"{reward_file.name}.cases.jsonl", "timeout_s": 30})
    assert "error" not in r, r.get("error")
    failed = [(s["name"], s["check"]["message"]) for s in r["samples"] if not s["check"]["passed"]]
    assert not failed
    assert len(r["samples"]) >= 1


def test_every_template_has_cases():
    assert sorted(p.name for p in TEMPLATES.glob("*.cases.jsonl")) == sorted(f"{p.name}.cases.jsonl" for p in TEMPLATES.glob("*.py"))
