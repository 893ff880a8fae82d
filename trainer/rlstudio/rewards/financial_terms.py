"""Vocabulary of the financial-advice reward (seed 000), in English and Chinese (traditional and simplified forms).

ASCII terms match as whole words (case-insensitive); CJK terms match as substrings.
"""

FINANCIAL_TERMS = [
    "revenue", "earnings", "profit margin", "gross margin", "operating margin", "valuation", "p/e", "price-to-earnings",
    "cash flow", "free cash flow", "dividend", "balance sheet", "debt", "leverage", "roe", "return on equity", "eps",
    "interest rate", "inflation", "liquidity", "market share", "portfolio", "asset allocation", "fundamentals",
    "yield", "bond", "equity", "etf", "index fund", "capital expenditure", "competitive advantage", "moat",
    "營收", "营收", "獲利", "获利", "本益比", "市盈率", "現金流", "现金流", "股息", "股利", "資產負債", "资产负债",
    "負債", "负债", "毛利率", "殖利率", "估值", "利率", "通膨", "通胀", "流動性", "流动性", "市佔率", "市占率",
    "投資組合", "投资组合", "資產配置", "资产配置", "基本面", "債券", "债券", "每股盈餘", "每股收益", "護城河", "护城河",
]

RISK_TERMS = [
    "risk", "risks", "volatility", "volatile", "downside", "uncertainty", "drawdown", "loss", "losses", "recession",
    "regulatory", "competition", "cyclical",
    "風險", "风险", "波動", "波动", "不確定", "不确定", "虧損", "亏损", "下跌", "衰退", "監管", "监管", "競爭", "竞争",
]

RISK_WARNINGS = [
    "past performance", "not financial advice", "afford to lose", "do your own research", "financial advisor",
    "financial adviser", "could lose", "may lose", "might lose", "risk tolerance", "invest responsibly",
    "投資有風險", "投资有风险", "過去績效", "过去业绩", "過往表現", "过往表现", "諮詢", "咨询", "風險承受", "风险承受",
    "謹慎", "谨慎",
]

DIVERSIFICATION = [
    "diversify", "diversified", "diversification", "spread your investments", "spread the risk", "asset allocation",
    "rebalance", "rebalancing", "all your eggs",
    "分散投資", "分散投资", "分散風險", "分散风险", "資產配置", "资产配置", "雞蛋", "鸡蛋", "再平衡",
]

RECOMMENDATIONS = [
    "recommend", "suggest", "consider", "buy", "sell", "hold", "accumulate", "trim", "overweight", "underweight",
    "avoid", "wait",
    "建議", "建议", "考慮", "考虑", "買入", "买入", "賣出", "卖出", "持有", "加碼", "加码", "減碼", "减码", "觀望", "观望",
]

REASONING = [
    "because", "since", "due to", "given that", "as a result", "therefore", "thus", "which means",
    "因為", "因为", "由於", "由于", "所以", "因此", "導致", "导致",
]

ACTIONS = [
    "allocate", "stop-loss", "stop loss", "rebalance", "position size", "dollar-cost", "gradually", "in stages",
    "monitor", "review", "set a limit", "entry point",
    "分批", "停損", "止损", "定期定額", "定投", "部位", "倉位", "仓位", "追蹤", "跟踪", "檢視", "检视",
]

CONNECTIVES = [
    "however", "therefore", "first", "second", "finally", "in addition", "moreover", "overall", "on the other hand",
    "但是", "然而", "因此", "首先", "其次", "最後", "最后", "此外", "另外", "總體", "总体",
]

# absolute claims that the seed penalises; a negation just before the phrase ("there is no risk-free ...") is exempt
ABSOLUTE_CLAIMS = [
    "guaranteed profit", "guaranteed profits", "guaranteed return", "guaranteed returns", "guaranteed to",
    "risk-free", "risk free", "no risk", "zero risk", "can't lose", "cannot lose", "sure win", "sure thing",
    "100% safe", "100% return", "will definitely rise", "definitely go up", "certain to rise", "never lose",
    "保證獲利", "保证获利", "保證賺", "保证赚", "穩賺", "稳赚", "零風險", "零风险", "無風險", "无风险", "沒有風險",
    "没有风险", "一定會漲", "一定会涨", "必漲", "必涨", "包賺", "包赚", "只賺不賠", "只赚不赔",
]

NEGATIONS = ["no ", "not ", "never ", "isn't ", "is no ", "nothing is ", "沒有", "没有", "不存在", "並非", "并非", "不是"]
