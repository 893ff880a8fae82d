"""A small generated finance Q&A set in seed 000's {query, context, reference} shape, for the financial_advice demo.

Questions combine a company, a question type and an investor profile; English and Chinese records alternate. The
reference answers are written the way the financial_advice reward likes them (terms, risks, a reasoned
recommendation, diversification), so the set also shows what a good answer looks like. Train and eval prompts
(context + query) are disjoint.
"""

from __future__ import annotations

import json
import random
from itertools import product
from pathlib import Path

# (English name, Chinese name, sector EN, sector ZH, main risk EN, main risk ZH)
COMPANIES = [
    ("TSMC", "台積電", "semiconductor foundry", "晶圓代工", "customer concentration and geopolitical tension", "客戶集中與地緣政治"),
    ("Foxconn", "鴻海", "electronics manufacturing", "電子代工", "thin margins and customer concentration", "毛利率偏低與客戶集中"),
    ("MediaTek", "聯發科", "chip design", "IC設計", "smartphone demand cycles", "手機需求循環"),
    ("Apple", "蘋果", "consumer electronics", "消費電子", "slowing iPhone upgrades and regulation", "換機放緩與監管"),
    ("Microsoft", "微軟", "enterprise software and cloud", "企業軟體與雲端", "high valuation and cloud competition", "估值偏高與雲端競爭"),
    ("Toyota", "豐田", "automobiles", "汽車", "the shift to electric vehicles and currency swings", "電動車轉型與匯率波動"),
    ("Nestle", "雀巢", "consumer staples", "民生消費", "input cost inflation and slow growth", "原物料通膨與成長放緩"),
    ("JPMorgan", "摩根大通", "banking", "銀行", "credit losses in a recession and interest rate changes", "景氣衰退的信用損失與利率變化"),
    ("ExxonMobil", "埃克森美孚", "oil and gas", "石油與天然氣", "oil price swings and the energy transition", "油價波動與能源轉型"),
    ("Chunghwa Telecom", "中華電信", "telecommunications", "電信", "regulated pricing and low growth", "價格管制與低成長"),
    ("Cathay Financial", "國泰金", "insurance and banking", "保險與銀行", "interest rate and investment-portfolio risk", "利率與投資部位風險"),
    ("Largan", "大立光", "optical components", "光學元件", "dependence on a few smartphone customers", "依賴少數手機客戶"),
]

QUESTIONS = [
    ("Analyse the investment value of {c}.", "分析{c}的投資價值", "investment value"),
    ("How should I assess the financial health of {c}?", "如何評估{c}的財務狀況", "financial health"),
    ("What are the main risks of investing in {c}?", "投資{c}的主要風險是什麼", "risk"),
    ("Is {c} a good dividend stock?", "{c}適合作為存股標的嗎", "dividend"),
    ("Is {c} overvalued at its current price?", "{c}目前的估值是否過高", "valuation"),
    ("How much of my portfolio should I put in {c}?", "我的投資組合應該配置多少{c}", "allocation"),
]

PROFILES = [
    ("long-term investor", "長期投資人"),
    ("retiree seeking income", "追求穩定收入的退休族"),
    ("young investor with high risk tolerance", "風險承受度高的年輕投資人"),
    ("conservative saver", "保守型存款族"),
]

_FOCUS_EN = {
    "investment value": "revenue growth, profit margins, free cash flow and valuation (P/E ratio) against peers",
    "financial health": "the balance sheet: debt and leverage, liquidity, free cash flow and return on equity",
    "risk": "the risks first: {risk}, plus market volatility and possible earnings downside",
    "dividend": "the dividend yield, the payout ratio and whether free cash flow covers the dividend",
    "valuation": "the P/E ratio and cash flow yield against its own history and its peers",
    "allocation": "position size: a single stock should usually stay a modest share of a portfolio",
}
_FOCUS_ZH = {
    "investment value": "營收成長、毛利率、自由現金流與本益比估值",
    "financial health": "資產負債表：負債比率、流動性、現金流與股東權益報酬率",
    "risk": "主要風險：{risk}，以及市場波動與獲利下修的可能",
    "dividend": "殖利率、配息率，以及現金流能否支撐股利",
    "valuation": "本益比與現金流相對歷史區間與同業的位置",
    "allocation": "部位大小：單一個股通常只應佔投資組合的一小部分",
}


def _reference_en(company, sector, risk, kind, profile) -> str:
    focus = _FOCUS_EN[kind].format(risk=risk)
    return (
        f"{company} is a major {sector} company. Look at {focus}. The main risks are {risk}, and the share price "
        f"can be volatile. For a {profile}, I would suggest considering a gradual position built in stages, "
        f"because timing the market is hard, and keeping it within a diversified portfolio with regular rebalancing. "
        f"Past performance does not guarantee future returns, so invest only what you can afford to lose."
    )


def _reference_zh(company, sector, risk, kind, profile) -> str:
    focus = _FOCUS_ZH[kind].format(risk=risk)
    return (
        f"{company}是{sector}產業的重要公司。評估時應關注{focus}。主要風險包括{risk}，股價也可能大幅波動。"
        f"對於{profile}，建議考慮分批布局，因為進場時點難以預測，並透過資產配置分散投資、定期再平衡。"
        f"投資有風險，過去績效不代表未來表現，請依自身風險承受度謹慎評估。"
    )


def _all_records() -> list[dict]:
    records = []
    for (en, zh, sec_en, sec_zh, risk_en, risk_zh), (q_en, q_zh, kind), (p_en, p_zh) in product(
        COMPANIES, QUESTIONS, PROFILES
    ):
        records.append({
            "query": q_en.format(c=en),
            "context": f"Equity analysis for a {p_en}",
            "reference": _reference_en(en, sec_en, risk_en, kind, p_en),
            "language": "en",
            "topic": kind,
        })
        records.append({
            "query": q_zh.format(c=zh),
            "context": f"個股分析（{p_zh}）",
            "reference": _reference_zh(zh, sec_zh, risk_zh, kind, p_zh),
            "language": "zh",
            "topic": kind,
        })
    return records


def _write_jsonl(path: Path, records: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def write_finance_demo(out_dir: Path, n: int = 100, seed: int = 0) -> dict:
    """Write out_dir/train.jsonl (n records) and out_dir/eval.jsonl (max(10, n // 5) records, disjoint prompts).

    Returns {"train": Path, "eval": Path, "train_count": int, "eval_count": int}.
    """
    pool = _all_records()
    n_eval = max(10, n // 5)
    if n < 1 or n + n_eval > len(pool):
        raise ValueError(f"n must be between 1 and {len(pool) - n_eval} (the generator knows {len(pool)} questions)")
    random.Random(seed).shuffle(pool)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    train, evaluation = pool[:n], pool[n:n + n_eval]
    paths = {"train": out_dir / "train.jsonl", "eval": out_dir / "eval.jsonl"}
    _write_jsonl(paths["train"], train)
    _write_jsonl(paths["eval"], evaluation)
    return {**paths, "train_count": len(train), "eval_count": len(evaluation)}
