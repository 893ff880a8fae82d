"""`rewards test`: cases, dataset rows and recorded run samples scored through training's loader and scoring code;
every way a reward file can be broken comes back as a located message, never as a crash."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rlstudio.rewards.testing import run_reward_test
from rlstudio.rewards.guard import OUTPUT_LIMIT

REWARDS = '''
import json


def has_42(completions, **kwargs):
    return [1.0 if "42" in c else 0.0 for c in completions]


def explodes_on_boom(completions, **kwargs):
    out = []
    for c in completions:
        if "boom" in c:
            raise ValueError("boom in the completion")
        out.append(0.5)
    return out


def one_value(completions, **kwargs):
    return [1.0]


def spins(completions, **kwargs):
    while True:
        pass


def chatty(completions, **kwargs):
    for _ in range(50_000):
        print("x" * 100)
    return [None for _ in completions]


def exits(completions, **kwargs):
    raise SystemExit(3)


def by_length(completions, **kwargs):
    return [float(len(c)) for c in completions]


def parses_json(completions, **kwargs):
    return [float(json.loads(c)["score"]) for c in completions]


def matches_reference(completions, reference, **kwargs):
    return [1.0 if c.strip() == str(r) else 0.0 for c, r in zip(completions, reference)]
'''


@pytest.fixture
def reward_dir(tmp_path):
    (tmp_path / "rw.py").write_text(REWARDS)
    return tmp_path


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), start=1) if text in line)


def score(reward_dir, functions, **request):
    return run_reward_test({"rewards": [{"function": f"rw.py:{f}"} for f in functions],
                            "base_dir": str(reward_dir), "timeout_s": 1, **request})


def test_cases_are_scored_and_checked_against_expectations(reward_dir):
    r = score(reward_dir, ["has_42"], cases=[
        {"name": "right", "completion": "it is 42", "expected": 1},
        {"name": "wrong", "completion": "it is 41", "expected": 1},
        {"name": "range", "completion": "nope", "expected": {"min": -0.5, "max": 0.5}},
    ])
    assert "error" not in r
    assert [s["results"]["has_42"]["score"] for s in r["samples"]] == [1.0, 0.0, 0.0]
    checks = [s["check"] for s in r["samples"]]
    assert [c["passed"] for c in checks] == [True, False, True]
    assert checks[1]["message"] == "has_42: expected 1, got 0"
    summary = r["functions"][0]["summary"]
    assert summary["mean"] == pytest.approx(1 / 3) and summary["min"] == 0.0 and summary["max"] == 1.0
    assert summary["share_zero"] == pytest.approx(2 / 3) and summary["share_none"] == 0.0


def test_a_raising_sample_is_located_at_the_users_line_and_the_others_keep_their_scores(reward_dir):
    r = score(reward_dir, ["explodes_on_boom"], cases=[{"completion": "fine"}, {"completion": "boom"}])
    ok, bad = (s["results"]["explodes_on_boom"] for s in r["samples"])
    assert ok == {"score": 0.5, "duration_ms": ok["duration_ms"]}
    assert bad["score"] is None
    assert bad["error"]["file"] == str(reward_dir / "rw.py")
    assert bad["error"]["line"] == line_of(reward_dir / "rw.py", 'raise ValueError("boom')
    assert "ValueError: boom in the completion" in bad["error"]["traceback"]
    assert r["functions"][0]["summary"]["share_error"] == 0.5


def test_an_error_inside_a_library_points_at_the_users_calling_line(reward_dir):
    r = score(reward_dir, ["parses_json"], cases=[{"completion": "not json"}])
    err = r["samples"][0]["results"]["parses_json"]["error"]
    assert (err["file"], err["line"]) == (str(reward_dir / "rw.py"), line_of(reward_dir / "rw.py", "json.loads(c)"))
    assert "json" in err["traceback"] and "JSONDecodeError" in err["message"]


def test_a_wrong_number_of_results_is_reported_for_the_function(reward_dir):
    r = score(reward_dir, ["one_value"], cases=[{"completion": "a"}, {"completion": "b"}])
    err = r["functions"][0]["error"]
    assert "returned 1 values for 2 completions" in err["message"]
    assert err["line"] == line_of(reward_dir / "rw.py", "def one_value")
    assert all(s["results"]["one_value"]["error"] == err for s in r["samples"])


def test_a_hanging_function_is_stopped_at_the_timeout(reward_dir):
    r = score(reward_dir, ["spins", "has_42"], cases=[{"completion": "42"}])
    err = r["functions"][0]["error"]
    assert "did not return within 1 s" in err["message"]
    assert err["line"] == line_of(reward_dir / "rw.py", "while True")
    assert r["samples"][0]["results"]["has_42"]["score"] == 1.0  # the next function still runs


def test_megabytes_of_prints_are_captured_and_truncated(reward_dir, capfd):
    r = score(reward_dir, ["chatty"], cases=[{"completion": "a"}])
    output = r["functions"][0]["output"]
    assert len(output) < OUTPUT_LIMIT + 200 and "truncated" in output
    assert r["samples"][0]["results"]["chatty"] == {"score": None, "duration_ms": pytest.approx(
        r["samples"][0]["results"]["chatty"]["duration_ms"])}
    assert "xxxx" not in capfd.readouterr().out


def test_system_exit_in_user_code_is_an_error_not_an_exit(reward_dir):
    r = score(reward_dir, ["exits"], cases=[{"completion": "a"}])
    assert "SystemExit" in r["functions"][0]["error"]["message"]


def test_length_correlation_flags_a_length_hacked_reward(reward_dir):
    cases = [{"completion": "x" * n} for n in (1, 5, 9, 20)]
    r = score(reward_dir, ["by_length", "has_42"], cases=cases)
    assert r["functions"][0]["summary"]["length_correlation"] == pytest.approx(1.0)
    assert r["functions"][1]["summary"]["length_correlation"] is None  # all zero: no variance
    assert r["length_unit"] == "characters"
    two = score(reward_dir, ["by_length"], cases=cases[:2])
    assert two["functions"][0]["summary"]["length_correlation"] is None  # two points always line up


def test_syntax_error_in_the_reward_file_names_file_and_line(tmp_path):
    (tmp_path / "bad.py").write_text("def f(completions, **kw):\n    return [1.0 for c in completions\n")
    r = run_reward_test({"rewards": [{"function": "bad.py:f"}], "base_dir": str(tmp_path),
                         "cases": [{"completion": "a"}]})
    assert r["error"]["file"] == str(tmp_path / "bad.py") and r["error"]["line"] in (2, 3)
    assert "SyntaxError" in r["error"]["message"]


def test_missing_function_lists_what_the_file_defines(reward_dir):
    r = score(reward_dir, ["nope"], cases=[{"completion": "a"}])
    assert "no function 'nope'" in r["error"]["message"] and "has_42" in r["error"]["message"]
    assert r["error"]["file"] == str((reward_dir / "rw.py").resolve())


def test_a_malformed_cases_line_is_named_by_file_and_line(reward_dir):
    cases = reward_dir / "rw.py.cases.jsonl"
    cases.write_text('{"completion": "42", "expected": 1}\n\n{"completion": "4\n')
    r = score(reward_dir, ["has_42"], cases_file=str(cases))
    assert r["error"]["message"].startswith(f"{cases}:3: invalid JSON")


def test_cases_file_names_cases_by_line_and_keeps_their_names(reward_dir):
    cases = reward_dir / "rw.py.cases.jsonl"
    cases.write_text('{"name": "has it", "completion": "42", "expected": 1}\n// a comment\n'
                     '{"completion": "no", "expected": null, "function": "has_42"}\n')
    r = score(reward_dir, ["has_42"], cases_file="rw.py.cases.jsonl")
    assert [s["name"] for s in r["samples"]] == ["has it", "line 3"]
    assert [s["source"] for s in r["samples"]] == [f"{cases}:1", f"{cases}:3"]
    assert [s["check"]["passed"] for s in r["samples"]] == [True, False]
    assert r["samples"][1]["check"]["message"] == "has_42: expected None, got 0.0"


def test_a_request_that_breaks_the_schema_names_the_json_path(reward_dir):
    r = score(reward_dir, ["has_42"], cases=[{"completion": 3}])
    assert "$.cases[0].completion" in r["error"]["message"]


def test_dataset_rows_get_their_columns_like_in_training(tmp_path):
    from rlstudio.demo.commands import write_demo_data

    paths = write_demo_data("arithmetic", tmp_path)
    rows = [json.loads(line) for line in (tmp_path / "arithmetic_train.jsonl").read_text().splitlines()[:3]]
    answers = [f"<think>{r['a']} {r['op']} {r['b']}</think>" for r in rows]
    r = run_reward_test({"config": str(paths["config"]), "only": ["shows_work"],
                         "dataset": {"limit": 3, "completions": answers[:2] + ["<think>0 + 0</think>"]}})
    assert "error" not in r, r.get("error")
    assert [s["results"]["shows_work"]["score"] for s in r["samples"]] == [1.0, 1.0, 0.0]
    assert r["samples"][0]["source"].endswith("arithmetic_train.jsonl:1")


def write_run(run_dir: Path, dataset: Path, completions: list[tuple[int, str, float]]):
    run_dir.mkdir()
    lines = [{"type": "run_started", "time": 0, "run_id": "r", "algorithm": "grpo", "max_steps": 5, "config": {}}]
    for step, text, recorded in completions:
        lines.append({"type": "samples", "time": 1, "step": step, "samples": [
            {"group": 0, "index": 0, "prompt": "rendered", "completion": text, "source": f"{dataset}:1",
             "rewards": {"matches_reference": recorded}, "reward": recorded, "advantage": 0.0,
             "length": 2, "truncated": False, "completion_ids": [5, 6]}]})
    (run_dir / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in lines))


def test_recorded_run_samples_are_rescored_beside_the_recorded_score(reward_dir):
    dataset = reward_dir / "data.jsonl"
    dataset.write_text(json.dumps({"prompt": "what is 6*7?", "reference": "42"}) + "\n")
    config = reward_dir / "c.rlstudio.json"
    config.write_text(json.dumps({"model": {"name_or_path": "builtin:tiny"}, "data": {"datasets": [{"path": "data.jsonl"}]},
                                  "rewards": [{"function": "rw.py:matches_reference"}]}))
    write_run(reward_dir / "run", dataset, [(1, "42", 0.0), (2, "41", 0.0), (3, " 42 ", 0.0)])
    r = run_reward_test({"config": str(config), "run": {"run_dir": str(reward_dir / "run"), "from_step": 2}})
    assert "error" not in r, r.get("error")
    assert [s["step"] for s in r["samples"]] == [3, 2]  # newest first, step 1 outside the range
    assert [(s["results"]["matches_reference"]["recorded"], s["results"]["matches_reference"]["score"])
            for s in r["samples"]] == [(0.0, 1.0), (0.0, 0.0)]
    assert r["length_unit"] == "tokens"


def test_cli_reads_a_request_and_prints_the_response(reward_dir):
    request = {"rewards": [{"function": "rw.py:has_42"}], "base_dir": str(reward_dir), "cases": [{"completion": "42"}]}
    p = subprocess.run([sys.executable, "-m", "rlstudio", "rewards", "test"], input=json.dumps(request),
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["samples"][0]["results"]["has_42"]["score"] == 1.0
    bad = subprocess.run([sys.executable, "-m", "rlstudio", "rewards", "test"], input="{", capture_output=True,
                         text=True, timeout=120)
    assert bad.returncode == 2 and "<stdin>:1:2: invalid JSON" in bad.stderr


def test_rescoring_a_real_run_with_unchanged_rewards_reproduces_the_recorded_scores(tmp_path):
    from helpers import arithmetic_setup, run_cli

    config = arithmetic_setup(tmp_path, training__max_steps=2)
    run_dir = tmp_path / "run"
    rc, out = run_cli("train", "--config", str(config), "--run-dir", str(run_dir))
    assert rc == 0, out
    r = run_reward_test({"config": str(config), "run": {"run_dir": str(run_dir)}})
    assert "error" not in r, r.get("error")
    assert r["samples"] and {s["step"] for s in r["samples"]} <= {1, 2}
    for s in r["samples"]:
        for name, result in s["results"].items():
            assert result["score"] == pytest.approx(result["recorded"]), (name, s["name"])
        assert s["total"] == pytest.approx(s["recorded_total"])


def test_the_demo_reward_cases_pass_against_the_demo_reward(tmp_path):
    from rlstudio.demo.commands import write_demo_data

    paths = write_demo_data("arithmetic", tmp_path)
    r = run_reward_test({"config": str(paths["config"]), "only": ["shows_work"],
                         "cases_file": str(paths["reward_cases"])})
    assert "error" not in r, r.get("error")
    assert [s["check"]["passed"] for s in r["samples"]] == [True, True, True]
