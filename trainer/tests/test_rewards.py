"""Reward functions: TRL-style user files unchanged, None/nansum semantics, async, named errors, built-ins."""

import asyncio
import math
import warnings
from pathlib import Path

import pytest
import torch

from rlstudio.data.datasets import PromptRecord, load_dataset
from rlstudio.demo.finance import write_finance_demo
from rlstudio.rewards import (
    BUILTINS,
    RewardError,
    RewardLoadError,
    TrainerState,
    load_reward_functions,
    score_completions,
)

FIXTURES = Path(__file__).parent / "fixtures"


def rec(prompt="p", reference=None, source="data.jsonl:1", **columns):
    return PromptRecord(prompt=prompt, reference=reference, columns={**columns, "reference": reference}, source=source)


def score(funcs_cfg, records, completions, ids=None, base=FIXTURES, **kw):
    funcs = load_reward_functions(funcs_cfg, base)
    ids = ids if ids is not None else [[1] * len(c) for c in completions]
    return score_completions(funcs, records, [r.prompt for r in records], completions, ids, **kw)


def user_file(tmp_path, name, text):
    (tmp_path / name).write_text(text)
    return tmp_path


# ---- TRL-style user functions ------------------------------------------------------------------------------------

def test_trl_documented_functions_run_unchanged():
    records = [rec(ground_truth="7"), rec(ground_truth="8")]
    s = score([{"function": "trl_rewards.py:reward_len"}, {"function": "trl_rewards.py:reward_func", "weight": 2}],
              records, ["x" * 18 + "\\boxed{7}", "\\boxed{9}"])
    assert s.names == ["reward_len", "reward_func"]
    assert s.per_function.dtype == torch.float32 and s.per_function.shape == (2, 2)
    assert s.per_function.tolist() == [[-7.0, 1.0], [-11.0, 0.0]]
    assert s.total.tolist() == [-5.0, -11.0]


def test_conversational_prompts_get_trl_message_completions():
    conv = [{"role": "user", "content": "Solve it"}]
    records = [rec(prompt=conv), rec(prompt=conv)]
    s = score([{"function": "trl_rewards.py:format_reward_func"}], records,
              ["<think>a</think><answer>1</answer>", "no tags"])
    assert s.per_function[:, 0].tolist() == [1.0, 0.0]


def test_none_means_not_applicable_as_in_trl():
    records = [rec(task="math"), rec(task="coding"), rec(task="poetry")]
    cfg = [{"function": "trl_rewards.py:math_reward_func", "weight": 1.0},
           {"function": "trl_rewards.py:coding_reward_func", "weight": 0.5}]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s = score(cfg, records, ["42", "def f(): pass", "roses"])
    pf = s.per_function
    assert pf[0, 0] == 1.0 and math.isnan(pf[0, 1]) and math.isnan(pf[1, 0]) and pf[1, 1] == 1.0
    # TRL: rewards = (rewards_per_func * weights).nansum(dim=1); an all-None row sums to 0 and is warned about
    trl_total = (pf * torch.tensor([1.0, 0.5])).nansum(dim=1)
    assert torch.equal(s.total, trl_total) and s.total.tolist() == [1.0, 0.5, 0.0]
    assert s.all_none.tolist() == [False, False, True]
    assert any("All reward functions returned None for sample 2" in str(w.message) for w in caught)
    m = s.function_metrics()
    assert m["rewards/math_reward_func/mean"] == 1.0 and math.isnan(m["rewards/math_reward_func/std"])


def test_async_functions_run_and_mix_with_sync():
    records = [rec(), rec()]
    cfg = [{"function": "trl_rewards.py:async_reward_func"}, {"function": "trl_rewards.py:reward_len"}]
    s = score(cfg, records, ["abcd", "ab"])
    assert s.per_function.tolist() == [[2.0, -16.0], [1.0, -18.0]]

    async def inside_a_running_loop():  # e.g. a notebook or an async server calling the scorer
        return score(cfg, records, ["abcd", "ab"])

    assert asyncio.run(inside_a_running_loop()).per_function.tolist() == s.per_function.tolist()


def test_trainer_state_columns_and_args_reach_functions(tmp_path):
    s = score([{"function": "trl_rewards.py:step_scaled_reward"}], [rec()], ["x"],
              trainer_state=TrainerState(global_step=12))
    assert s.total.tolist() == [12.0]
    user_file(tmp_path, "picky.py", "def only_named(completions, label):\n    return [float(l) for l in label]\n")
    s = score([{"function": "picky.py:only_named"}], [rec(label=2), rec(label=3)], ["a", "b"], base=tmp_path)
    assert s.total.tolist() == [2.0, 3.0]  # no **kwargs: it gets only what it names, no trainer_state
    s = score([{"function": "reward_pkg/word_reward.py:words_capped", "args": {"cap": 2}}], [rec()], ["a b c d"])
    assert s.total.tolist() == [2.0]


