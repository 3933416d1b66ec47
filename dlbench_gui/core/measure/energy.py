"""Energy from the counters that exist: each GPU's total-energy counter (NVML's; an Intel GPU's hwmon) and RAPL for the CPU packages, as
the telemetry sampler recorded them (cumulative, wrap-around already handled). Where neither exists, the report
says so and why."""

from __future__ import annotations

from typing import Any

TRAINING_PHASES = frozenset({"training", "validating", "saving"})  # what an epoch is made of


def _deltas(samples: list[dict[str, Any]], read) -> tuple[float, float]:
    """(joules, seconds) over the intervals that end in a training phase, from a cumulative counter `read(s)`."""
    joules = seconds = 0.0
    for a, b in zip(samples, samples[1:]):
        if b.get("phase") not in TRAINING_PHASES:
            continue
        ea, eb = read(a), read(b)
        ta, tb = a.get("t"), b.get("t")
        if None in (ea, eb, ta, tb) or eb < ea or tb <= ta:
            continue  # a counter missing or reset (another child), or no time passed
        joules += eb - ea
        seconds += tb - ta
    return joules, seconds


def _gpu_energy_j(s: dict[str, Any], i: int) -> float | None:
    gpus = s.get("gpus") or []
    value = gpus[i].get("energy_mj") if i < len(gpus) and isinstance(gpus[i], dict) else None
    return value / 1000 if isinstance(value, (int, float)) else None


def _cpu_energy_j(s: dict[str, Any]) -> float | None:
    value = s.get("cpu_energy_j")
    return float(value) if isinstance(value, (int, float)) else None


def energy_of(samples: list[dict[str, Any]], *, epochs: int, estimate: dict[str, Any] | None, cpu_source: str | None,
              cpu_reason: str | None, gpu_reason: str | None, gpu_sources: list[str | None] | None = None
              ) -> dict[str, Any]:
    """The report's `energy`: {per_epoch_j, total_j, protocol_wh_estimate, source, unavailable_reason, ...}.
    `epochs`: the training epochs measured (a quick run's one measured pass); `estimate`: a quick run's estimate,
    whose execution time scales the measured power up to the protocol."""
    parts, sources = [], []
    n_gpus = max((len(s.get("gpus") or []) for s in samples), default=0)
    for i in range(n_gpus):
        j, t = _deltas(samples, lambda s, i=i: _gpu_energy_j(s, i))
        if t > 0:
            parts.append((j, t))
            counter = (gpu_sources or [])[i] if i < len(gpu_sources or []) else None
            sources.append(f"{counter or 'NVML total energy counter'} of GPU {i}")
    j, t = _deltas(samples, _cpu_energy_j)
    if t > 0:
        parts.append((j, t))
        sources.append(cpu_source or "RAPL")
    if not parts:
        reasons = [r for r in (gpu_reason, cpu_reason) if r]
        return {"per_epoch_j": None, "total_j": None, "protocol_wh_estimate": None, "source": None,
                "unavailable_reason": "; ".join(reasons) or "no energy counter was read during training"}
    total_j = sum(j for j, _ in parts)
    seconds = max(t for _, t in parts)
    power_w = total_j / seconds if seconds else None
    out: dict[str, Any] = {"total_j": total_j, "mean_power_w": power_w, "measured_s": seconds,
                           "source": " + ".join(sources), "unavailable_reason": None,
                           "covers": "the devices named in `source` during training and validation; not the rest "
                                     "of the machine (memory, disks, fans, power supply losses)"}
    if estimate and estimate.get("execution_time_s") and power_w:
        protocol_epochs = (estimate.get("protocol") or {}).get("epochs") or epochs or 1
        out["protocol_wh_estimate"] = power_w * estimate["execution_time_s"] / 3600
        out["per_epoch_j"] = power_w * estimate["execution_time_s"] / protocol_epochs
        out["method"] = "mean power while the steps and validation were measured x the estimated execution time"
    else:
        out["protocol_wh_estimate"] = total_j / 3600
        out["per_epoch_j"] = total_j / epochs if epochs else None
        out["method"] = "measured over the whole training; per epoch = total / epochs"
    return out
