"""Turning one source record (a dict) into a prompt and a reference answer, for each shape RL Studio recognises.

Shapes (the `format` of a dataset; `auto` picks by the keys present, in this order):
  prompt                  {prompt}                      string or chat messages; reference from reference/answer/solution
  messages                {messages}                    all but a trailing assistant turn; that turn is the reference
  query_context_reference {query, context, reference}   seed 000's GRPO format; context goes before the question
  instruction             {instruction, input, output}  seed 000's instruction format: instruction + input, output
  problem_solution        {problem, solution}           MATH style; reference = \\boxed{...} content or the solution
  question_answer         {question, answer}            GSM8K style; reference = the part after '####'
`fields.prompt` / `fields.reference` override the columns for any shape.
"""

from __future__ import annotations

from rlstudio.data.answers import normalise_reference

# auto-detection order: the first key present decides the shape
_SHAPE_KEYS = [
    ("prompt", "prompt"),
    ("messages", "messages"),
    ("query", "query_context_reference"),
    ("instruction", "instruction"),
    ("problem", "problem_solution"),
    ("question", "question_answer"),
]
_REQUIRED = {
    "prompt": ["prompt"],
    "messages": ["messages"],
    "query_context_reference": ["query"],
    "instruction": ["instruction"],
    "problem_solution": ["problem"],
    "question_answer": ["question"],
}
# columns that may hold a reference for {prompt} records (TRL / open-r1 datasets use several names)
_PROMPT_REFERENCE_KEYS = ("reference", "answer", "solution", "ground_truth")


class ShapeError(ValueError):
    """What is wrong with one record; the loader prefixes it with 'file:line: '."""


def _keys(record: dict) -> str:
    return "[" + ", ".join(sorted(map(str, record))) + "]"


def detect_shape(record: dict) -> str:
    for key, shape in _SHAPE_KEYS:
        if key in record:
            return shape
    raise ShapeError(f"no prompt: record has keys {_keys(record)}; set fields.prompt")


def check_prompt(value, where: str):
    """A prompt must be a non-empty string or a non-empty list of {role, content} string messages."""
    if isinstance(value, str):
        if not value.strip():
            raise ShapeError(f"empty prompt in '{where}'")
        return value
    if isinstance(value, list) and value:
        for i, m in enumerate(value):
            if not (isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str)):
                raise ShapeError(
                    f"'{where}'[{i}] is not a chat message: expected {{\"role\": str, \"content\": str}}, got {m!r:.120}"
                )
        return [{"role": m["role"], "content": m["content"]} for m in value]
    raise ShapeError(
        f"'{where}' must be a string or a list of {{role, content}} messages, got {type(value).__name__}: {value!r:.120}"
    )


def _text(record: dict, key: str) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ShapeError(f"'{key}' must be a string, got {type(value).__name__}")
    return value


def _shape_prompt(record: dict):
    ref_key = next((k for k in _PROMPT_REFERENCE_KEYS if record.get(k) is not None), None)
    return check_prompt(record["prompt"], "prompt"), record.get(ref_key) if ref_key else None


def _shape_messages(record: dict):
    messages = check_prompt(record["messages"], "messages")
    if messages[-1]["role"] == "assistant":
        if len(messages) == 1:
            raise ShapeError("'messages' holds only an assistant turn: nothing is left as the prompt")
        return messages[:-1], messages[-1]["content"]
    return messages, record.get("reference")


def _shape_query(record: dict):
    query, context = _text(record, "query"), _text(record, "context")
    prompt = f"{context.strip()}\n\n{query.strip()}" if context.strip() else query
    return check_prompt(prompt, "query"), record.get("reference")


def _shape_instruction(record: dict):
    # seed 000: the instruction, then the input on its own line when there is one; output is the reference
    instruction, extra = _text(record, "instruction"), _text(record, "input")
    prompt = f"{instruction}\n{extra}" if extra.strip() else instruction
    return check_prompt(prompt, "instruction"), record.get("output")


def _shape_problem(record: dict):
    return check_prompt(record["problem"], "problem"), record.get("solution")


def _shape_question(record: dict):
    return check_prompt(record["question"], "question"), record.get("answer")


_SHAPES = {
    "prompt": _shape_prompt,
    "messages": _shape_messages,
    "query_context_reference": _shape_query,
    "instruction": _shape_instruction,
    "problem_solution": _shape_problem,
    "question_answer": _shape_question,
}


def convert_record(record: dict, fmt: str, fields: dict) -> tuple[str | list[dict], str | None]:
    """(prompt, normalised reference) of one record, or ShapeError saying what is wrong."""
    prompt_key, ref_key = fields.get("prompt"), fields.get("reference")
    for label, key in (("fields.prompt", prompt_key), ("fields.reference", ref_key)):
        if key is not None and key not in record:
            raise ShapeError(f"no column '{key}' ({label}); record has keys {_keys(record)}")
    if prompt_key is not None:
        prompt, reference = check_prompt(record[prompt_key], prompt_key), record.get("reference")
    else:
        shape = detect_shape(record) if fmt == "auto" else fmt
        missing = [k for k in _REQUIRED[shape] if k not in record]
        if missing:
            raise ShapeError(f"format '{shape}' needs key '{missing[0]}'; record has keys {_keys(record)}")
        prompt, reference = _SHAPES[shape](record)
    if ref_key is not None:
        reference = record[ref_key]
    if isinstance(reference, (list, dict)):
        raise ShapeError(f"reference must be text or a number, got {type(reference).__name__}: {reference!r:.120}")
    return prompt, normalise_reference(reference)
