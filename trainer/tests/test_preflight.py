"""validate checks what train checks before loading a model, at the config's line and JSON path; train refuses with
the same words (exit 2, no traceback, nothing written); validate --json is what the editor's Problems show."""
import json
import time

import pytest

from helpers import REPO, cli, run_cli
from rlstudio.cli import main

GOOD_ROWS = '{"question": "1 + 1", "answer": "#### 2"}\n{"question": "2 + 2", "answer": "#### 4"}\n'


def _setup(tmp_path, **changes):
    (tmp_path / "d.jsonl").write_text(GOOD_ROWS)
    (tmp_path / "r.py").write_text("def ok(completions, **kw):\n    return [1.0] * len(completions)\n")
    cfg = {"model": {"name_or_path": "builtin:tiny"}, "data": {"datasets": [{"path": "d.jsonl"}]},
           "rewards": [{"function": "r.py:ok"}], "grpo": {"num_generations": 4},
           "training": {"per_device_train_batch_size": 8, "max_steps": 1}}
    for key, value in changes.items():
        node, parts = cfg, key.split("__")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    text = json.dumps(cfg, indent=2)
    path = tmp_path / "run.rlstudio.json"
    path.write_text(text)
    return path, text


def _report(path, capsys) -> dict:
    code = main(["validate", "--config", str(path), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert (code == 0) == report["valid"]
    return report


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_good_config_is_valid(tmp_path, capsys):
    path, _ = _setup(tmp_path)
    assert _report(path, capsys) == {"config": str(path), "valid": True, "problems": []}


_EVAL = {"eval__enabled": True, "eval__datasets": [{"path": "d.jsonl"}]}


def test_plateau_warmup_is_a_warning_and_a_plateau_with_eval_is_valid(tmp_path, capsys):
    path, text = _setup(tmp_path, training__lr_scheduler_type="reduce_lr_on_plateau", training__warmup_steps=3,
                        training__lr_scheduler_kwargs={"patience": 1, "factor": 0.5}, **_EVAL)
    report = _report(path, capsys)
    assert report["valid"], report
    (warning,) = report["problems"]
    assert warning["severity"] == "warning" and "has no warmup" in warning["message"]
    assert warning["line"] == _line(text, '"warmup_steps"')


@pytest.mark.parametrize("case", ["missing_dataset", "missing_reward_file", "missing_function", "reward_syntax",
                                  "missing_model", "model_not_a_model", "batch", "bad_record", "parquet_columns",
                                  "unknown_builtin", "generation_kwargs", "both_generation_sizes",
                                  "sync_ref_model_beta0", "plateau_without_eval", "plateau_without_metric",
                                  "plateau_mode_contradicts", "kwargs_of_another_schedule"])
def test_each_bad_input_is_named_at_its_place(tmp_path, capsys, case):
    changes, needle, expect = {
        "missing_dataset": ({"data__datasets": [{"path": "nope.jsonl"}]}, '"path"', "nope.jsonl: file not found"),
        "missing_reward_file": ({"rewards": [{"function": "gone.py:ok"}]}, '"function"', "gone.py: reward file not found"),
        "missing_function": ({"rewards": [{"function": "r.py:absent"}]}, '"function"', "no function 'absent'"),
        "reward_syntax": ({"rewards": [{"function": "bad.py:f"}]}, '"function"', "bad.py:2: SyntaxError"),
        "missing_model": ({"model__name_or_path": "./no-such-model"}, '"name_or_path"', "no-such-model: model folder not found"),
        "model_not_a_model": ({"model__name_or_path": "./empty"}, '"name_or_path"', "no config.json in this folder"),
        "batch": ({"training__per_device_train_batch_size": 6}, '"per_device_train_batch_size"',
                  "6 completions per generation is not a multiple of grpo.num_generations = 4"),
        "generation_kwargs": ({"sampling__generation_kwargs": {"num_beams": 4}}, '"num_beams"',
                              "sampling.generation_kwargs.num_beams is not accepted: beam search"),
        "both_generation_sizes": ({"grpo__steps_per_generation": 2, "grpo__generation_batch_size": 8},
                                  '"generation_batch_size"', "cannot both be set"),
        "sync_ref_model_beta0": ({"grpo__sync_ref_model": True}, '"sync_ref_model"', "sync_ref_model with beta 0"),
        "plateau_without_eval": ({"training__lr_scheduler_type": "reduce_lr_on_plateau"}, '"lr_scheduler_type"',
                                 "steps on evaluations, but eval is not enabled"),
        "plateau_without_metric": ({"training__lr_scheduler_type": "reduce_lr_on_plateau", **_EVAL,
                                    "eval__metric_for_best_model": ""}, '"metric_for_best_model"',
                                   "reduce_lr_on_plateau needs eval.metric_for_best_model"),
        "plateau_mode_contradicts": ({"training__lr_scheduler_type": "reduce_lr_on_plateau", **_EVAL,
                                      "training__lr_scheduler_kwargs": {"mode": "min"}}, '"mode"',
                                     "contradicts eval.greater_is_better true"),
        "kwargs_of_another_schedule": ({"training__lr_scheduler_kwargs": {"patience": 2}}, '"lr_scheduler_kwargs"',
                                       "lr_scheduler_type linear takes none"),
        "bad_record": ({"data__datasets": [{"path": "bad.jsonl"}]}, '"path"', "bad.jsonl:2: "),
        "parquet_columns": ({"data__datasets": [{"path": "d.parquet", "fields": {"prompt": "text"}}]}, '"path"',
                            "no column 'text' (fields.prompt)"),
        "unknown_builtin": ({"rewards": [{"function": "builtin:nope"}]}, '"function"', "unknown built-in 'builtin:nope'"),
    }[case]
    (tmp_path / "bad.py").write_text("def f(completions, **kw):\n    return [1.0 for c in completions\n")
    (tmp_path / "bad.jsonl").write_text('{"question": "1 + 1", "answer": "#### 2"}\n{"no_prompt_here": 1}\n')
    (tmp_path / "empty").mkdir()
    if case == "parquet_columns":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({"question": ["1 + 1"], "answer": ["2"]}), tmp_path / "d.parquet")
    path, text = _setup(tmp_path, **changes)
    report = _report(path, capsys)
    errors = [p for p in report["problems"] if p["severity"] == "error"]
    assert len(errors) == 1, report
    assert expect in errors[0]["message"], errors[0]
    assert errors[0]["line"] == _line(text, needle) and errors[0]["source"] == "check"

    # train refuses with the same words, before it writes anything, and shows no traceback of RL Studio's
    run_dir = tmp_path / "run"
    code, out = run_cli("train", "--config", str(path), "--run-dir", str(run_dir))
    assert code == 2, out
    assert expect in out and "Traceback" not in out, out
    assert not run_dir.exists()


def test_schema_and_syntax_problems_are_marked_as_such(tmp_path, capsys):
    path, _ = _setup(tmp_path, grpo__beta=-1)
    (problem,) = _report(path, capsys)["problems"]
    assert problem["source"] == "schema" and problem["jsonPath"] == "$.grpo.beta" and problem["path"] == ["grpo", "beta"]
    path.write_text('{\n  "model": {,\n}')
    (problem,) = _report(path, capsys)["problems"]
    assert problem["source"] == "json" and problem["line"] == 2


def test_a_hub_id_that_is_not_cached_is_a_warning_in_validate_and_a_quick_clear_error_in_train(tmp_path, capsys):
    path, _ = _setup(tmp_path, model__name_or_path="some-org/some-model")
    (problem,) = _report(path, capsys)["problems"]
    assert problem["severity"] == "warning" and "not in the Hugging Face cache" in problem["message"]
    # an unreachable hub (a closed local port): train fails in seconds and says why, not "Repo id must be ..."
    env = {"HF_ENDPOINT": "http://127.0.0.1:9", "HF_HUB_ETAG_TIMEOUT": "5", "HF_HOME": str(tmp_path / "hf")}
    t0 = time.time()
    p = cli("train", "--config", str(path), "--run-dir", str(tmp_path / "run"), env=env)
    out, _ = p.communicate(timeout=120)
    assert p.returncode == 2, out
    assert "some-org/some-model" in out and "the hub could not provide it" in out and "Traceback" not in out, out
    assert time.time() - t0 < 30
    assert not (tmp_path / "run").exists()


def test_validate_json_output_follows_its_schema(tmp_path, capsys):
    from jsonschema import Draft7Validator

    schema = json.loads((REPO / "schemas" / "validation-report.schema.json").read_text())
    path, _ = _setup(tmp_path, rewards=[{"function": "r.py:absent"}], model__name_or_path="org/m")
    report = _report(path, capsys)
    assert len(report["problems"]) == 2
    assert not list(Draft7Validator(schema).iter_errors(report))


def test_validate_does_not_import_torch(tmp_path):
    """The editor runs validate on every save: it must answer in well under a second, so torch stays out of it."""
    import subprocess
    import sys

    path, _ = _setup(tmp_path)
    code = ("import sys; from rlstudio.cli import main; rc = main(['validate', '--config', sys.argv[1], '--json']); "
            "heavy = sorted(m for m in ('torch', 'transformers', 'peft') if m in sys.modules); "
            "print(rc, heavy, file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60)
    assert out.stderr.strip().splitlines()[-1] == "0 []", out.stderr
