"""Reward functions (TRL signature) that depend on every sampled token: tests that compare runs need rewards that
vary, and the arithmetic task pays an untrained tiny model 0 everywhere."""


def token_checksum(prompts, completions, completion_ids=None, **kwargs):
    return [(sum((i + 1) * t for i, t in enumerate(ids)) % 97) / 97 for ids in completion_ids]


def length_bonus(prompts, completions, **kwargs):
    return [len(c) / 40 for c in completions]


def use_token_rewards(config_path) -> None:
    """Point a test config's rewards at these functions."""
    import json
    from pathlib import Path

    here = Path(__file__).resolve()
    cfg = json.loads(Path(config_path).read_text())
    cfg["rewards"] = [{"function": f"{here}:token_checksum", "weight": 1.0},
                      {"function": f"{here}:length_bonus", "weight": 0.5}]
    Path(config_path).write_text(json.dumps(cfg, indent=2))
