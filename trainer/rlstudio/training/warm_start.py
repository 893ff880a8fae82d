"""Optional supervised warm start before RL (config block `warm_start`).

Targets come from a dataset column (completion_field). Text between the mask markers (default [[ ]]) stays in the
sequence as context but is excluded from the loss, so a warm start can teach a format without teaching answers.
"""
from __future__ import annotations

import torch

from rlstudio.user_errors import UserError


class WarmStartError(UserError, ValueError):
    pass


def split_masked(target: str, markers: list[str]) -> list[tuple[str, bool]]:
    """Split a target into (text, trained) pieces; marker spans are untrained and the markers removed."""
    start, end = markers
    pieces, rest = [], target
    while True:
        i = rest.find(start)
        if i < 0:
            pieces.append((rest, True))
            return [(t, trained) for t, trained in pieces if t]
        j = rest.find(end, i + len(start))
        if j < 0:
            raise WarmStartError(f"unclosed mask marker {start!r} in warm-start target: {target!r}")
        pieces.append((rest[:i], True))
        pieces.append((rest[i + len(start):j], False))
        rest = rest[j + len(end):]


def encode_example(tokenizer, prompt: str, target: str, markers: list[str], max_prompt_length: int | None) -> tuple[list[int], list[int]]:
    """Token ids of prompt + target + EOS and a label mask (1 = trained)."""
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    if max_prompt_length:
        prompt_ids = prompt_ids[-max_prompt_length:]
    ids, labels = list(prompt_ids), [0] * len(prompt_ids)
    for text, trained in split_masked(target, markers):
        piece = tokenizer(text, add_special_tokens=False)["input_ids"]
        ids += piece
        labels += [1 if trained else 0] * len(piece)
    ids.append(tokenizer.eos_token_id)
    labels.append(1)
    return ids, labels


def collate(examples: list[tuple[list[int], list[int]]], pad_id: int, device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Right-padded ids, attention mask, label mask."""
    width = max(len(ids) for ids, _ in examples)
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    att = torch.zeros((len(examples), width), dtype=torch.long)
    lab = torch.zeros((len(examples), width), dtype=torch.long)
    for i, (row, labels) in enumerate(examples):
        ids[i, : len(row)] = torch.tensor(row)
        att[i, : len(row)] = 1
        lab[i, : len(row)] = torch.tensor(labels)
    return ids.to(device), att.to(device), lab.to(device)


def supervised_loss(model, ids: torch.Tensor, att: torch.Tensor, lab: torch.Tensor) -> tuple[torch.Tensor, int]:
    """Mean next-token cross-entropy over trained target tokens."""
    logits = model(input_ids=ids, attention_mask=att, use_cache=False).logits[:, :-1].float()
    targets = ids[:, 1:]
    weight = lab[:, 1:].float()
    nll = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1), reduction="none")
    n = int(weight.sum().item())
    return (nll * weight.reshape(-1)).sum() / max(n, 1), n


def warm_start_examples(datasets, ws_cfg: dict, data_cfg: dict, tokenizer,
                        chat_template_kwargs: dict | None = None) -> list[tuple[list[int], list[int]]]:
    from rlstudio.data.datasets import render_prompt

    field = ws_cfg["completion_field"]
    out = []
    for records in datasets:
        for r in records:
            target = r.columns.get(field)
            if target is None:
                continue
            if not isinstance(target, str):
                raise WarmStartError(f"{r.source}: warm_start.completion_field '{field}' must be a string, got {type(target).__name__}")
            try:
                out.append(encode_example(tokenizer, render_prompt(r, tokenizer, data_cfg, chat_template_kwargs), target, ws_cfg["mask_markers"],
                                          data_cfg.get("max_prompt_length")))
            except WarmStartError as e:
                raise WarmStartError(f"{r.source}: {e}") from None
    if not out:
        raise WarmStartError(f"warm_start.steps > 0 but no training record has the column '{field}' "
                             f"(warm_start.completion_field); add it to the dataset or set warm_start.steps to 0")
    return out


def run_warm_start(model, tokenizer, datasets, ws_cfg: dict, data_cfg: dict, ctx, events, seed: int, stop,
                   chat_template_kwargs: dict | None = None) -> None:
    """A few supervised steps with their own AdamW (discarded afterwards). Every rank uses the same examples, so
    under DDP the averaged gradients equal one process's."""
    import random
    import time

    from rlstudio.outputs.progress import Progress

    examples = warm_start_examples(datasets, ws_cfg, data_cfg, tokenizer, chat_template_kwargs)
    rng = random.Random(seed + 7919)
    steps, bs = ws_cfg["steps"], ws_cfg["batch_size"]
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=ws_cfg["learning_rate"], weight_decay=0.0)
    events.phase("warm_start", "started", step=0, steps=steps)
    progress = Progress(steps, "warm_start", ctx.is_main)
    model.train()
    t0 = time.time()
    loss_value = float("nan")
    for s in range(1, steps + 1):
        batch = [examples[rng.randrange(len(examples))] for _ in range(bs)]
        ids, att, lab = collate(batch, tokenizer.pad_token_id, ctx.device)
        loss, n_tok = supervised_loss(model, ids, att, lab)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if ctx.world_size > 1:
            from rlstudio.training.distributed import all_reduce_sum

            for p in params:
                if p.grad is not None:
                    p.grad.copy_(all_reduce_sum(ctx, p.grad) / ctx.world_size)
        grad_norm = torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        loss_value = float(loss.detach())
        metrics = {"loss": loss_value, "grad_norm": float(grad_norm), "learning_rate": ws_cfg["learning_rate"],
                   "num_tokens": float(n_tok), "step_time": (time.time() - t0) / s}
        if s % 10 == 0 or s == steps:
            events.metrics(s, metrics, phase="warm_start")
            progress.update(s, metrics, keys=("loss",))
    opt.zero_grad(set_to_none=True)
    del opt
    # phase events carry the RL step (0: the warm start precedes RL); warm_start metrics events count their own steps
    events.phase("warm_start", "finished", step=0, steps=steps, metrics={"loss": loss_value})
