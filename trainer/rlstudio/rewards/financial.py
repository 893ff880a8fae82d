"""Seed 000's rule-based financial-advice reward, as a TRL-style reward function (`builtin:financial_advice`)."""

from __future__ import annotations

import re
from functools import lru_cache

from rlstudio.rewards import financial_terms as T

_CJK = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[a-z0-9]+(?:[./-][a-z0-9]+)*")
_SENTENCE_END = re.compile(r"[.!?。！？]\s*$")
_STOPWORDS = frozenset("a an the of to in on for and or is are be it its this that with as at by from what how".split())


@lru_cache(maxsize=None)
def _pattern(terms: tuple[str, ...]) -> re.Pattern:
    parts = [re.escape(t) if _CJK.search(t) else rf"(?<![a-z0-9]){re.escape(t)}(?![a-z0-9])" for t in terms]
    return re.compile("|".join(sorted(parts, key=len, reverse=True)))


def _found(terms: list[str], text: str) -> list[re.Match]:
    return list(_pattern(tuple(terms)).finditer(text))


def _distinct(terms: list[str], text: str) -> int:
    return len({m.group(0) for m in _found(terms, text)})


def _tokens(text: str) -> set[str]:
    """English content words plus Chinese character bigrams: comparable across both languages."""
    words = {w for w in _WORD.findall(text) if w not in _STOPWORDS}
    cjk = "".join(_CJK.findall(text))
    return words | {cjk[i:i + 2] for i in range(len(cjk) - 1)} | (set(cjk) if len(cjk) == 1 else set())


def _overlap_f1(candidate: str, reference: str) -> float:
    a, b = _tokens(candidate), _tokens(reference)
    common = len(a & b)
    if not a or not b or not common:
        return 0.0
    precision, recall = common / len(a), common / len(b)
    return 2 * precision * recall / (precision + recall)


def _absolute_claims(text: str) -> int:
    count = 0
    for m in _found(T.ABSOLUTE_CLAIMS, text):
        if text[m.end():m.end() + 5] in ("-free", " free"):  # "no risk-free investment" is a warning, not a claim
            continue
        before = text[max(0, m.start() - 12):m.start()]
        if not any(neg in before for neg in T.NEGATIONS):
            count += 1
    return count


def _length_fit(text: str, low: int, high: int) -> float:
    """1 inside [low, high] characters (a CJK character counts as two), falling off linearly outside."""
    n = len(text) + len(_CJK.findall(text))
    if n < low:
        return n / low
    return 1.0 if n <= high else max(0.0, 1.0 - (n - high) / high)


def _accuracy(text: str, reference: str | None, query: str | None, low: int, high: int) -> float:
    parts = [min(1.0, _distinct(T.FINANCIAL_TERMS, text) / 3), _length_fit(text, low, high)]
    if query:
        q = _tokens(query)
        parts.append(len(q & _tokens(text)) / len(q) if q else 0.0)
    if reference:
        parts += [_overlap_f1(text, reference)] * 2  # agreement with the reference counts double
    return sum(parts) / len(parts)


def _risk(text: str, claims: int) -> float:
    score = 0.5 * min(1.0, _distinct(T.RISK_TERMS, text) / 2) + 0.5 * (1.0 if _found(T.RISK_WARNINGS, text) else 0.0)
    return 0.0 if claims else score


def _recommendation(text: str) -> float:
    return (0.4 * bool(_found(T.RECOMMENDATIONS, text)) + 0.3 * bool(_found(T.REASONING, text))
            + 0.3 * bool(_found(T.ACTIONS, text)))


def _language(text: str) -> float:
    tokens = _WORD.findall(text) + _CJK.findall(text)
    if not tokens:
        return 0.0
    variety = min(1.0, len(set(tokens)) / len(tokens) / 0.5)  # heavy repetition lowers it
    complete = 1.0 if _SENTENCE_END.search(text.strip()) else 0.0
    connected = min(1.0, _distinct(T.CONNECTIVES, text) / 2)
    professional = min(1.0, _distinct(T.FINANCIAL_TERMS, text) / 2)
    return variety * (0.4 * complete + 0.3 * connected + 0.3 * professional)


