"""The training loop every algorithm shares, flat on purpose: sample prompts -> the algorithm builds a batch (rollout,
rewards, advantages) -> for each step the batch serves, the algorithm's loss step (forward + backward) -> clip ->
step -> events; resume, checkpoints, stop, eval and the non-finite guard live here once. Single process and torchrun
share this path. The algorithm (algorithms/base.py) is chosen by config["algorithm"]."""
from __future__ import annotations

import json
import math
import os
import sys
import time
import traceback
import warnings
from datetime import datetime
from pathlib import Path

import torch

from rlstudio.run_directory import checkpoint as ckpt
from rlstudio.data.datasets import column_names, load_datasets
from rlstudio.data.prompt_sampler import PromptSampler
from rlstudio.training.distributed import (all_reduce_sum, broadcast_object, gather_objects, init_distributed,
                                          unwrap_model, wrap_model)
from rlstudio.training.evaluation import evaluate
from rlstudio.outputs.events import EventWriter
from rlstudio.models.policy import count_parameters, load_policy
from rlstudio.training.cpu_threads import apply_cpu_threads
from rlstudio.models.reference import reference_kind, resume_reference, start_reference
from rlstudio.outputs.progress import Progress, Tee
from rlstudio.rewards import TrainerState, load_reward_functions
from rlstudio.rewards.reward_logs import log_history_from_events
from rlstudio.algorithms.base import AlgorithmSetup, Batch
from rlstudio.algorithms.registry import algorithm_class
from rlstudio.config.sampling import chat_template_kwargs, eval_num_generations, sampling_params
from rlstudio.run_directory.claim import claim_run_dir
from rlstudio.run_directory.lock import stale_message
from rlstudio.run_directory.pending_batch import load_pending, save_pending
from rlstudio.outputs.run_outputs import RunOutputs
from rlstudio.training.lr_schedule import LearningRateSchedule
from rlstudio.training.memory_preflight import preflight_before_step_one
from rlstudio.training.phase_clock import StepSpeed
from rlstudio.training.step_metrics import LogWindow
from rlstudio.training.stop_signal import StopFlag
from rlstudio.user_errors import EXIT_COMPLETED, EXIT_FAILED, EXIT_REFUSED, EXIT_STOPPED, UserError
from rlstudio.training.warm_start import run_warm_start


class TrainingFailed(RuntimeError):
    pass


def new_run_dir(config: dict) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    base = Path(config["output_dir"]) / f"{config['name']}-{stamp}"
    run_dir, n = base, 1
    while run_dir.exists():
        n += 1
        run_dir = base.with_name(f"{base.name}-{n}")
    return run_dir


