"""Datasets: every recognised shape, JSONL / JSON array / Parquet, field mapping, errors with file:line, the sampler."""

import json
from collections import Counter

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rlstudio.data.datasets import DataError, PromptRecord, PromptSampler, load_dataset, load_datasets, render_prompt


def write_jsonl(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def load_one(tmp_path, rows, name="d.jsonl", **cfg):
    write_jsonl(tmp_path / name, rows)
    return load_dataset({"path": name, **cfg}, tmp_path)


# ---- shapes -------------------------------------------------------------------------------------------------------

def test_prompt_string_with_reference_column_and_extra_columns(tmp_path):
    (r,) = load_one(tmp_path, [{"prompt": "2+2?", "answer": "#### 4", "task": "math"}])
    assert r.prompt == "2+2?" and r.reference == "4"
    assert r.columns["task"] == "math" and r.columns["answer"] == "#### 4" and r.columns["reference"] == "4"
    assert r.source == f"{tmp_path / 'd.jsonl'}:1"


def test_prompt_as_chat_messages(tmp_path):
    msgs = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    (r,) = load_one(tmp_path, [{"prompt": msgs}])
    assert r.prompt == msgs and r.reference is None and r.is_conversational


def test_messages_trailing_assistant_turn_is_the_reference(tmp_path):
    msgs = [{"role": "user", "content": "What is 6*7?"}, {"role": "assistant", "content": "6*7 = 42\n#### 42"}]
    a, b = load_one(tmp_path, [{"messages": msgs}, {"messages": msgs[:1], "reference": "42"}])
    assert a.prompt == msgs[:1] and a.reference == "42"
    assert b.prompt == msgs[:1] and b.reference == "42"


def test_query_context_reference_seed_000(tmp_path):
    a, b = load_one(tmp_path, [
        {"query": "分析台積電的投資價值", "context": "台股投資分析", "reference": "參考答案"},
        {"query": "Assess Apple", "context": "", "reference": ""},
    ])
    assert a.prompt == "台股投資分析\n\n分析台積電的投資價值" and a.reference == "參考答案"
    assert b.prompt == "Assess Apple" and b.reference is None  # an empty reference means "none"


def test_instruction_input_output_converted_as_seed_000(tmp_path):
    a, b = load_one(tmp_path, [
        {"instruction": "評估風險", "input": "鴻海科技", "output": "需要考慮以下風險因素"},
        {"instruction": "Explain P/E", "input": "", "output": "Price over earnings."},
    ])
    assert a.prompt == "評估風險\n鴻海科技" and a.reference == "需要考慮以下風險因素"
    assert b.prompt == "Explain P/E" and b.reference == "Price over earnings."


def test_problem_solution_uses_the_boxed_answer(tmp_path):
    a, b = load_one(tmp_path, [
        {"problem": "Compute 1/2+1/4.", "solution": "We get $\\boxed{\\frac{3}{4}}$."},
        {"problem": "Name the capital of France.", "solution": "Paris"},
    ])
    assert a.reference == "\\frac{3}{4}" and b.reference == "Paris"


def test_question_answer_gsm8k(tmp_path):
    (r,) = load_one(tmp_path, [{"question": "How many?", "answer": "3 * 412 = 1,236\n#### 1,236"}])
    assert r.prompt == "How many?" and r.reference == "1236"


def test_field_mapping_and_explicit_format(tmp_path):
    (r,) = load_one(tmp_path, [{"text": "Say hi", "gold": 7, "meta": {"k": 1}}],
                    fields={"prompt": "text", "reference": "gold"})
    assert r.prompt == "Say hi" and r.reference == "7" and r.columns["meta"] == {"k": 1}
    (q,) = load_one(tmp_path, [{"question": "Q", "answer": "#### 5", "prompt": "ignored"}], format="question_answer")
    assert q.prompt == "Q" and q.reference == "5"


def test_json_array_file_and_max_samples(tmp_path):
    rows = [{"prompt": f"p{i}"} for i in range(5)]
    (tmp_path / "a.json").write_text("[\n" + ",\n".join(json.dumps(r) for r in rows) + "\n]\n")
    recs = load_dataset({"path": "a.json", "max_samples": 3}, tmp_path)
    assert [r.prompt for r in recs] == ["p0", "p1", "p2"]
    assert recs[2].source.endswith("a.json:4")


def test_parquet_with_messages_and_mapping(tmp_path):
    table = pa.table({
        "conversation": [[{"role": "user", "content": "Hi"}], [{"role": "user", "content": "Yo"}]],
        "target": ["a", "b"],
        "difficulty": [1, 2],
    })
    pq.write_table(table, tmp_path / "d.parquet")
    recs = load_dataset({"path": "d.parquet", "fields": {"prompt": "conversation", "reference": "target"}}, tmp_path)
    assert [r.prompt for r in recs] == [[{"role": "user", "content": "Hi"}], [{"role": "user", "content": "Yo"}]]
    assert [r.reference for r in recs] == ["a", "b"] and recs[1].columns["difficulty"] == 2
    assert recs[1].source.endswith("d.parquet:2")
    pq.write_table(pa.table({"question": ["Q"], "answer": ["x\n#### 9"]}), tmp_path / "g.parquet")
    assert load_dataset({"path": "g.parquet"}, tmp_path)[0].reference == "9"


def test_load_datasets_resolves_against_base_dir(tmp_path):
    (tmp_path / "data").mkdir()
    write_jsonl(tmp_path / "data" / "a.jsonl", [{"prompt": "a"}])
    write_jsonl(tmp_path / "b.jsonl", [{"question": "b", "answer": "#### 1"}, {"question": "c", "answer": "2"}])
    a, b = load_datasets({"datasets": [{"path": "data/a.jsonl"}, {"path": str(tmp_path / "b.jsonl")}]}, tmp_path)
    assert len(a) == 1 and [r.reference for r in b] == ["1", "2"]


# ---- errors -------------------------------------------------------------------------------------------------------

def expect_error(tmp_path, rows, text, name="d.jsonl", **cfg):
    with pytest.raises(DataError) as e:
        load_one(tmp_path, rows, name=name, **cfg)
    assert str(e.value).startswith(str(tmp_path / name)), str(e.value)
    assert text in str(e.value), str(e.value)
    return str(e.value)


def test_invalid_json_names_the_line(tmp_path):
    rows = [{"prompt": "a"}] * 15 + [""] + ['{"prompt": "b",}']
    msg = expect_error(tmp_path, rows, "d.jsonl:17: invalid JSON: ")
    assert "column" in msg


def test_no_prompt_lists_the_keys(tmp_path):
    expect_error(tmp_path, [{"prompt": "ok"}, {"text": "x", "label": 1}],
                 "d.jsonl:2: no prompt: record has keys [label, text]; set fields.prompt")


def test_record_errors(tmp_path):
    expect_error(tmp_path, ['["a", "b"]'], "d.jsonl:1: expected a JSON object, got list")
    expect_error(tmp_path, [{"prompt": "  "}], "d.jsonl:1: empty prompt")
    expect_error(tmp_path, [{"prompt": [{"role": "user"}]}], "d.jsonl:1: 'prompt'[0] is not a chat message")
    expect_error(tmp_path, [{"prompt": 5}], "d.jsonl:1: 'prompt' must be a string or a list")
    expect_error(tmp_path, [{"prompt": "p"}, {"query": "q"}], "d.jsonl:2: format 'prompt' needs key 'prompt'",
                 format="prompt")
    expect_error(tmp_path, [{"text": "p"}, {"txt": "q"}], "d.jsonl:2: no column 'text' (fields.prompt)",
                 fields={"prompt": "text"})
    expect_error(tmp_path, [{"messages": [{"role": "assistant", "content": "x"}]}], "d.jsonl:1: 'messages' holds only")
    expect_error(tmp_path, [{"prompt": "p", "reference": [1, 2]}], "d.jsonl:1: reference must be text or a number")


def test_file_level_errors(tmp_path):
    with pytest.raises(DataError, match=r"missing\.jsonl: file not found \(data\.datasets\[1\]\.path = 'missing\.jsonl'\)"):
        load_datasets({"datasets": [{"path": "ok.jsonl"}, {"path": "missing.jsonl"}]},
                      write_jsonl(tmp_path / "ok.jsonl", [{"prompt": "p"}]).parent)
    (tmp_path / "empty.jsonl").write_text("\n\n")
    with pytest.raises(DataError, match=r"empty\.jsonl: no records"):
        load_dataset({"path": "empty.jsonl"}, tmp_path)
    (tmp_path / "d.csv").write_text("a,b\n")
    with pytest.raises(DataError, match=r"d\.csv: unsupported file type '\.csv'"):
        load_dataset({"path": "d.csv"}, tmp_path)
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(DataError, match=r"bad\.parquet: not a readable Parquet file"):
        load_dataset({"path": "bad.parquet"}, tmp_path)
    (tmp_path / "latin.jsonl").write_bytes(b'{"prompt": "a"}\n{"prompt": "\xe9"}\n')
    with pytest.raises(DataError, match=r"latin\.jsonl:2: not UTF-8 text"):
        load_dataset({"path": "latin.jsonl"}, tmp_path)


def test_unknown_parquet_column(tmp_path):
    pq.write_table(pa.table({"text": ["a"], "gold": ["b"]}), tmp_path / "d.parquet")
    with pytest.raises(DataError) as e:
        load_dataset({"path": "d.parquet", "fields": {"prompt": "question"}}, tmp_path)
    assert str(e.value) == f"{tmp_path / 'd.parquet'}: no column 'question' (fields.prompt); columns are [text, gold]"


def test_json_array_error_line(tmp_path):
    (tmp_path / "a.json").write_text('[\n{"prompt": "a"},\n{"prompt": }\n]')
    with pytest.raises(DataError, match=r"a\.json:3: invalid JSON"):
        load_dataset({"path": "a.json"}, tmp_path)


# ---- sampler ------------------------------------------------------------------------------------------------------

def records(prefix, n):
    return [PromptRecord(prompt=f"{prefix}{i}", reference=None, columns={}, source=f"{prefix}:{i}") for i in range(n)]


def test_sampler_resume_is_exact():
    data, weights = [records("a", 7), records("b", 5)], [2.0, 1.0]
    whole = PromptSampler(data, weights, seed=3, shuffle=True)
    expected = [r.prompt for _ in range(10) for r in whole.next_batch(6)]

    first = PromptSampler(data, weights, seed=3, shuffle=True)
    got = [r.prompt for _ in range(4) for r in first.next_batch(6)]
    state = json.loads(json.dumps(first.state_dict()))  # as a checkpoint stores it
    resumed = PromptSampler(data, weights, seed=999, shuffle=False)  # state wins over constructor seed/shuffle
    resumed.load_state_dict(state)
    got += [r.prompt for _ in range(6) for r in resumed.next_batch(6)]
    assert got == expected
    assert resumed.epoch == pytest.approx(60 / 12)


def test_sampler_mixing_proportions_follow_weights():
    s = PromptSampler([records("a", 10), records("b", 10), records("c", 3)], [3, 1, 1], seed=0, shuffle=True)
    counts = Counter(r.prompt[0] for r in s.next_batch(5000))
    assert counts["a"] / 5000 == pytest.approx(0.6, abs=0.03)
    assert counts["b"] / 5000 == pytest.approx(0.2, abs=0.03)
    assert counts["c"] / 5000 == pytest.approx(0.2, abs=0.03)


def test_sampler_epochs_shuffle_and_order():
    s = PromptSampler([records("a", 8)], [1], seed=1, shuffle=True)
    e1, e2 = [r.prompt for r in s.next_batch(8)], [r.prompt for r in s.next_batch(8)]
    assert sorted(e1) == sorted(e2) == sorted(f"a{i}" for i in range(8))  # each record once per epoch
    assert e1 != e2 and s.epoch == 2.0 and len(s) == 8
    other = PromptSampler([records("a", 8)], [1], seed=2, shuffle=True)
    assert [r.prompt for r in other.next_batch(8)] != e1
    plain = PromptSampler([records("a", 3)], [1], seed=1, shuffle=False)
    assert [r.prompt for r in plain.next_batch(5)] == ["a0", "a1", "a2", "a0", "a1"]


def test_sampler_refuses_a_state_from_other_data():
    s = PromptSampler([records("a", 4)], [1], seed=0, shuffle=True)
    s.next_batch(3)
    with pytest.raises(ValueError, match=r"sizes \[4\].*now has sizes \[5\]"):
        PromptSampler([records("a", 5)], [1], seed=0, shuffle=True).load_state_dict(s.state_dict())
    with pytest.raises(ValueError, match="weight"):
        PromptSampler([records("a", 4)], [0], seed=0, shuffle=True)


# ---- rendering ----------------------------------------------------------------------------------------------------

@pytest.fixture
def chat_tokenizer():
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    raw = Tokenizer(models.WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
    raw.pre_tokenizer = pre_tokenizers.Whitespace()
    tok = PreTrainedTokenizerFast(tokenizer_object=raw, unk_token="[UNK]")
    tok.chat_template = ("{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}\n{% endfor %}"
                         "{% if add_generation_prompt %}<|assistant|>{% endif %}")
    return tok


def test_render_with_and_without_chat_template(chat_tokenizer):
    rec = PromptRecord(prompt="2+2?", reference="4", columns={}, source="x:1")
    cfg = {"system_prompt": "Think first.", "chat_template": "auto"}
    assert render_prompt(rec, chat_tokenizer, cfg) == "<|system|>Think first.\n<|user|>2+2?\n<|assistant|>"
    assert render_prompt(rec, chat_tokenizer, {**cfg, "chat_template": "never"}) == "Think first.\n2+2?"
    chat_tokenizer.chat_template = None
    assert render_prompt(rec, chat_tokenizer, cfg) == "Think first.\n2+2?"
    assert render_prompt(rec, chat_tokenizer, {"chat_template": "auto"}) == "2+2?"
    with pytest.raises(DataError, match="'always' but the tokenizer has no chat template"):
        render_prompt(rec, chat_tokenizer, {**cfg, "chat_template": "always"})
    conv = PromptRecord(prompt=[{"role": "user", "content": "Hi"}], reference=None, columns={}, source="x:2")
    assert render_prompt(conv, chat_tokenizer, cfg) == "System: Think first.\nUser: Hi\nAssistant:"


def test_render_keeps_a_records_own_system_turn_and_continues_prefill(chat_tokenizer):
    conv = PromptRecord(prompt=[{"role": "system", "content": "Own."}, {"role": "user", "content": "Hi"},
                                {"role": "assistant", "content": "<think>"}], reference=None, columns={}, source="")
    out = render_prompt(conv, chat_tokenizer, {"system_prompt": "Config.", "chat_template": "always"})
    assert out == "<|system|>Own.\n<|user|>Hi\n<|assistant|><think>"