def test_a_users_helper_module_imports_and_a_file_loads_once():
    funcs = load_reward_functions([{"function": "reward_pkg/word_reward.py:words"},
                                   {"function": "reward_pkg/word_reward.py:words_capped"}], FIXTURES)
    assert funcs[0].fn.__module__ == funcs[1].fn.__module__
    assert funcs[0].location.endswith("word_reward.py:4")
    s = score_completions(funcs, [rec()], ["p"], ["one two three four"], [[1]])
    assert s.per_function.tolist() == [[4.0, 3.0]]


# ---- scoring errors ----------------------------------------------------------------------------------------------

BROKEN = '''import math

def raises_on_third(completions, **kwargs):
    return [1.0 / (2 - int(c.split()[-1])) for c in completions]

def raises_on_batches(completions, **kwargs):
    if len(completions) > 1:
        raise MemoryError("batch too large")
    return [0.0]

def short(completions, **kwargs):
    return [1.0]

def text(completions, **kwargs):
    return ["good" for _ in completions]

def nan(completions, **kwargs):
    return [math.nan for _ in completions]

def inf(completions, **kwargs):
    return [math.inf for _ in completions]

def needs_column(completions, solution, **kwargs):
    return [0.0 for _ in completions]

async def async_raises(completions, **kwargs):
    raise RuntimeError("judge unavailable")
'''


def scoring_error(tmp_path, fn_name, n=4):
    user_file(tmp_path, "broken.py", BROKEN)
    records = [rec(prompt=f"prompt {i}", source=f"train.jsonl:{10 + i}") for i in range(n)]
    with pytest.raises(RewardError) as e:
        score([{"function": f"broken.py:{fn_name}"}], records, [f"completion {i}" for i in range(n)], base=tmp_path)
    return e.value


def test_a_raising_function_names_itself_the_sample_and_the_traceback(tmp_path):
    err = scoring_error(tmp_path, "raises_on_third")
    msg = str(err)
    assert "reward function 'raises_on_third' (broken.py:raises_on_third) raised ZeroDivisionError" in msg
    assert "on sample 2 of 4 (train.jsonl:12)" in msg
    assert "prompt:     prompt 2" in msg and "completion: completion 2" in msg
    assert "Traceback (most recent call last)" in msg and f'{tmp_path / "broken.py"}", line 4' in msg
    assert err.function == "raises_on_third" and err.index == 2 and err.source == "train.jsonl:12"
    msg = str(scoring_error(tmp_path, "raises_on_batches"))
    assert "raised MemoryError: batch too large\n  on the batch of 4 (no single sample reproduces it" in msg


def test_bad_results_are_errors_never_zero(tmp_path):
    assert "returned 1 values for 4 completions" in str(scoring_error(tmp_path, "short"))
    assert "returned str 'good' at index 0, not a number or None" in str(scoring_error(tmp_path, "text"))
    assert "returned nan at index 0; return None for 'not applicable'" in str(scoring_error(tmp_path, "nan"))
    assert "returned inf at index 0" in str(scoring_error(tmp_path, "inf"))
    err = str(scoring_error(tmp_path, "needs_column"))
    assert "it needs 'solution', which is not a dataset column" in err
    err = str(scoring_error(tmp_path, "async_raises"))
    assert "'async_raises'" in err and "RuntimeError: judge unavailable" in err and "sample 0 of 4" in err


def test_long_samples_are_truncated_in_errors(tmp_path):
    user_file(tmp_path, "broken.py", BROKEN)
    with pytest.raises(RewardError) as e:
        score([{"function": "broken.py:text"}], [rec(prompt="q" * 5000)], ["c" * 5000], base=tmp_path)
    assert "... [5000 chars]" in str(e.value) and len(str(e.value)) < 2000


# ---- loading errors ----------------------------------------------------------------------------------------------

def load_error(tmp_path, cfg, files=None):
    for name, text in (files or {}).items():
        user_file(tmp_path, name, text)
    with pytest.raises(RewardLoadError) as e:
        load_reward_functions(cfg, tmp_path)
    return str(e.value)


