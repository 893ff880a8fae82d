"""Config loading: located JSON and schema errors, defaults, path resolution, --set overrides."""
import json

import pytest

from rlstudio.config.run_config import ConfigError, load_config, value_lines
from rlstudio.cli import main


def write(tmp_path, text, name="run.rlstudio.json"):
    p = tmp_path / name
    p.write_text(text)
    return p


MINIMAL = {"model": {"name_or_path": "builtin:tiny"}, "data": {"datasets": [{"path": "d.jsonl"}]},
           "rewards": [{"function": "builtin:accuracy"}]}


def test_defaults_and_paths(tmp_path):
    cfg = load_config(write(tmp_path, json.dumps(MINIMAL)))
    assert cfg["grpo"]["num_generations"] == 8 and cfg["grpo"]["loss_type"] == "dapo"
    assert cfg["training"]["seed"] == 42 and cfg["model"]["lora"]["r"] == 16
    assert cfg["data"]["datasets"][0]["path"] == str((tmp_path / "d.jsonl").resolve())
    assert cfg["output_dir"] == str((tmp_path / "runs").resolve())
    assert cfg["model"]["name_or_path"] == "builtin:tiny"


def test_json_syntax_error_has_line_and_column(tmp_path):
    p = write(tmp_path, '{\n  "model": {\n    "name_or_path": "x",\n  }\n}')
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert str(e.value).startswith(f"{p}:4:3: invalid JSON")


def test_schema_error_located_by_line_and_path(tmp_path):
    cfg = dict(MINIMAL, grpo={"beta": -1})
    text = json.dumps(cfg, indent=2)
    p = write(tmp_path, text)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if '"beta"' in l)
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert f"{p}:{line}: $.grpo.beta: -1 is less than the minimum of 0" in str(e.value)


def test_unknown_key_and_missing_required(tmp_path):
    cfg = {"model": {"name_or_path": "builtin:tiny", "dtyp": "auto"}, "rewards": [{"function": "builtin:accuracy"}]}
    p = write(tmp_path, json.dumps(cfg, indent=2))
    with pytest.raises(ConfigError) as e:
        load_config(p)
    msg = str(e.value)
    assert "'data' is a required property" in msg
    assert "$.model: Additional properties are not allowed ('dtyp' was unexpected)" in msg
    assert f"{p}:4: $.model" in msg  # the line of the unknown key


@pytest.mark.parametrize("name,replacement", [("max_prompt_length", "data.max_prompt_length"),
                                               ("use_liger_loss", "use_liger_kernel"),
                                               ("wandb_log_unique_prompts", "log_unique_prompts"),
                                               ("temperature", "sampling.temperature"),
                                               ("max_completion_length", "sampling.max_completion_length")])
def test_a_setting_trl_removed_gets_a_located_error_naming_its_replacement(tmp_path, name, replacement):
    text = json.dumps(dict(MINIMAL, grpo={"beta": 0.0, name: 1}), indent=2)
    p = write(tmp_path, text)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if f'"{name}"' in l)
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert f"{p}:{line}: $.grpo: " in str(e.value) and replacement in str(e.value)
    assert "check the spelling" not in str(e.value)


@pytest.mark.parametrize("algorithm,other", [("ppo", "grpo"), ("grpo", "ppo"), (None, "ppo")])
def test_the_other_algorithms_block_is_a_located_error(tmp_path, algorithm, other):
    cfg = dict(MINIMAL, **({"algorithm": algorithm} if algorithm else {}), **{other: {"gamma" if other == "ppo" else "beta": 0.5}})
    text = json.dumps(cfg, indent=2)
    p = write(tmp_path, text)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if f'"{other}"' in l)
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert f"{p}:{line}: $.{other}: The {other} block is read only when algorithm is \"{other}\"" in str(e.value)
    # its own block is fine
    load_config(write(tmp_path, json.dumps(dict(MINIMAL, algorithm=other, **{other: cfg[other]}))))


def test_set_overrides(tmp_path):
    p = write(tmp_path, json.dumps(MINIMAL))
    cfg = load_config(p, ["grpo.beta=0.04", "rewards.0.weight=2", "name=abc"])
    assert cfg["grpo"]["beta"] == 0.04 and cfg["rewards"][0]["weight"] == 2 and cfg["name"] == "abc"
    with pytest.raises(ConfigError, match=r"\$\.grpo\.loss_type"):
        load_config(p, ["grpo.loss_type=ppo"])


def test_value_lines_tracks_nested_paths():
    text = '{\n "a": [\n  1,\n  {"b": 2}\n ],\n "c": "x"\n}'
    lines = value_lines(text)
    assert lines[("a",)] == 2 and lines[("a", 0)] == 3 and lines[("a", 1, "b")] == 4 and lines[("c",)] == 6


def test_validate_cli_exit_codes(tmp_path, capsys):
    good = write(tmp_path, json.dumps(MINIMAL), "good.rlstudio.json")
    (tmp_path / "d.jsonl").write_text('{"prompt": "1 + 1 =", "answer": "2"}\n')
    assert main(["validate", "--config", str(good)]) == 0
    bad = write(tmp_path, json.dumps(dict(MINIMAL, training={"learning_rate": 0})), "bad.rlstudio.json")
    assert main(["validate", "--config", str(bad)]) == 2
    assert "$.training.learning_rate: 0 is less than or equal to the minimum of 0" in capsys.readouterr().err


def test_demo_data_writes_valid_configs(tmp_path, capsys):
    for kind in ("arithmetic", "finance"):
        out = tmp_path / kind
        assert main(["demo-data", "--kind", kind, "--out", str(out), "--max-steps", "7"]) == 0
        cfg = load_config(out / f"{kind}.rlstudio.json")
        assert cfg["training"]["max_steps"] == 7
        for ds in cfg["data"]["datasets"] + cfg["eval"]["datasets"]:
            assert (out / ds["path"]).is_file()
