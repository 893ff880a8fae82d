import os
import sys
from pathlib import Path

# the CPU is shared with other test layers: one intra-op thread is faster than two fighting for cores
os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402

torch.set_num_threads(1)

import pytest  # noqa: E402


@pytest.fixture(scope="module")
def varied_model(tmp_path_factory):
    """The tiny model with its weights scrambled: the untrained tiny model repeats one token, which would let a
    decoder that mixes up positions or the cache still match; this one answers with varied tokens."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from rlstudio.models.tiny import tiny_model_dir

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir())
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.5)
    folder = tmp_path_factory.mktemp("varied")
    model.save_pretrained(folder)
    AutoTokenizer.from_pretrained(tiny_model_dir()).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def scrambled_tiny():
    """(model, tokenizer): the tiny model with varied weights (the untrained model's log-probs are nearly uniform)."""
    from transformers import AutoModelForCausalLM

    from rlstudio.models.policy import load_tokenizer
    from rlstudio.models.tiny import tiny_model_dir

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir())
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.3)
    return model, load_tokenizer(str(tiny_model_dir()))
