"""Length penalty: 0.0 up to TARGET completion tokens, then falling linearly to -1.0 at LIMIT tokens (like DAPO's soft
overlong penalty). Uses completion_ids (token ids) when the trainer passes them, else characters / 4 as an estimate."""
TARGET = 200
LIMIT = 400


def _text(completion) -> str:
    return completion if isinstance(completion, str) else completion[-1]["content"]


def length_penalty(completions, completion_ids=None, **kwargs):
    out = []
    for i, c in enumerate(completions):
        ids = completion_ids[i] if completion_ids else None
        n = len(ids) if ids else len(_text(c)) / 4
        out.append(0.0 if n <= TARGET else max(-1.0, -(n - TARGET) / (LIMIT - TARGET)))
    return out