def test_loading_errors_are_located(tmp_path):
    msg = load_error(tmp_path, [{"function": "rewards/missing.py:f"}])
    assert msg.startswith(f"{tmp_path / 'rewards' / 'missing.py'}: file not found (rewards[0].function")
    msg = load_error(tmp_path, [{"function": "r1.py:nope"}], {"r1.py": "def a(completions, **kw): return []\n"})
    assert msg == f"{tmp_path / 'r1.py'}: no function 'nope' (rewards[0].function = 'r1.py:nope'); the file defines: [a]"
    msg = load_error(tmp_path, [{"function": "r2.py:f"}], {"r2.py": "x = 1\n\ndef f(completions:\n    return []\n"})
    assert msg.startswith(f"{tmp_path / 'r2.py'}:3: SyntaxError: ") and "def f(completions:" in msg
    msg = load_error(tmp_path, [{"function": "r3.py:f"}], {"r3.py": "f = 3\n"})
    assert msg == f"{tmp_path / 'r3.py'}: 'f' is a int, not a function (rewards[0].function = 'r3.py:f')"
    msg = load_error(tmp_path, [{"function": "r4.py:f"}], {"r4.py": "import os\nVALUE = 1 / 0\n"})
    assert msg.startswith(f"{tmp_path / 'r4.py'}:2: importing r4.py raised ZeroDivisionError")
    assert "not a reward reference" in load_error(tmp_path, [{"function": "math_correctness"}])


def test_builtin_loading_errors(tmp_path):
    assert "unknown built-in 'builtin:nope'; built-ins are: accuracy" in load_error(tmp_path, [{"function": "builtin:nope"}])
    msg = load_error(tmp_path, [{"function": "builtin:soft_overlong"}])
    assert msg == "rewards[0].args: builtin:soft_overlong needs args.max_completion_length"
    msg = load_error(tmp_path, [{"function": "builtin:tag_count", "args": {"x": 1}}])
    assert msg == "rewards[0].args: builtin:tag_count has no option 'x'; its options: none"
    msg = load_error(tmp_path, [{"function": "builtin:soft_overlong", "args": {"max_completion_length": 8, "cache": 9}}])
    assert "cache must be an integer in [1, max_completion_length=8]" in msg
    msg = load_error(tmp_path, [{"function": "builtin:accuracy"}, {"function": "builtin:accuracy"}])
    assert msg == "rewards[1]: a reward named 'accuracy' is already listed; give this one a distinct name"
    assert load_error(tmp_path, [{"function": "builtin:accuracy", "weight": "x"}]).startswith("rewards[0].weight")


# ---- built-ins -------------------------------------------------------------------------------------------------

def builtin(name, **args):
    return BUILTINS[name](**args)


def test_builtins_are_documented_with_their_range():
    for name in BUILTINS:
        fn = builtin(name, **({"max_completion_length": 8} if name == "soft_overlong" else {}))
        assert fn.__name__ == name and "Range" in fn.__doc__, name


def test_format_rewards():
    good = "<think>\nadd them\n</think>\n<answer>\n4\n</answer>"
    cases = [good, good + "\n", "x" + good, "<think>a</think> <answer>4</answer>",
             "<think>\nx\n</think>\n<answer>\n1\n</answer>\n<answer>\n2\n</answer>", "<answer>4</answer><think>a</think>"]
    assert builtin("format_strict")(completions=cases) == [1.0, 1.0, 0.0, 0.0, 0.0, 0.0]
    assert builtin("format_soft")(completions=cases) == [1.0, 1.0, 1.0, 1.0, 1.0, 0.0]
    conv = [[{"role": "assistant", "content": good}]]
    assert builtin("format_strict")(completions=conv) == [1.0]


def test_accuracy_and_integer_answer():
    acc = builtin("accuracy")
    completions = ["<answer>42.0</answer>", "<answer> 1,000 </answer>", "<answer>\\frac{3}{4}</answer>",
                   "so \\boxed{Paris}", "<answer>41</answer>", "no answer", "<answer>7</answer>"]
    refs = ["42", "1000", "0.75", "paris", "42", "42", None]
    assert acc(prompts=[""] * 7, completions=completions, reference=refs) == [1.0, 1.0, 1.0, 1.0, 0.0, 0.0, None]
    ints = builtin("integer_answer")(completions=["<answer>-7</answer>", "<answer>1,000</answer>",
                                                  "<answer>2.5</answer>", "7"])
    assert ints == [1.0, 1.0, 0.0, 0.0]


def test_accuracy_against_gsm8k_references_end_to_end(tmp_path):
    (tmp_path / "g.jsonl").write_text('{"question": "3*4?", "answer": "3*4=12\\n#### 12"}\n')
    records = load_dataset({"path": "g.jsonl"}, tmp_path) * 2
    s = score([{"function": "builtin:accuracy"}, {"function": "builtin:format_strict", "weight": 0.5}],
              records, ["<think>\n3*4\n</think>\n<answer>\n12\n</answer>", "<answer>13</answer>"], base=tmp_path)
    assert s.total.tolist() == [1.5, 0.0]


