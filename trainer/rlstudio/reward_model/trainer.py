"""Train a Bradley-Terry reward model on preference pairs, as TRL's RewardTrainer does (same loss, same metric names),
in its own run directory: config.json, events.jsonl (run_started, metrics, eval, checkpoint, run_finished) and the
trained model in <run>/model/, a plain AutoModelForSequenceClassification folder with its tokenizer."""
from __future__ import annotations

import math
import random
import shutil
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from rlstudio.run_directory.atomic_files import write_json_atomic
from rlstudio.outputs.events import EventWriter
from rlstudio.reward_model.pairs import TokenisedPair, load_pairs, split_pairs, tokenise_pairs

PHASE = "reward_model"


@dataclass
class PairBatch:
    input_ids: torch.Tensor  # [2N, L] the N chosen sequences, then the N rejected, right-padded
    attention_mask: torch.Tensor
    margin: torch.Tensor | None


def collate(pairs: list[TokenisedPair], pad_token_id: int, device) -> PairBatch:
    """TRL's DataCollatorForPreference: chosen rows then rejected rows, right-padded."""
    rows = [p.chosen_ids for p in pairs] + [p.rejected_ids for p in pairs]
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_token_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = torch.tensor(r, dtype=torch.long)
        mask[i, :len(r)] = 1
    margin = None
    if pairs[0].margin is not None:
        margin = torch.tensor([p.margin or 0.0 for p in pairs], dtype=torch.float, device=device)
    return PairBatch(ids.to(device), mask.to(device), margin)


def pair_rewards(model, batch: PairBatch) -> tuple[torch.Tensor, torch.Tensor]:
    logits = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask, use_cache=False).logits
    chosen, rejected = torch.chunk(logits.squeeze(-1).float(), chunks=2)
    return chosen, rejected


def bradley_terry_loss(chosen: torch.Tensor, rejected: torch.Tensor, margin: torch.Tensor | None,
                       center_rewards_coefficient: float | None) -> torch.Tensor:
    """TRL RewardTrainer.compute_loss: -log sigmoid(r_chosen - r_rejected [- margin]), plus the centring term."""
    diff = chosen - rejected if margin is None else chosen - rejected - margin
    loss = -F.logsigmoid(diff).mean()
    if center_rewards_coefficient is not None:
        loss = loss + center_rewards_coefficient * torch.mean((chosen + rejected) ** 2)
    return loss


def pair_metrics(chosen: torch.Tensor, rejected: torch.Tensor) -> dict[str, float]:
    """TRL's reward metrics of one batch."""
    chosen, rejected = chosen.detach(), rejected.detach()
    both = torch.cat([chosen, rejected])
    return {"min_reward": float(both.min()), "mean_reward": float(both.mean()), "max_reward": float(both.max()),
            "accuracy": float((chosen > rejected).float().mean()), "margin": float((chosen - rejected).mean())}


@torch.no_grad()
def evaluate(model, pairs: list[TokenisedPair], batch_size: int, pad_token_id: int, device, center) -> dict[str, float]:
    """Held-out pair accuracy and the other metrics over every held-out pair (weighted by pairs, not batches)."""
    was_training = model.training
    model.eval()
    chosen_all, rejected_all, loss_sum = [], [], 0.0
    try:
        for i in range(0, len(pairs), batch_size):
            chunk = pairs[i:i + batch_size]
            batch = collate(chunk, pad_token_id, device)
            chosen, rejected = pair_rewards(model, batch)
            loss_sum += float(bradley_terry_loss(chosen, rejected, batch.margin, center)) * len(chunk)
            chosen_all.append(chosen)
            rejected_all.append(rejected)
    finally:
        model.train(was_training)
    metrics = pair_metrics(torch.cat(chosen_all), torch.cat(rejected_all))
    return {"eval_loss": loss_sum / len(pairs), **{f"eval_{k}": v for k, v in metrics.items()}}


def _device(pref: str) -> torch.device:
    if pref == "cuda" or (pref == "auto" and torch.cuda.is_available()):
        return torch.device("cuda")
    return torch.device("cpu")


def load_model(cfg: dict, device):
    from transformers import AutoModelForSequenceClassification

    from rlstudio.models.policy import load_tokenizer, pick_dtype, quiet_transformers
    from rlstudio.models.tiny import resolve_builtin

    quiet_transformers()
    m = cfg["model"]
    source = resolve_builtin(m["name_or_path"])
    dtype = pick_dtype(m["dtype"], device)
    tokenizer = load_tokenizer(source, m["trust_remote_code"])
    model = AutoModelForSequenceClassification.from_pretrained(source, num_labels=1, dtype=dtype,
                                                               trust_remote_code=m["trust_remote_code"])
    model.config.pad_token_id = tokenizer.pad_token_id  # the classifier pools the last non-pad token
    if cfg["training"]["disable_dropout"]:
        for module in model.modules():
            if isinstance(module, torch.nn.Dropout):
                module.p = 0  # TRL's disable_dropout_in_model
    return model.to(device), tokenizer, dtype


def total_steps(t: dict, n_train: int) -> int:
    if t["max_steps"] > 0:
        return t["max_steps"]
    return max(1, math.ceil(math.ceil(n_train / t["per_device_train_batch_size"]) * t["num_train_epochs"]))


