"""PPO's critic (rlstudio.models.value_head): one value per position from a backbone + scalar head, equal to what TRL's
get_reward computes with the same model; initialised from the policy or a reward model; saved and loaded exactly."""
from __future__ import annotations

import warnings

import pytest
import torch

from rlstudio.models.value_head import Critic, SharedValueHead, hidden_size_of
from rlstudio.models.tiny import tiny_model_dir


def _sequences(pad: int):
    """Right-padded prompt + completion rows, as TRL's PPO feeds its value model."""
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(10, 200, (3, 9), generator=g)
    ids[1, 6:] = pad
    ids[2, 4:] = pad
    mask = (ids != pad).long()
    return ids, mask, (mask.cumsum(1) - mask).clamp(min=0)


def test_critic_from_policy_matches_trl_get_reward():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from trl.experimental.utils import get_reward
    torch.manual_seed(0)
    critic = Critic.load(tiny_model_dir(), "cpu", torch.float32)
    assert not critic.head.weight.any()  # a new head starts at V = 0, so its noise is not advantage noise
    pad = critic.model.config.pad_token_id
    ids, mask, pos = _sequences(pad)
    with torch.no_grad():
        critic.head.weight.normal_()  # as after some training
        ours = critic.values(ids.masked_fill(mask == 0, 0), mask, pos)
        full, final, lengths = get_reward(critic.model, ids, pad, context_length=3)
    assert torch.allclose(ours, full.squeeze(-1), atol=1e-6)
    assert torch.allclose(ours[torch.arange(3), lengths], final, atol=1e-6)
    assert ours.std() > 0  # a value per position, not one constant

    # the backbone is the policy's (its embedding table), the head is new
    from transformers import AutoModelForCausalLM

    policy = AutoModelForCausalLM.from_pretrained(tiny_model_dir())
    assert torch.equal(critic.backbone.embed_tokens.weight, policy.model.embed_tokens.weight)
    assert critic.head.weight.shape == (1, hidden_size_of(policy))


def test_critic_saves_and_loads_exactly_head_included(tmp_path):
    torch.manual_seed(1)
    critic = Critic.load(tiny_model_dir(), "cpu", torch.float32)
    with torch.no_grad():
        critic.head.weight.normal_()  # a trained head, not the fresh one a reload would draw again
    critic.save(tmp_path / "critic")
    torch.manual_seed(2)  # a different draw for any newly initialised weight
    again = Critic.load(tmp_path / "critic", "cpu", torch.float32)
    pad = critic.model.config.pad_token_id
    ids, mask, pos = _sequences(pad)
    with torch.no_grad():
        assert torch.equal(critic.values(ids, mask, pos), again.values(ids, mask, pos))
    for (name, a), (_, b) in zip(critic.state_dict().items(), again.state_dict().items()):
        assert torch.equal(a, b), name


def test_critic_needs_one_output(tmp_path):
    from transformers import AutoModelForSequenceClassification

    two = AutoModelForSequenceClassification.from_pretrained(tiny_model_dir(), num_labels=2)
    with pytest.raises(ValueError, match="num_labels=2"):
        Critic(two)


def test_shared_value_head_round_trip(tmp_path):
    from transformers import AutoModelForCausalLM

    policy = AutoModelForCausalLM.from_pretrained(tiny_model_dir())
    torch.manual_seed(3)
    head = SharedValueHead(hidden_size_of(policy))
    assert not head.linear.weight.any() and not head.linear.bias.any()
    ids, mask, pos = _sequences(policy.config.pad_token_id)
    with torch.no_grad():
        head.linear.weight.normal_()
        head.linear.bias.normal_()
        out = policy(input_ids=ids, attention_mask=mask, position_ids=pos, output_hidden_states=True)
        values = head(out.hidden_states[-1])
        assert values.shape == ids.shape
        # a learned projection of the last hidden state, not a statistic of the logits
        assert not torch.allclose(values, out.logits.mean(-1))
        head.save(tmp_path / "head")
        torch.manual_seed(4)
        again = SharedValueHead.load(tmp_path / "head", "cpu")
        assert torch.equal(again(out.hidden_states[-1]), values)
    (tmp_path / "bad").mkdir()
    with pytest.raises(ValueError, match="not a saved value head"):
        SharedValueHead.load(tmp_path / "bad", "cpu")
