"""LLM-as-judge skeleton: asks an OpenAI-compatible chat endpoint to grade each completion from 0 to 10.
The endpoint, model and key come from environment variables, never from this file:
  RLSTUDIO_JUDGE_URL    e.g. https://api.example.com/v1/chat/completions
  RLSTUDIO_JUDGE_MODEL  e.g. a model name the endpoint serves
  RLSTUDIO_JUDGE_KEY    the API key (sent as a Bearer token)
Without RLSTUDIO_JUDGE_URL the reward returns None (not applicable), so tests and runs without a judge still work."""
import asyncio
import json
import os
import re
import urllib.request

TIMEOUT_S = 30
_GRADE = re.compile(r"\b(10|[0-9])\b")
_INSTRUCTIONS = "Grade the answer to the question from 0 (useless) to 10 (excellent). Reply with the number only."


def _text(x) -> str:
    return x if isinstance(x, str) else x[-1]["content"]


def _ask(url: str, prompt: str, completion: str):
    body = json.dumps({
        "model": os.environ.get("RLSTUDIO_JUDGE_MODEL", ""),
        "messages": [{"role": "system", "content": _INSTRUCTIONS},
                     {"role": "user", "content": f"Question:\n{prompt}\n\nAnswer:\n{completion}"}],
        "temperature": 0,
    }).encode()
    headers = {"Content-Type": "application/json"}
    if os.environ.get("RLSTUDIO_JUDGE_KEY"):
        headers["Authorization"] = f"Bearer {os.environ['RLSTUDIO_JUDGE_KEY']}"
    with urllib.request.urlopen(urllib.request.Request(url, body, headers), timeout=TIMEOUT_S) as response:
        reply = json.load(response)["choices"][0]["message"]["content"]
    grade = _GRADE.search(reply)
    return int(grade.group(1)) / 10 if grade else None


async def llm_judge(prompts, completions, **kwargs):
    url = os.environ.get("RLSTUDIO_JUDGE_URL")
    if not url:
        return [None] * len(completions)
    # one request per completion, concurrently (TRL awaits async reward functions)
    return await asyncio.gather(*(asyncio.to_thread(_ask, url, _text(p), _text(c)) for p, c in zip(prompts, completions)))
