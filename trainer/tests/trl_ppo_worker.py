"""Runs TRL's own PPO code on given tensors: `python trl_ppo_worker.py IN.pt OUT.pt`, with PYTHONPATH pointing at
TRL 1.12.0 (the last release that ships trl.experimental.ppo; bootstrap.sh installs it into .venv/trl-ppo-reference,
beside the TRL 1.16 the project uses). A separate process, because the two TRL versions cannot share one interpreter.

Besides TRL's module-level functions (masked_mean / masked_var / masked_whiten, truncate_response,
first_true_indices), the blocks of PPOTrainer.train that compute the penalised rewards, GAE, whitening, the losses
and the objective metrics are cut out of TRL's installed source and executed as they are, with only the optimizer and
accelerator stood in (backward / step are not what is compared)."""
from __future__ import annotations

import inspect
import sys
import textwrap
from types import SimpleNamespace

import torch


def train_block(source: str, first: str, last: str) -> str:
    """The lines of `source` from the first one that starts with `first` to the next that starts with `last`."""
    lines = source.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(first))
    end = next(i for i in range(start, len(lines)) if lines[i].strip().startswith(last))
    return textwrap.dedent("\n".join(lines[start:end + 1]))


class _NoOp:
    def __getattr__(self, name):
        return lambda *a, **k: None


def main(in_path: str, out_path: str) -> None:
    """IN.pt: a list of cases; OUT.pt: a list of results, one per case."""
    torch.save([run_case(case) for case in torch.load(in_path, weights_only=True)], out_path)


def run_case(case: dict) -> dict:
    import trl
    from trl.experimental.ppo import ppo_trainer as ppo
    from trl.experimental.utils import first_true_indices

    source = inspect.getsource(ppo.PPOTrainer.train)
    args = SimpleNamespace(**case["args"])
    out = {"trl_version": trl.__version__}

    # the module-level helpers
    x, m = case["x"], case["mask"]
    out["masked_mean"] = ppo.masked_mean(x, m)
    out["masked_mean_axis1"] = ppo.masked_mean(x, m, axis=1)
    out["masked_var"] = ppo.masked_var(x, m)
    out["masked_var_biased"] = ppo.masked_var(x, m, unbiased=False)
    out["masked_whiten"] = ppo.masked_whiten(x, m)
    out["masked_whiten_keep_mean"] = ppo.masked_whiten(x, m, shift_mean=False)

    # rollout post-processing (steps 1-2 of train), then steps 3-6 as TRL's source has them
    responses = case["responses"]
    postprocessed_responses = ppo.truncate_response(args.stop_token_id, args.pad_token_id, responses)
    sequence_lengths = first_true_indices(postprocessed_responses == args.pad_token_id) - 1
    out["postprocessed_responses"], out["sequence_lengths"] = postprocessed_responses, sequence_lengths
    ns = dict(torch=torch, masked_whiten=ppo.masked_whiten, masked_mean=ppo.masked_mean,
              INVALID_LOGPROB=ppo.INVALID_LOGPROB, args=args,
              self=SimpleNamespace(args=args, processing_class=SimpleNamespace(eos_token_id=args.eos_token_id)),
              responses=responses, postprocessed_responses=postprocessed_responses, sequence_lengths=sequence_lengths,
              logprobs=case["logprobs"].clone(), ref_logprobs=case["ref_logprobs"].clone(),
              scores=case["scores"].clone(), values=case["values"].clone())
    exec(train_block(source, "contain_eos_token = torch.any(", "advantages = torch.masked_fill(advantages"), ns)
    for k in ("scores", "kl", "non_score_reward", "rewards", "advantages", "returns", "padding_mask", "padding_mask_p1",
              "values", "logprobs"):
        out[k] = ns[k]

    # one micro-batch of the PPO loss (the whole batch), as TRL's mini-batch loop computes it
    shape = (1, 1, 1)
    stats = {k: torch.zeros(shape) for k in ("approxkl_stats", "pg_clipfrac_stats", "pg_loss_stats", "vf_loss_stats",
                                              "vf_clipfrac_stats", "entropy_stats", "ratio_stats")}
    all_rows = torch.arange(responses.size(0))
    ns.update(stats, selective_log_softmax=ppo.selective_log_softmax, output=SimpleNamespace(logits=case["logits"].clone()),
              vpred_temp=case["vpred_temp"].clone(), context_length=case["context_length"], micro_batch_inds=all_rows,
              mb_advantage=ns["advantages"], mb_responses=responses, mb_logprobs=ns["logprobs"], mb_return=ns["returns"],
              mb_values=ns["values"], accelerator=_NoOp(), optimizer=_NoOp(), ppo_epoch_idx=0, minibatch_idx=0,
              gradient_accumulation_idx=0)
    exec(train_block(source, "logits = output.logits[:, context_length - 1 : -1]",
                     "ratio_stats[ppo_epoch_idx, minibatch_idx, gradient_accumulation_idx]"), ns)
    for k in ("new_logprobs", "vpred", "pg_loss", "vf_loss", "pg_clipfrac", "vf_clipfrac", "approxkl", "entropy", "ratio"):
        out[k] = ns[k].detach()

    # the objective metrics of the update
    exec(train_block(source, "mean_kl = kl.sum(1).mean()", "rlhf_reward = mean_non_score_reward"), ns)
    for k in ("mean_kl", "mean_entropy", "mean_non_score_reward", "rlhf_reward"):
        out[k] = ns[k]
    return out


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
