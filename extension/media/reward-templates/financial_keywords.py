"""Seed 000's weighted financial-advice reward (accuracy 0.4, risk assessment 0.3, recommendation 0.2, language
quality 0.1, keyword bonuses, a penalty for absolute claims such as "guaranteed profit"), English and Chinese.
The scoring lives in the trainer (builtin:financial_advice); change the weights here."""
from rlstudio.rewards.builtin import BUILTINS

_score = BUILTINS["financial_advice"](
    accuracy_weight=0.4, risk_assessment_weight=0.3, recommendation_weight=0.2, language_quality_weight=0.1,
    absolute_claim_penalty=0.5,
)


def financial_keywords(prompts, completions, **kwargs):
    return _score(prompts=prompts, completions=completions, **kwargs)
