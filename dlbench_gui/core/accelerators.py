"""The vendor-neutral accelerator list's pure parts (#32): NVML's GPUs in its terms, a report's list (older reports
had only NVML's), and which of them the telemetry sampler reads. Detection itself is hardware/accelerators.py."""

from __future__ import annotations

from typing import Any

NVML_TELEMETRY = {"utilisation": "NVML", "memory in use": "NVML", "power": "NVML", "temperature": "NVML"}


def from_nvml(gpus: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"index": i, "vendor": "NVIDIA", "kind": "nvidia", "discrete": True, "name": g.get("name") or "NVIDIA GPU",
             "memory_total_bytes": g.get("memory_total_bytes"), "memory_kind": "dedicated", "driver": "nvidia",
             "driver_version": g.get("driver_version"),
             "runtime": f"CUDA {g['cuda_driver_version']}" if g.get("cuda_driver_version") else None,
             "compute_capability": g.get("compute_capability"), "source": "NVML", "telemetry": dict(NVML_TELEMETRY),
             "peak_fp32_flops": g.get("peak_fp32_flops"), "peak_half_flops": None, "peak_method": g.get("peak_method"),
             "peak_unknown": None if g.get("peak_fp32_flops") else "NVML reports no CUDA core count for it",
             "nvml_index": g.get("index")} for i, g in enumerate(gpus)]


def sampled(accelerators: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The accelerators whose live telemetry the sampler reads, in its order: NVML's, amdsmi's, then the sysfs ones."""
    return ([a for a in accelerators if a.get("source") == "NVML"] + [a for a in accelerators if a.get("source") == "amdsmi"]
            + [a for a in accelerators if a.get("sysfs") and measures_anything(a)])


def measures_anything(acc: dict[str, Any]) -> bool:
    """Does any live figure of `acc` come from somewhere (an integrated Intel GPU's sysfs gives none)?"""
    return any(not str(v).startswith(("not ", "unified")) for v in (acc.get("telemetry") or {}).values())


def of(gpu: dict[str, Any] | None) -> list[dict[str, Any]]:
    """A report's accelerator list; a report from before the list (#32) had only NVML's GPUs."""
    gpu = gpu or {}
    if isinstance(gpu.get("accelerators"), list):
        return [a for a in gpu["accelerators"] if isinstance(a, dict)]
    return from_nvml([g for g in gpu.get("nvidia") or [] if isinstance(g, dict)])