def run(config: dict, run_dir: Path, config_path: str | None = None, resume_from: Path | None = None,
        resume_message: str | None = None, resume_notes: list[str] | None = None, start_over: bool = False) -> int:
    """Train (or continue) a run in run_dir. Returns the process exit code (rlstudio.user_errors.EXIT_*)."""
    ctx = init_distributed(config["distributed"], config["model"]["device"])
    run_dir = Path(run_dir)
    try:
        lock = claim_run_dir(ctx, run_dir, fresh=resume_from is None, start_over=start_over)
    except UserError as e:
        print(str(e), file=sys.stderr, flush=True)
        ctx.close()
        return EXIT_REFUSED
    if ctx.is_main:
        (run_dir / "checkpoints").mkdir(exist_ok=True)
        if resume_from is None:
            (run_dir / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    log_file = open(run_dir / "trainer.log", "a", encoding="utf-8") if ctx.is_main else None
    saved_streams = sys.stdout, sys.stderr
    if log_file:
        sys.stdout, sys.stderr = Tee(sys.stdout, log_file), Tee(sys.stderr, log_file)
    events = EventWriter(run_dir / "events.jsonl", enabled=ctx.is_main)
    stop = StopFlag()
    stop.install()
    # the step reached and whether run_started is out, for the run_finished event when something fails
    live = {"step": 0, "outputs": None, "started": resume_from is not None}
    t_start = time.time()
    threads_before = torch.get_num_threads()  # _train may choose fewer for a small model on CPU (cpu_threads)
    try:
        notes = [stale_message(lock)] if lock is not None and lock.stale_owner else []
        status = _train(config, run_dir, ctx, events, stop, config_path, resume_from, resume_message,
                        notes + list(resume_notes or []), live)
        return EXIT_STOPPED if status == "stopped" else EXIT_COMPLETED
    except BaseException as e:  # noqa: BLE001 - every failure ends the run with a failed event
        tb = traceback.format_exc()
        status = "stopped" if isinstance(e, KeyboardInterrupt) else "failed"
        if not live["started"]:  # failed before run_started (loading the model, say): the run still gets a start
            events.run_started(run_id=run_dir.name, run_name=config["name"], algorithm=config["algorithm"],
                               max_steps=config["training"]["max_steps"], config=config, config_path=config_path,
                               model=config["model"]["name_or_path"], world_size=ctx.world_size)
        events.emit("run_finished", step=getattr(e, "rlstudio_step", live["step"]), status=status,
                    reason="signal" if status == "stopped" else "error",
                    error={"message": f"{type(e).__name__}: {e}", "traceback": tb}, elapsed=time.time() - t_start)
        user_error = isinstance(e, UserError)
        print(f"\ntraining {status}: " + (str(e) if user_error else f"{type(e).__name__}: {e}"), file=sys.stderr, flush=True)
        if status == "failed":
            # the user's mistake needs its message, not RL Studio's stack: that goes to trainer.log only
            (log_file.write if user_error and log_file else lambda text: print(text, file=sys.stderr, flush=True))(tb)
        return EXIT_STOPPED if status == "stopped" else EXIT_FAILED
    finally:
        stop.uninstall()
        if live["outputs"] is not None:
            live["outputs"].close()
        events.close()
        sys.stdout, sys.stderr = saved_streams
        if log_file:
            log_file.close()
        if lock is not None:
            lock.release()
        ctx.close()
        torch.set_num_threads(threads_before)


def _train(config, run_dir, ctx, events, stop, config_path, resume_from, resume_message, notes: list[str],
           live: dict) -> str:
    t_start = time.time()
    t, data_cfg, log_cfg, ck_cfg = config["training"], config["data"], config["logging"], config["checkpointing"]
    torch.manual_seed(t["seed"])
    import random

    random.seed(t["seed"])
    datasets = load_datasets(data_cfg, Path("."))
    columns = column_names(datasets)
    sampler = PromptSampler(datasets, [d["weight"] for d in data_cfg["datasets"]], t["seed"], data_cfg["shuffle"])
    reward_funcs = load_reward_functions(config["rewards"], Path("."))
    algorithm_cls = algorithm_class(config["algorithm"])
    schedule = algorithm_cls.batch_schedule(config, ctx.world_size)
    max_steps = t["max_steps"] if t["max_steps"] > 0 else schedule.total_steps(len(sampler), t["num_train_epochs"])

    state = {"warm_start_done": False, "nonfinite_in_a_row": 0, "num_tokens": 0.0}
    weights_from = None
    if resume_from is not None:
        state.update(ckpt.load_trainer_state(resume_from))
        weights_from = resume_from / "model"
    model, tokenizer, dtype, source = load_policy(config["model"], ctx.device, weights_from)
    n_params, n_trainable = count_parameters(model)
    threads = apply_cpu_threads(ctx.device, n_params, state.get("cpu_threads"))
    if ctx.device.type == "cpu":
        state["cpu_threads"] = threads  # a resume computes with the same count (cpu_threads)
    if ctx.is_main and resume_from is None:
        events.run_started(run_id=run_dir.name, run_name=config["name"], algorithm=config["algorithm"], max_steps=max_steps,
                           config=config, config_path=config_path, model=config["model"]["name_or_path"],
                           device=_device_name(ctx.device), dtype=str(dtype).replace("torch.", ""), world_size=ctx.world_size,
                           num_parameters=n_params, trainable_parameters=n_trainable, versions=_versions())
        if ctx.device.type == "cpu":
            events.alert("info", "cpu_only", "Training on CPU: fine for the tiny model and tests, slow for real models.")
        live["started"] = True
    print(f"run directory: {run_dir}\nmodel: {source} ({n_params:,} parameters, {n_trainable:,} trainable) on "
          f"{_device_name(ctx.device)}, {ctx.world_size} process(es)"
          + (f", {threads} CPU thread(s) (OMP_NUM_THREADS sets it)" if ctx.device.type == "cpu" else ""), flush=True)

    # The supervised warm start runs before the RL optimizer exists, so its state never leaks into RL.
    ws = config.get("warm_start") or {}
    if ws.get("steps", 0) > 0 and not state["warm_start_done"]:
        ws_sets = load_datasets({"datasets": ws["datasets"]}, Path(".")) if ws.get("datasets") else datasets
        run_warm_start(model, tokenizer, ws_sets, ws, data_cfg, ctx, events, t["seed"], stop, chat_template_kwargs(config))
        state["warm_start_done"] = True
    if resume_from is None:
        reference = start_reference(model, config, ctx, run_dir)
        state["reference"] = reference_kind(config)
    else:
        reference = resume_reference(model, config, ctx, run_dir, resume_from, state.get("reference"), dtype)

    algorithm = algorithm_cls(AlgorithmSetup(config, ctx, model, tokenizer, reward_funcs, reference, columns, run_dir, dtype))
    train_model = wrap_model(ctx, algorithm.train_module(), config["distributed"]["strategy"])
    params = algorithm.trainable_parameters()
    optimizer = torch.optim.AdamW(params, lr=t["learning_rate"], betas=(t["adam_beta1"], t["adam_beta2"]),
                                  eps=t["adam_epsilon"], weight_decay=t["weight_decay"])
    eval_cfg = config.get("eval") or {}
    scheduler = LearningRateSchedule(optimizer, t, max_steps, eval_cfg)

    step, pending = 0, None
    if resume_from is not None:
        state = {**state, **ckpt.load_training_state(resume_from, optimizer, scheduler, ctx.rank)}
        step = live["step"] = int(state["step"])
        sampler.load_state_dict(state["sampler"])
        algorithm.load_state_dict(state.get("algorithm") or {})
        algorithm.load_weights(resume_from)
        saved_batch = load_pending(resume_from, ctx.rank, ctx.world_size)
        if saved_batch is not None:
            pending = algorithm.batch_from_tensors(saved_batch)
        events.emit("resumed", step=step, checkpoint=str(resume_from), message=resume_message, pid=os.getpid())
        print(f"resumed from {resume_from} at step {step}" + (f" ({resume_message})" if resume_message else ""), flush=True)
    for note in notes:  # a stale lock taken over, damaged checkpoints passed over
        events.alert("warning", "resume_notice", note, step=step)
        print(f"warning: {note}", file=sys.stderr, flush=True)

    # TensorBoard/W&B, best_model/ + early stopping, final/, training_stats.json, plots; the tracker resumes too
    outputs = live["outputs"] = RunOutputs(run_dir, config, ctx, events, resumed_at=step if resume_from is not None else None)
    outputs.load_state_dict(state.get("best_model"))
    eval_records = _eval_records(eval_cfg) if eval_cfg.get("enabled") else None
    log_window = LogWindow(state.get("log_window"))  # a resume mid-window averages the steps before it too
    trainer_state = TrainerState(global_step=step, max_steps=max_steps, epoch=sampler.epoch, num_train_epochs=t["num_train_epochs"],
                                 log_history=log_history_from_events(run_dir / "events.jsonl", step) if step else [])
    progress = Progress(max_steps, "rl", ctx.is_main, start_step=step)
    # the latest value of every metric, for run_finished (rollout metrics are not on every step; a resumed run starts
    # from what was logged before it)
    last_metrics = {k: v for h in trainer_state.log_history for k, v in h.items() if k not in ("step", "epoch")}
    shown: dict = {}  # the latest logged values, for the progress line
    last_saved = step if resume_from is not None else -1

    def do_eval(at_step: int) -> None:
        if eval_records is None:
            return
        metrics, samples = _run_eval(model, tokenizer, eval_records, config, reward_funcs, ctx)
        metrics = broadcast_object(ctx, metrics)  # every rank decides (best model, plateau LR) on rank 0's numbers
        is_best = outputs.eval_result(at_step, metrics)
        reduced_to = scheduler.after_eval(at_step, metrics)
        if reduced_to is not None:
            events.alert("info", "lr_reduced", f"step {at_step}: {scheduler.metric} has not improved for more than "
                         f"{scheduler.scheduler.patience} evaluation(s) (lr_scheduler_kwargs.patience); learning rate "
                         f"reduced to {reduced_to:.3g}", step=at_step)
        events.emit("eval", step=at_step, metrics=metrics, samples=samples, is_best=is_best)
        acc = metrics.get("eval_accuracy")
        print(f"[eval] step {at_step}: eval_reward {metrics['eval_reward']:.3f}"
              + (f"  eval_accuracy {acc:.3f}" if acc is not None else "") + ("  (new best)" if is_best else ""), flush=True)
        if is_best:
            outputs.save_best(at_step, unwrap_model(model), tokenizer)

    def save(at_step: int, batch: Batch | None) -> None:
        nonlocal last_saved
        if at_step == last_saved:
            return
        trainer_state_json = {**{k: v for k, v in state.items() if k not in ("step",)}, "sampler": sampler.state_dict(),
                              "max_steps": max_steps, "elapsed": time.time() - t_start, "best_model": outputs.state_dict(),
                              "algorithm": algorithm.state_dict(), "log_window": log_window.steps}
        rngs = _gather_rng(ctx)
        mid_batch = batch is not None and at_step % schedule.steps_per_batch  # resume mid-way through a batch
        per_rank_batch = gather_objects(ctx, [batch.tensors()]) if mid_batch else None  # each process's part
        if ctx.is_main:
            def write_extra(folder: Path) -> None:
                algorithm.save_weights(folder)
                if per_rank_batch is not None:
                    save_pending(folder, per_rank_batch)

            path = ckpt.save_checkpoint(run_dir, at_step, unwrap_model(model), tokenizer, optimizer, scheduler,
                                        trainer_state_json, config, rngs, write_extra)
            pruned = ckpt.prune_checkpoints(run_dir, ck_cfg["keep_last"])
            events.emit("checkpoint", step=at_step, path=f"checkpoints/{path.name}", kind="step", pruned=pruned or None)
        ctx.barrier()
        last_saved = at_step

    speed = StepSpeed(n_params, ctx.device, dtype, ctx.world_size, reference is not None)
    if step == 0:
        preflight_before_step_one(config, model, tokenizer, datasets, ctx, events)
        do_eval(0)
    events.phase("rl", "started", step=step, steps=max_steps)
    batch = pending
    reason = "early_stopping" if outputs.should_stop_early else "max_steps"  # a resumed run that had stopped early
    while step < max_steps and reason == "max_steps":
        t0 = time.time()
        generated = batch is None or step % schedule.steps_per_batch == 0
        if generated:
            trainer_state.global_step, trainer_state.epoch = step, sampler.epoch
            batch = algorithm.build_batch(sampler.next_batch(schedule.prompts_per_batch), trainer_state,
                                          draw=sampler.next_batch)
            state["num_tokens"] += batch.metrics["batch_tokens"]
        t_gen = time.time() - t0

        t_train = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        result = algorithm.loss_step(train_model, batch, step)
        grad_norm = torch.nn.utils.clip_grad_norm_(params, t["max_grad_norm"] if t["max_grad_norm"] > 0 else float("inf"))
        sums = all_reduce_sum(ctx, torch.tensor([result.loss, float(grad_norm)], dtype=torch.float64))
        loss_value = float(sums[0])  # summed over micro-steps (already scaled by accumulation) and ranks
        finite = math.isfinite(loss_value) and math.isfinite(float(grad_norm))
        lr = scheduler.last_lr
        if finite:
            optimizer.step()
            state["nonfinite_in_a_row"] = 0
        else:
            optimizer.zero_grad(set_to_none=True)
            state["nonfinite_in_a_row"] += 1
            events.alert("warning", "nonfinite_step", f"step {step + 1}: loss {loss_value} / grad norm {float(grad_norm)} "
                         f"is not finite; the update was skipped", step=step + 1,
                         hint="lower the learning rate, check reward values, or use max_grad_norm")
            if state["nonfinite_in_a_row"] >= t["max_consecutive_nonfinite_steps"]:
                err = TrainingFailed(f"{state['nonfinite_in_a_row']} consecutive steps with non-finite loss or gradients "
                                     f"(training.max_consecutive_nonfinite_steps = {t['max_consecutive_nonfinite_steps']})")
                err.rlstudio_step = step + 1
                raise err
        with warnings.catch_warnings():
            # a skipped (non-finite) step still advances the schedule, so the LR stays a function of the step
            warnings.filterwarnings("ignore", message="Detected call of `lr_scheduler.step", category=UserWarning)
            scheduler.after_update()
        t_train = time.perf_counter() - t_train
        step += 1
        live["step"] = step
        algorithm.after_step(step)

        step_time = time.time() - t0
        # What the rollout measured (rewards, lengths, PPO's objective/*) is logged once, on the step that built the
        # batch, as TRL's GRPO logs its generation metrics once per generation; a step that reuses the batch
        # (num_iterations, steps_per_generation, PPO's epochs x mini-batches) logs only its own update's metrics.
        batch_tokens = batch.metrics["batch_tokens"]
        metrics = {k: v for k, v in batch.metrics.items() if k != "batch_tokens"} if generated else {}
        metrics.update(result.metrics)
        metrics.update({"loss": loss_value / ctx.world_size, "grad_norm": float(sums[1]) / ctx.world_size,
                        "learning_rate": lr, "num_tokens": state["num_tokens"], "step_time": step_time})
        metrics.update(speed.metrics(batch, generated, t_gen, t_train, step_time, batch_tokens))
        last_metrics = {**last_metrics, **metrics}
        log_window.add(metrics)
        if step % log_cfg["logging_steps"] == 0 or step == max_steps:
            logged = log_window.flush()  # averaged over the steps since the last log, as TRL does
            trainer_state.log_history.append({**logged, "step": step, "epoch": sampler.epoch})
            events.metrics(step, logged, epoch=sampler.epoch)
            outputs.log_metrics(step, logged)
            shown.update(logged)
            progress.update(step, shown)
        # Samples of the completions this step trained on: with num_iterations > 1 a batch serves several steps, so
        # a requested step that reuses it logs the same completions (it trained on them), and the last step always logs.
        if batch.samples and log_cfg["log_completions"] and (step % log_cfg["completions_steps"] == 0 or step == max_steps):
            events.emit("samples", step=step, samples=batch.samples)

        if eval_records is not None and step % eval_cfg["eval_steps"] == 0 and step < max_steps:
            do_eval(step)
        if ck_cfg["save_steps"] and step % ck_cfg["save_steps"] == 0:
            save(step, batch)
        if outputs.should_stop_early:
            reason = "early_stopping"
            print(f"early stopping at step {step}: {outputs.tracker.metric} did not improve on "
                  f"{outputs.tracker.best_value} (step {outputs.tracker.best_step}) in "
                  f"{outputs.tracker.evals_without_improvement} evaluations", flush=True)
            break
        if _any_rank(ctx, stop.requested):
            if ck_cfg["save_on_stop"]:
                save(step, batch)
            events.phase("rl", "finished", step=step)
            events.emit("run_finished", step=step, status="stopped", reason="signal", elapsed=time.time() - t_start,
                        final_metrics=last_metrics)
            outputs.close()
            outputs.write_summaries()
            print(f"stopped at step {step}; resume with: python -m rlstudio resume --run-dir {run_dir}", flush=True)
            return "stopped"

    events.phase("rl", "finished", step=step)
    if reason == "max_steps":  # an early stop has just evaluated this step
        do_eval(step)
    save(step, batch)
    outputs.save_final(step, unwrap_model(model), tokenizer)
    events.emit("run_finished", step=step, status="completed", reason=reason, elapsed=time.time() - t_start,
                final_metrics=last_metrics)
    outputs.close()
    outputs.write_summaries()
    print(f"completed {step} steps in {time.time() - t_start:.1f}s", flush=True)
    return "completed"


def _any_rank(ctx, flag: bool) -> bool:
    return bool(all_reduce_sum(ctx, torch.tensor([1.0 if flag else 0.0]))[0] > 0)


def _gather_rng(ctx) -> list[dict]:
    from rlstudio.training.distributed import gather_objects

    return gather_objects(ctx, [ckpt.rng_state()])


def _eval_records(eval_cfg: dict):
    sets = load_datasets({"datasets": eval_cfg["datasets"]}, Path("."))
    records = [r for s in sets for r in s]
    if eval_cfg.get("max_samples"):
        records = records[: eval_cfg["max_samples"]]
    return records


def _run_eval(model, tokenizer, records, config, reward_funcs, ctx):
    params = sampling_params(config, do_sample=config["eval"]["do_sample"])
    return evaluate(unwrap_model(model), tokenizer, records, config["data"], reward_funcs, params, ctx.device,
                    num_generations=eval_num_generations(config), chat_template_kwargs=chat_template_kwargs(config))


def _device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    return str(device)


def _versions() -> dict:
    import transformers

    out = {"torch": torch.__version__, "transformers": transformers.__version__, "python": sys.version.split()[0]}
    try:
        import peft

        out["peft"] = peft.__version__
    except ImportError:
        pass
    return out