def _text_of(completion) -> str:
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion and isinstance(completion[-1], dict):
        return str(completion[-1].get("content", ""))
    return str(completion or "")


def _prompt_text(prompt) -> str:
    if isinstance(prompt, list):
        return "\n".join(str(m.get("content", "")) for m in prompt if m.get("role") == "user")
    return str(prompt or "")


def financial_advice(
    accuracy_weight: float = 0.4,
    risk_assessment_weight: float = 0.3,
    recommendation_weight: float = 0.2,
    language_quality_weight: float = 0.1,
    term_bonus: float = 0.1,
    risk_warning_bonus: float = 0.1,
    diversification_bonus: float = 0.1,
    absolute_claim_penalty: float = 0.5,
    min_length: int = 80,
    max_length: int = 1200,
    max_reward: float = 1.0,
    min_reward: float = -1.0,
):
    """Financial advice quality (seed 000's FinancialRewardModel), English and Chinese. Range [min_reward, max_reward]
    = [-1, 1] by default.

    Weighted components, each in [0, 1]:
      accuracy (0.4): financial terms used, length within [min_length, max_length] characters, overlap with the
        question, and word/character-bigram F1 overlap with the `reference` column (counted twice) when there is one;
      risk assessment (0.3): risk vocabulary and an explicit risk warning; 0 when the text makes an absolute claim;
      recommendation (0.2): a recommendation, a reason for it, and concrete action guidance;
      language quality (0.1): complete final sentence, connectives, professional terms, scaled down by repetition.
    Then + term_bonus for 3+ distinct financial terms, + risk_warning_bonus for a risk warning ("past performance",
    "投資有風險"), + diversification_bonus for diversification advice, - absolute_claim_penalty per absolute claim
    ("guaranteed profit", "risk-free", "穩賺"; not when negated: "there is no risk-free investment"); clamped.
    """
    weights = (accuracy_weight, risk_assessment_weight, recommendation_weight, language_quality_weight)
    if any(w < 0 for w in weights) or sum(weights) <= 0:
        raise ValueError(f"component weights must be >= 0 with a positive sum, got {weights}")
    if not min_reward < max_reward:
        raise ValueError(f"min_reward ({min_reward}) must be below max_reward ({max_reward})")
    if not 0 < min_length < max_length:
        raise ValueError(f"need 0 < min_length < max_length, got {min_length}, {max_length}")

    def score(text: str, reference: str | None, query: str | None) -> float:
        lowered = text.lower()
        if not lowered.strip():
            return min_reward
        claims = _absolute_claims(lowered)
        parts = (_accuracy(lowered, (reference or "").lower(), (query or "").lower(), min_length, max_length),
                 _risk(lowered, claims), _recommendation(lowered), _language(lowered))
        total = sum(w * p for w, p in zip(weights, parts)) / sum(weights)
        total += term_bonus if _distinct(T.FINANCIAL_TERMS, lowered) >= 3 else 0.0
        total += risk_warning_bonus if _found(T.RISK_WARNINGS, lowered) else 0.0
        total += diversification_bonus if _found(T.DIVERSIFICATION, lowered) else 0.0
        total -= absolute_claim_penalty * claims
        return float(min(max_reward, max(min_reward, total)))

    def financial_advice(prompts, completions, reference=None, query=None, **kwargs):
        n = len(completions)
        refs = reference if reference is not None else [None] * n
        queries = query if query is not None else [None] * n
        return [
            score(_text_of(c), r if isinstance(r, str) else None, q if isinstance(q, str) and q else _prompt_text(p))
            for p, c, r, q in zip(prompts, completions, refs, queries)
        ]

    return financial_advice
