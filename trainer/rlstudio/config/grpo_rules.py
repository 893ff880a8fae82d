"""The GRPO block's rules the JSON Schema cannot express (TRL's GRPOConfig.__post_init__ checks and RL Studio's
own limits), as located problems for `validate` / `train`, and TRL's generation-batch arithmetic that the training
loop uses too."""
from __future__ import annotations

from rlstudio.generation.generation_kwargs import refused_keys


def generation_schedule(t: dict, g: dict, world_size: int) -> tuple[int, int]:
    """(steps_per_generation, generation_batch_size) as TRL's GRPOConfig resolves them: one generation batch of
    per_device_train_batch_size x processes x steps_per_generation completions, cut into micro-batches.
    Raises ValueError when both are set or generation_batch_size does not split into per-process micro-batches."""
    micro_global = t["per_device_train_batch_size"] * world_size
    spg, gbs = g.get("steps_per_generation"), g.get("generation_batch_size")
    if spg is not None and gbs is not None:
        raise ValueError("grpo.steps_per_generation and grpo.generation_batch_size cannot both be set (as in TRL)")
    if gbs is not None:
        if gbs % micro_global:
            raise ValueError(f"grpo.generation_batch_size {gbs} must be a multiple of per_device_train_batch_size x "
                             f"processes = {micro_global}")
        return gbs // micro_global, gbs
    spg = spg or t["gradient_accumulation_steps"]
    return spg, micro_global * spg


def group_size_problem(config: dict, world_size: int) -> str | None:
    """GRPO's advantages are computed per group, so a generation batch must hold whole groups (a resume on another
    number of processes meets this rule too, in the GRPO algorithm). None also when the sizes themselves are wrong:
    generation_schedule's error says that."""
    t, g = config["training"], config["grpo"]
    try:
        spg, gbs = generation_schedule(t, g, world_size)
    except ValueError:
        return None
    if gbs % g["num_generations"] == 0:
        return None
    return (f"per_device_train_batch_size {t['per_device_train_batch_size']} x {world_size} process(es) x "
            f"steps_per_generation {spg} = {gbs} completions per generation is not a multiple of "
            f"grpo.num_generations = {g['num_generations']} (each prompt's group must fit in one generation)")


def grpo_problems(config: dict, at, world: int) -> list:
    """at(path, message, severity="error") -> Problem. world: the number of processes."""
    t, g = config["training"], config["grpo"]
    out = []
    for key, why in refused_keys(config["sampling"].get("generation_kwargs")):
        out.append(at(("sampling", "generation_kwargs", key), f"sampling.generation_kwargs.{key} is not accepted: {why}"))
    if g["multi_objective_aggregation"] == "normalize_then_sum" and g["advantage_estimator"] != "grpo":
        out.append(at(("grpo", "multi_objective_aggregation"), "multi_objective_aggregation normalize_then_sum needs "
                      "advantage_estimator grpo (TRL's RLOOTrainer has no such setting)"))
    evaluating = (config.get("eval") or {}).get("enabled")
    if evaluating and (g.get("num_generations_eval") or 1) > 1 and not config["eval"]["do_sample"]:
        out.append(at(("grpo", "num_generations_eval"), f"num_generations_eval {g['num_generations_eval']} with greedy "
                      "evaluation (eval.do_sample false) generates the same completion each time; set eval.do_sample "
                      "true or num_generations_eval 1", "warning"))
    try:
        spg, gbs = generation_schedule(t, g, world)
    except ValueError as e:
        key = "generation_batch_size" if g.get("generation_batch_size") is not None else "steps_per_generation"
        return out + [at(("grpo", key), str(e))]
    accumulation = t["gradient_accumulation_steps"]
    if spg % accumulation:
        out.append(at(("grpo", "steps_per_generation" if g.get("steps_per_generation") else "generation_batch_size"),
                      f"steps_per_generation {spg} is not a multiple of gradient_accumulation_steps {accumulation}: "
                      f"RL Studio keeps each optimizer step within one generation batch"))
    problem = group_size_problem(config, world)
    if problem:
        out.append(at(("training", "per_device_train_batch_size"), problem))
    if g["dynamic_sampling"] and (g["num_iterations"] != 1 or spg != accumulation):
        out.append(at(("grpo", "dynamic_sampling"), "dynamic_sampling needs num_iterations 1 and one generation per "
                      "step (steps_per_generation = gradient_accumulation_steps)"))
    if g["sync_ref_model"]:
        if g["beta"] == 0.0:
            out.append(at(("grpo", "sync_ref_model"), "sync_ref_model with beta 0: there is no reference model to "
                          "synchronise (as TRL says); set beta > 0 or sync_ref_model false"))
        if (config["model"].get("lora") or {}).get("enabled"):
            out.append(at(("grpo", "sync_ref_model"), "sync_ref_model with LoRA: the reference is the base model "
                          "without the adapter, so there is no separate reference to update (TRL refuses it too)"))
    if g["use_adaptive_entropy"] and g["entropy_coef_min"] > g["entropy_coef_max"]:
        out.append(at(("grpo", "entropy_coef_min"), f"entropy_coef_min {g['entropy_coef_min']} is above "
                      f"entropy_coef_max {g['entropy_coef_max']}"))
    return out
