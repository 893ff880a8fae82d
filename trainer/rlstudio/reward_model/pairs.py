"""Preference pairs {prompt, chosen, rejected[, margin]} from JSONL / JSON / Parquet, tokenised as TRL's RewardTrainer
tokenises them: text rows are prompt + chosen (+ EOS when missing) and prompt + rejected; chat rows (lists of
{role, content} messages) go through the tokenizer's chat template, the prompt's messages first."""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from rlstudio.data.datasets import DataError, read_rows


@dataclass
class PreferencePair:
    prompt: str | list[dict]
    chosen: str | list[dict]
    rejected: str | list[dict]
    margin: float | None
    source: str  # file:line


def _is_messages(value) -> bool:
    return isinstance(value, list) and all(isinstance(m, dict) and "role" in m and "content" in m for m in value)


def load_pairs(path: str | Path) -> list[PreferencePair]:
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: preference file not found")
    pairs = []
    for line, row in read_rows(path, {}):
        where = f"{path}:{line}"
        if not isinstance(row, dict):
            raise DataError(f"{where}: a preference row must be an object with chosen and rejected")
        missing = [k for k in ("chosen", "rejected") if k not in row]
        if missing:
            raise DataError(f"{where}: missing {' and '.join(missing)} (a row is {{prompt, chosen, rejected}}; "
                            f"it has {', '.join(sorted(row)) or 'no keys'})")
        prompt = row.get("prompt", [] if _is_messages(row["chosen"]) else "")
        kinds = {k: ("chat" if _is_messages(v) else "text" if isinstance(v, str) else None)
                 for k, v in (("prompt", prompt), ("chosen", row["chosen"]), ("rejected", row["rejected"]))}
        bad = [k for k, kind in kinds.items() if kind is None]
        if bad:
            raise DataError(f"{where}: {bad[0]} must be a string or a list of {{role, content}} messages")
        if len(set(kinds.values())) > 1:
            raise DataError(f"{where}: prompt, chosen and rejected must all be text or all chat messages "
                            f"({', '.join(f'{k}: {v}' for k, v in kinds.items())})")
        margin = row.get("margin")
        if margin is not None and not isinstance(margin, (int, float)):
            raise DataError(f"{where}: margin must be a number")
        pairs.append(PreferencePair(prompt, row["chosen"], row["rejected"], None if margin is None else float(margin), where))
    if not pairs:
        raise DataError(f"{path}: no preference pairs")
    return pairs


def split_pairs(pairs: list[PreferencePair], eval_fraction: float, seed: int) -> tuple[list, list]:
    """A seeded held-out share of the rows (at least one pair each side when the fraction is above 0)."""
    if eval_fraction <= 0:
        return pairs, []
    order = list(range(len(pairs)))
    random.Random(seed).shuffle(order)
    n_eval = min(max(1, round(len(pairs) * eval_fraction)), len(pairs) - 1)
    if n_eval < 1:
        raise DataError(f"{pairs[0].source.rsplit(':', 1)[0]}: one pair cannot be split into training and held-out rows")
    held = set(order[:n_eval])
    return [p for i, p in enumerate(pairs) if i not in held], [p for i, p in enumerate(pairs) if i in held]


def sequence_ids(tokenizer, prompt, completion) -> list[int]:
    """Token ids of prompt + completion as TRL's RewardTrainer builds them (also how the reward model scores)."""
    if isinstance(completion, list):
        if not getattr(tokenizer, "chat_template", None):
            raise DataError("chat-format preference pairs need a tokenizer with a chat template; this one has none")
        return list(tokenizer.apply_chat_template(list(prompt) + list(completion), tokenize=True, return_dict=True)["input_ids"])
    text = prompt + completion
    if tokenizer.eos_token and not text.endswith(tokenizer.eos_token):
        text += tokenizer.eos_token
    return tokenizer(text, add_special_tokens=True)["input_ids"]


@dataclass
class TokenisedPair:
    chosen_ids: list[int]
    rejected_ids: list[int]
    margin: float | None


def tokenise_pairs(tokenizer, pairs: list[PreferencePair], max_length: int | None) -> tuple[list[TokenisedPair], int]:
    """(tokenised pairs, how many were left out for being longer than max_length)."""
    out, dropped = [], 0
    for p in pairs:
        try:
            chosen, rejected = sequence_ids(tokenizer, p.prompt, p.chosen), sequence_ids(tokenizer, p.prompt, p.rejected)
        except DataError as e:
            raise DataError(f"{p.source}: {e}") from None
        if max_length is not None and (len(chosen) > max_length or len(rejected) > max_length):
            dropped += 1
            continue
        out.append(TokenisedPair(chosen, rejected, p.margin))
    return out, dropped
