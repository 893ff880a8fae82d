"""Verifiable arithmetic word problems for the demo: templates x names x objects x small numbers.

Training / held-out records: {"prompt", "reference", "template", "split"}. The completion format is
"<think> a op b </think> <answer> n </answer>".

The warm-start file holds the training problems with a target whose <think> copies the numbers and whose <answer> is
a RANDOM GUESS (uniform over 0 .. 2 x max_operand), never the result. So the supervised phase teaches
the format, copying the numbers and "a number goes here", and the model starts RL guessing (about 1 in 9 right):
the sums and differences are learnt by GRPO from the accuracy reward alone. (A masked answer span, the other option
warm_start.mask_markers offers, leaves the answer slot untrained; the model then answers with an empty tag, which no
reward can reach.)

Held-out problems use question templates (sentence shapes and wording) that never occur in training, so held-out
accuracy measures whether the learnt skill carries over to new surface forms. Names, objects and the number range
are shared with training (the model's tokenizer knows the words, and the arithmetic facts are the same small table).
"""
from __future__ import annotations

import json
import random
from pathlib import Path

NAMES = "Ann Ben Cara Dan Eva Finn Gus Hana Ivan Jade Kai Lena Max Nora Omar Pia Quinn Rosa Sam Tara Uma Zoe Leo Mia".split()
OBJECTS = "apples pears plums lemons books pens stickers cards coins marbles shells buttons cookies toys beads flowers".split()
PLACES = "bag box basket jar".split()
ADD_VERBS = ["gets", "finds", "buys", "receives"]
SUB_VERBS = ["eats", "loses", "sells", "gives away"]

# (template, op). {a} always comes before {b}, so the think step copies them in reading order.
TRAIN_TEMPLATES = [
    ("{name} has {a} {obj} and {add} {b} more . How many {obj} does {name} have now ?", "+"),
    ("{name} has {a} {obj} and {sub} {b} . How many {obj} does {name} have now ?", "-"),
    ("There are {a} {obj} in the {place} . {name} adds {b} more . How many {obj} are in the {place} now ?", "+"),
    ("{name} had {a} {obj} . Then {name} {sub} {b} of them . How many {obj} are left ?", "-"),
    ("{name} collected {a} {obj} and {name2} collected {b} {obj} . How many {obj} do they have in total ?", "+"),
]
HELDOUT_TEMPLATES = [
    ("{name} starts with {a} {obj} , then {add} {b} more . What is the total number of {obj} ?", "+"),
    ("A {place} holds {a} {obj} . {name} {sub} {b} of them . How many {obj} stay in the {place} ?", "-"),
    ("With {a} {obj} in a {place} and {b} more that {name} adds , how many {obj} is that ?", "+"),
]


def _problem(rng: random.Random, template: str, op: str, max_operand: int) -> dict:
    a = rng.randint(1, max_operand)
    b = rng.randint(1, max_operand)
    if op == "-" and b > a:
        a, b = b, a
    name, name2 = rng.sample(NAMES, 2)
    fields = dict(name=name, name2=name2, obj=rng.choice(OBJECTS), place=rng.choice(PLACES),
                  add=rng.choice(ADD_VERBS), sub=rng.choice(SUB_VERBS), a=a, b=b)
    answer = a + b if op == "+" else a - b
    return {"prompt": template.format(**fields), "reference": str(answer), "a": a, "op": op, "b": b}


def guess_target(rec: dict, rng: random.Random, max_operand: int) -> str:
    """Warm-start target: the numbers copied into <think>, a random guess (not the result) in <answer>."""
    guess = rng.randint(0, 2 * max_operand)
    return f"<think> {rec['a']} {rec['op']} {rec['b']} </think> <answer> {guess} </answer>"


def make_split(templates, n: int, seed: int, max_operand: int, exclude: set[str] | None = None) -> list[dict]:
    rng = random.Random(seed)
    out, seen = [], set(exclude or ())
    while len(out) < n:
        t_index = rng.randrange(len(templates))
        template, op = templates[t_index]
        rec = _problem(rng, template, op, max_operand)
        if rec["prompt"] in seen:
            continue
        seen.add(rec["prompt"])
        rec["template"] = t_index
        out.append(rec)
    return out


def write_arithmetic(out_dir: Path, n_train: int = 4000, n_heldout: int = 200, seed: int = 1234, max_operand: int = 4,
                     n_warm: int = 4000) -> dict:
    """Write the training, held-out and warm-start JSONL files; return their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    train = make_split(TRAIN_TEMPLATES, n_train, seed, max_operand)
    for rec in train:
        rec["split"] = "train"
    heldout = make_split(HELDOUT_TEMPLATES, n_heldout, seed + 1, max_operand, exclude={r["prompt"] for r in train})
    for rec in heldout:
        rec["split"] = "heldout"
    guess_rng = random.Random(seed + 2)
    warm = [{"prompt": r["prompt"], "warm_start_completion": guess_target(r, guess_rng, max_operand), "split": "warm_start"}
            for r in train[:n_warm]]
    paths = {"train": out_dir / "arithmetic_train.jsonl", "heldout": out_dir / "arithmetic_heldout.jsonl",
             "warm_start": out_dir / "arithmetic_warm_start.jsonl"}
    for key, rows in (("train", train), ("heldout", heldout), ("warm_start", warm)):
        with open(paths[key], "w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row) + "\n")
    return paths