def train_reward_model(cfg: dict, run_dir: Path, config_path: str | None = None) -> int:
    """Exit code: 0 completed, 1 failed (run_finished says why). Invalid input raises before the run directory exists."""
    from transformers import get_scheduler

    t, d = cfg["training"], cfg["data"]
    train_pairs = load_pairs(d["train_file"])
    if d.get("eval_file"):
        eval_pairs = load_pairs(d["eval_file"])
    else:
        train_pairs, eval_pairs = split_pairs(train_pairs, d["eval_fraction"], t["seed"])
    random.seed(t["seed"])
    torch.manual_seed(t["seed"])
    device = _device(cfg["model"]["device"])
    model, tokenizer, dtype = load_model(cfg, device)
    train_tok, dropped = tokenise_pairs(tokenizer, train_pairs, d["max_length"])
    eval_tok, eval_dropped = tokenise_pairs(tokenizer, eval_pairs, d["max_length"])
    if not train_tok:
        from rlstudio.data.datasets import DataError

        raise DataError(f"{d['train_file']}: every pair is longer than data.max_length={d['max_length']} tokens")

    run_dir.mkdir(parents=True, exist_ok=False)
    write_json_atomic(run_dir / "config.json", cfg)
    events = EventWriter(run_dir / "events.jsonl")
    steps = total_steps(t, len(train_tok))
    n_params = sum(p.numel() for p in model.parameters())
    events.run_started(run_id=run_dir.name, run_name=cfg["name"], algorithm="reward_model", max_steps=steps, config=cfg,
                       config_path=config_path, model=cfg["model"]["name_or_path"], device=str(device),
                       dtype=str(dtype).removeprefix("torch."), world_size=1, num_parameters=n_params,
                       trainable_parameters=n_params)
    if dropped or eval_dropped:
        events.log("warning", f"left out {dropped} training and {eval_dropped} held-out pairs longer than "
                              f"data.max_length={d['max_length']} tokens")
    print(f"reward model: {len(train_tok)} training pairs, {len(eval_tok)} held out, {steps} steps on {device}", flush=True)
    started, step, final = time.time(), 0, {}
    try:
        optimizer = torch.optim.AdamW(model.parameters(), lr=t["learning_rate"], weight_decay=t["weight_decay"])
        scheduler = get_scheduler(t["lr_scheduler_type"], optimizer, num_warmup_steps=int(t["warmup_ratio"] * steps),
                                  num_training_steps=steps)
        events.phase(PHASE, "started", step=0, steps=steps)
        model.train()
        window: list[dict] = []
        order_rng = random.Random(t["seed"])
        bs = t["per_device_train_batch_size"]
        while step < steps:
            order = list(range(len(train_tok)))
            order_rng.shuffle(order)
            for start in range(0, len(order), bs):
                if step >= steps:
                    break
                batch = collate([train_tok[i] for i in order[start:start + bs]], tokenizer.pad_token_id, device)
                chosen, rejected = pair_rewards(model, batch)
                loss = bradley_terry_loss(chosen, rejected, batch.margin, t["center_rewards_coefficient"])
                if not torch.isfinite(loss):
                    raise FloatingPointError(f"the loss is {float(loss)} at step {step + 1} (learning rate too high?)")
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), t["max_grad_norm"])
                optimizer.step()
                lr = scheduler.get_last_lr()[0]
                scheduler.step()
                step += 1
                window.append({"loss": float(loss.detach()), "grad_norm": float(grad_norm), **pair_metrics(chosen, rejected)})
                if step % t["logging_steps"] == 0 or step == steps:
                    averaged = {k: sum(w[k] for w in window) / len(window) for k in window[0]}
                    final = {**averaged, "learning_rate": lr, "epoch": step * bs / len(train_tok)}
                    events.metrics(step, final, phase=PHASE, epoch=final["epoch"])
                    window = []
                if eval_tok and t["eval_steps"] and step % t["eval_steps"] == 0 and step < steps:
                    events.emit("eval", step=step, metrics=evaluate(model, eval_tok, t["per_device_eval_batch_size"],
                                                                    tokenizer.pad_token_id, device,
                                                                    t["center_rewards_coefficient"]))
        if eval_tok:
            held_out = evaluate(model, eval_tok, t["per_device_eval_batch_size"], tokenizer.pad_token_id, device,
                                t["center_rewards_coefficient"])
            events.emit("eval", step=step, metrics=held_out)
            final.update(held_out)
            print(f"held-out pair accuracy {held_out['eval_accuracy']:.3f} over {len(eval_tok)} pairs", flush=True)
        events.phase(PHASE, "finished", step=step, metrics=final)
        save_model(model, tokenizer, run_dir / "model")
        events.emit("checkpoint", step=step, path="model", kind="final")
        events.emit("run_finished", step=step, status="completed", reason="max_steps", elapsed=time.time() - started,
                    final_metrics=final)
        print(f"reward model saved to {run_dir / 'model'}", flush=True)
        return 0
    except Exception as e:  # the run directory says how it ended; the caller prints the error
        events.emit("run_finished", step=step, status="failed", reason="error", elapsed=time.time() - started,
                    error={"message": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()})
        raise
    finally:
        events.close()


def save_model(model, tokenizer, folder: Path) -> None:
    """Written under a temporary name and renamed when complete: a folder named model/ is always whole."""
    tmp = folder.with_name(folder.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(str(tmp), safe_serialization=True)
    tokenizer.save_pretrained(str(tmp))
    tmp.rename(folder)
