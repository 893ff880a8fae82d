"""Model FLOPs utilisation: the FLOPs a step's token work needs over what the device could do in its step time.
Only where the device's dense peak is known (datacentre GPUs in bf16 / fp16); elsewhere there is no `mfu` metric
rather than a made-up one."""
from __future__ import annotations

import torch

# dense (no sparsity) bf16/fp16 tensor-core peaks, TFLOP/s, from the vendors' data sheets; matched on the device name
PEAK_TFLOPS_16BIT = {"H200": 989.0, "H100 SXM": 989.0, "H100 PCIe": 756.0, "H100 NVL": 835.0, "H100": 989.0,
                     "A100": 312.0, "L40S": 362.0, "L4": 121.0, "A10G": 70.0, "A10": 125.0}


def peak_flops(device: torch.device, dtype: torch.dtype) -> float | None:
    """FLOP/s of one device in this dtype, or None when not known (CPU, fp32, an unlisted GPU)."""
    if device.type != "cuda" or dtype not in (torch.bfloat16, torch.float16):
        return None
    name = torch.cuda.get_device_name(device)
    for key, tflops in PEAK_TFLOPS_16BIT.items():  # longest names first within a family (dict order above)
        if key in name:
            return tflops * 1e12
    return None


def step_flops(n_params: int, trained_tokens: float, forward_only_tokens: float) -> float:
    """The usual 6N per trained token (forward + backward) and 2N per token that only runs forward (generation,
    reference log-probs); attention's quadratic term is left out, as in the common MFU estimate."""
    return 6.0 * n_params * trained_tokens + 2.0 * n_params * forward_only_tokens


def mfu(n_params: int, trained_tokens: float, forward_only_tokens: float, seconds: float, peak: float | None,
        world_size: int = 1) -> float | None:
    if peak is None or seconds <= 0:
        return None
    return step_flops(n_params, trained_tokens, forward_only_tokens) / (seconds * peak * world_size)
