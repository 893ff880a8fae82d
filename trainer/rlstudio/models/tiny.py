"""The built-in tiny model ("builtin:tiny"): a small Llama-architecture causal LM with a locally built tokenizer.

Nothing is downloaded. The model and tokenizer are written once to a cache folder with save_pretrained and then
loaded with AutoModelForCausalLM / AutoTokenizer like any Hugging Face model, so the tests and the demo exercise
the same code path as real models.

The tokenizer is WordPiece: the demo's words and the numbers 0-199 are single tokens, and any other text falls back
to single characters, so every prompt can be encoded (unknown words cost more tokens, they never become [UNK]).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import string
import tempfile
from pathlib import Path

BUILTIN_PREFIX = "builtin:"
TINY_VERSION = "2"
TAG_TOKENS = ["<think>", "</think>", "<answer>", "</answer>"]
SPECIAL_TOKENS = ["<pad>", "<eos>", "[UNK]"] + TAG_TOKENS

# Words of the arithmetic demo (rlstudio.demo.arithmetic) and common English/finance words: whole tokens.
COMMON_WORDS = """
a an the and or but if then so of to in on at for with by from as is are was were be been has have had do does did
not no yes it its this that these those there here what which who how many much more less most least than each every
now then now? left total altogether after before gets get got gives give gave finds find found buys buy bought eats
eat ate loses lose lost sells sell sold receives receive received takes take took makes make made picks pick picked
collects collect collected adds add added keeps keep kept uses use used spends spend spent has have away some
question answer think reasoning final number only step problem solve write put tags between inside
apples pears plums cherries lemons oranges grapes peaches mangoes melons figs kiwis berries carrots potatoes
books pens pencils crayons stickers cards coins stamps marbles shells stones buttons balloons cookies cupcakes muffins
candies toys blocks beads ribbons flowers seeds rocks shoes hats socks cups plates bowls spoons forks keys bells
ann ben cara dan eva finn gus hana ivan jade kai lena max nora omar pia quinn rosa sam tara uma vic wes xena yuri zoe
leo mia tom lily noah emma liam ava owen ella jack ruby sara eli ida ned
mom dad friend teacher sister brother grandma grandpa neighbor
bag box basket jar shelf table garden store market school park
invest investment investing investor stock stocks bond bonds fund funds etf index portfolio risk risks return returns
diversify diversification diversified money savings save saving interest rate rates inflation market markets price
prices profit loss losses guaranteed guarantee safe high low long short term years year month months percent
should would could can may might will advice financial plan retirement emergency budget debt credit tax taxes
consider recommend recommendation however because volatility volatile asset assets allocation cash account fee fees
you your i my we our they their he she his her them me us
""".split()


def _vocab() -> list[str]:
    words = []
    seen = set(SPECIAL_TOKENS)
    for w in [str(n) for n in range(200)] + COMMON_WORDS:
        for v in (w, w.capitalize()):
            if v not in seen:
                seen.add(v)
                words.append(v)
    chars = [c for c in string.printable if not c.isspace()]
    pieces = []
    for c in chars:
        for v in (c, "##" + c):
            if v not in seen:
                seen.add(v)
                pieces.append(v)
    return SPECIAL_TOKENS + words + pieces


def default_cache_root() -> Path:
    base = os.environ.get("RLSTUDIO_CACHE") or os.path.join(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "rlstudio")
    return Path(base)


def model_spec() -> dict:
    return {
        "version": TINY_VERSION,
        "hidden_size": 128,
        "intermediate_size": 384,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "max_position_embeddings": 512,
        "init_seed": 0,
    }


def tiny_model_dir(cache_root: Path | None = None) -> Path:
    """Build the tiny model once (atomically) and return its folder."""
    return built_model_dir("tiny", model_spec(), _vocab(), cache_root)


def wide_vocab_model_dir(vocab_size: int = 32768, cache_root: Path | None = None) -> Path:
    """The tiny model's tokenizer padded with unused tokens to vocab_size, on a slightly wider Llama (random
    weights): the shape benchmarks use to expose what scales with the vocabulary (log-softmax, entropy, sampling)."""
    vocab = _vocab()
    vocab += [f"[unused{i}]" for i in range(vocab_size - len(vocab))]
    spec = {**model_spec(), "hidden_size": 256, "intermediate_size": 768, "num_attention_heads": 4}
    return built_model_dir(f"vocab{vocab_size}", spec, vocab, cache_root)


def built_model_dir(name: str, spec: dict, vocab: list[str], cache_root: Path | None = None) -> Path:
    """Build a model of this spec and vocabulary once (atomically) and return its folder."""
    digest = hashlib.sha256(json.dumps([spec, vocab]).encode()).hexdigest()[:12]
    root = Path(cache_root) if cache_root else default_cache_root()
    target = root / f"{name}-{digest}"
    if (target / "config.json").exists() and (target / "tokenizer.json").exists():
        return target
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tiny-", dir=root))
    try:
        _build(tmp, spec, vocab)
        try:
            os.rename(tmp, target)
        except OSError:
            # Another process built it first; theirs is identical.
            if not (target / "config.json").exists():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def build_tokenizer(vocab: list[str]):
    from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordPiece({t: i for i, t in enumerate(vocab)}, unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation("isolated")])
    tok.decoder = decoders.WordPiece(prefix="##", cleanup=False)
    # The tags are ordinary (non-special) added tokens: matched whole before pre-tokenisation, and kept by
    # decode(skip_special_tokens=True), which reward functions rely on.
    tok.add_tokens([AddedToken(t, special=False, normalized=False) for t in TAG_TOKENS])
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token="<eos>",
        pad_token="<pad>",
        unk_token="[UNK]",
    )
    fast.padding_side = "left"
    return fast


def _build(folder: Path, spec: dict, vocab: list[str]) -> None:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = build_tokenizer(vocab)
    config = LlamaConfig(
        vocab_size=len(vocab),
        hidden_size=spec["hidden_size"],
        intermediate_size=spec["intermediate_size"],
        num_hidden_layers=spec["num_hidden_layers"],
        num_attention_heads=spec["num_attention_heads"],
        num_key_value_heads=spec["num_attention_heads"],
        max_position_embeddings=spec["max_position_embeddings"],
        tie_word_embeddings=True,
        bos_token_id=None,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        initializer_range=0.02,
    )
    devnull_rng = torch.random.get_rng_state()
    torch.manual_seed(spec["init_seed"])
    model = LlamaForCausalLM(config)
    torch.random.set_rng_state(devnull_rng)  # building the model must not disturb the caller's RNG stream
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    (folder / "rlstudio-tiny.json").write_text(json.dumps({"spec": spec, "note": "built locally by rlstudio.models.tiny"}, indent=2))


def resolve_builtin(name_or_path: str) -> str:
    """Map builtin:<name> to a local folder; other names pass through."""
    if not name_or_path.startswith(BUILTIN_PREFIX):
        return name_or_path
    name = name_or_path[len(BUILTIN_PREFIX):]
    if name != "tiny":
        raise ValueError(f"unknown built-in model {name_or_path!r} (available: builtin:tiny)")
    return str(tiny_model_dir())