def test_tag_count_and_soft_overlong_formulas():
    tc = builtin("tag_count")
    assert tc(completions=["<think>\na\n</think>\n<answer>\nb\n</answer>", "<think>\na\n</think>\n", "none",
                           "<think>\n<think>\n\n</think>\n"]) == [1.0, 0.5, 0.0, 0.25]
    so = builtin("soft_overlong", max_completion_length=10, cache=4)
    lengths = [3, 6, 7, 8, 10, 11]
    # DAPO: 0 up to L_max - cache, then (L_max - cache - L) / cache, then -1
    assert so(completions=[""] * 6, completion_ids=[[0] * n for n in lengths]) == [0.0, 0.0, -0.25, -0.5, -1.0, -1.0]
    with pytest.raises(ValueError, match="completion_ids"):
        so(completions=["a"])


def test_financial_advice_prefers_careful_advice_in_english_and_chinese():
    fa = builtin("financial_advice")
    good_en = ("TSMC has strong revenue growth, high gross margin and solid free cash flow, but its valuation (P/E) is "
               "above its history. The main risks are geopolitical tension and cyclical demand, so volatility can be "
               "high. I suggest considering a gradual position because timing is hard, and keeping it within a "
               "diversified portfolio. Past performance does not guarantee future returns.")
    bad_en = "TSMC is a guaranteed profit. Buy now, you cannot lose, it is risk-free!"
    good_zh = "台積電營收穩定成長，毛利率高，現金流充足，但本益比偏高。主要風險包括地緣政治與景氣循環，股價可能大幅波動。建議分批買入，因為進場時點難以預測，並分散投資。投資有風險，請謹慎評估。"
    bad_zh = "台積電穩賺不賠，保證獲利，現在買入一定會漲！"
    out = fa(prompts=["Analyse TSMC"] * 2 + ["分析台積電的投資價值"] * 2, completions=[good_en, bad_en, good_zh, bad_zh])
    assert out[0] > 0.6 and out[2] > 0.6
    assert out[1] == -1.0 and out[3] == -1.0  # several absolute claims: clamped at the minimum
    neutral = fa(prompts=["q"], completions=["The company makes chips."])[0]
    assert -1.0 < neutral < out[0]
    negated = fa(prompts=["q"], completions=["There is no risk-free investment; diversify your portfolio."])[0]
    claim = fa(prompts=["q"], completions=["This is a risk-free investment; diversify your portfolio."])[0]
    assert negated > claim + 0.4


def test_financial_advice_uses_the_reference_and_configurable_weights():
    ref = "Look at revenue growth, margins and valuation. Risks: competition. Diversify."
    fa = builtin("financial_advice")
    close = fa(prompts=["q"], completions=["Revenue growth, margins and valuation matter. Risks: competition."],
               reference=[ref])[0]
    far = fa(prompts=["q"], completions=["Weather today is sunny and the football match was great fun."],
             reference=[ref])[0]
    assert close > far
    only_lang = builtin("financial_advice", accuracy_weight=0, risk_assessment_weight=0, recommendation_weight=0,
                        language_quality_weight=1, term_bonus=0, risk_warning_bonus=0, diversification_bonus=0)
    assert only_lang(prompts=["q"], completions=["hello hello hello hello"])[0] == 0.0
    with pytest.raises(ValueError, match="component weights"):
        builtin("financial_advice", accuracy_weight=-1)


def test_finance_demo_data_loads_and_rewards_its_references(tmp_path):
    paths = write_finance_demo(tmp_path, n=40, seed=1)
    train = load_dataset({"path": str(paths["train"])}, tmp_path)
    evals = load_dataset({"path": str(paths["eval"])}, tmp_path)
    assert len(train) == 40 and len(evals) == 10 and paths["train_count"] == 40
    assert not {r.prompt for r in train} & {r.prompt for r in evals}
    assert {r.columns["language"] for r in train} == {"en", "zh"}
    assert all(r.reference for r in train)
    again = write_finance_demo(tmp_path / "again", n=40, seed=1)
    assert Path(again["train"]).read_text() == Path(paths["train"]).read_text()
    s = score([{"function": "builtin:financial_advice"}], train[:4],
              [r.reference for r in train[:4]], base=tmp_path)
    careless = score([{"function": "builtin:financial_advice"}], train[:4],
                     ["Guaranteed profit, buy everything now!"] * 4, base=tmp_path)
    assert bool((s.total > 0.6).all()) and bool((careless.total < 0).all())
