"""Typed read-only views of the report sections that code reads most (`timing`, `estimate`, `distribution`, the
telemetry samples): one place that knows their keys and their units. A report from another machine is untrusted,
so every field is read tolerantly: a value of the wrong type reads as None (the contract has already refused
what cannot be shown)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def num(value: Any) -> float | None:
    """A number, or None (booleans are not numbers here)."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def whole(value: Any) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


def mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class StepStats:
    """A summary of step (or batch) times in seconds (core/measure/stats.summary)."""
    n: int = 0
    mean: float | None = None
    median: float | None = None
    cv: float | None = None
    ci95_halfwidth: float | None = None

    @classmethod
    def of(cls, d: Any) -> "StepStats":
        d = mapping(d)
        return cls(n=whole(d.get("n")) or 0, mean=num(d.get("mean")), median=num(d.get("median")),
                   cv=num(d.get("cv")), ci95_halfwidth=num(d.get("ci95_halfwidth")))


@dataclass(frozen=True)
class Inference:
    """Cold inference: load the saved model, predict (all of the test set, or a quick run's sample)."""
    load_s: float | None = None
    predict_s: float | None = None
    total_s: float | None = None
    images: int | None = None
    first_batch_s: float | None = None
    steady_s_per_image: float | None = None
    shared: dict[str, Any] | None = None

    @classmethod
    def of(cls, d: Any) -> "Inference | None":
        d = mapping(d)
        if not d:
            return None
        return cls(load_s=num(d.get("load_s")), predict_s=num(d.get("predict_s")), total_s=num(d.get("total_s")),
                   images=whole(d.get("images")), first_batch_s=num(d.get("first_batch_s")),
                   steady_s_per_image=num(d.get("steady_s_per_image")), shared=mapping(d.get("shared")) or None)


@dataclass(frozen=True)
class Timing:
    """What a run measured, in seconds. A quick run's `measured` says what its one pass was."""
    execution_time_s: float | None = None
    train_time_s: float | None = None
    val_time_s: float | None = None
    checkpoint_s: float | None = None
    data_prep_s: float | None = None
    build_s: float | None = None
    first_step_s: float | None = None
    steady_step_s: float | None = None
    steady_step: StepStats = field(default_factory=StepStats)
    steady_images_per_s: float | None = None
    first_epoch_s: float | None = None
    later_epochs_mean_s: float | None = None
    epochs: tuple[dict[str, Any], ...] = ()
    inference: Inference | None = None
    measured: dict[str, Any] | None = None
    shared: dict[str, Any] | None = None

    @classmethod
    def of(cls, d: Any) -> "Timing":
        d = mapping(d)
        warmup = mapping(d.get("warmup"))
        return cls(
            execution_time_s=num(d.get("execution_time_s")), train_time_s=num(d.get("train_time_s")),
            val_time_s=num(d.get("val_time_s")), checkpoint_s=num(d.get("checkpoint_s")),
            data_prep_s=num(d.get("data_prep_s")), build_s=num(d.get("build_s")),
            first_step_s=num(d.get("first_step_s")), steady_step_s=num(d.get("steady_step_s")),
            steady_step=StepStats.of(d.get("steady_step")), steady_images_per_s=num(d.get("steady_images_per_s")),
            first_epoch_s=num(warmup.get("first_epoch_s")), later_epochs_mean_s=num(warmup.get("later_epochs_mean_s")),
            epochs=tuple(e for e in d.get("epochs") or [] if isinstance(e, dict)),
            inference=Inference.of(d.get("inference")), measured=mapping(d.get("measured")) or None,
            shared=mapping(d.get("shared")) or None)


@dataclass(frozen=True)
class Estimate:
    """A quick run's estimate of a whole protocol, with its 95% interval."""
    execution_time_s: float | None = None
    ci95_s: tuple[float, float] | None = None
    inference_time_s: float | None = None
    protocol: dict[str, Any] = field(default_factory=dict)
    protocol_is_published: bool = False
    interval_covers: str | None = None

    @classmethod
    def of(cls, d: Any) -> "Estimate | None":
        d = mapping(d)
        if not d:
            return None
        ci = d.get("execution_time_ci95_s")
        ci = (num(ci[0]), num(ci[1])) if isinstance(ci, (list, tuple)) and len(ci) == 2 else None
        return cls(execution_time_s=num(d.get("execution_time_s")),
                   ci95_s=ci if ci and None not in ci else None, inference_time_s=num(d.get("inference_time_s")),
                   protocol=mapping(d.get("protocol")), protocol_is_published=d.get("protocol_is_published") is True,
                   interval_covers=d.get("interval_covers") if isinstance(d.get("interval_covers"), str) else None)


@dataclass(frozen=True)
class Distribution:
    """How a data-parallel run was spread over devices and machines (absent for the published single device)."""
    strategy: str | None = None
    keras_package: str = "keras"
    replicas: int | None = None
    workers: int = 1
    devices: tuple[str, ...] = ()
    global_batch_size: int | None = None
    per_replica_batch_size: float | None = None
    scaling: str | None = None
    cluster: tuple[str, ...] = ()
    task_index: int | None = None
    chief: bool = False
    scaling_efficiency: dict[str, Any] | None = None
    scaling_efficiency_note: str | None = None

    @classmethod
    def of(cls, d: Any) -> "Distribution | None":
        d = mapping(d)
        if not d:
            return None
        note = d.get("scaling_efficiency_note")
        return cls(strategy=d.get("strategy") if isinstance(d.get("strategy"), str) else None,
                   keras_package=str(d.get("keras_package") or "keras"), replicas=whole(d.get("replicas")),
                   workers=whole(d.get("workers")) or 1, devices=tuple(str(x) for x in d.get("devices") or []),
                   global_batch_size=whole(d.get("global_batch_size")),
                   per_replica_batch_size=num(d.get("per_replica_batch_size")),
                   scaling=d.get("scaling") if isinstance(d.get("scaling"), str) else None,
                   cluster=tuple(str(x) for x in d.get("cluster") or []), task_index=whole(d.get("task_index")),
                   chief=d.get("chief") is True, scaling_efficiency=mapping(d.get("scaling_efficiency")) or None,
                   scaling_efficiency_note=note if isinstance(note, str) else None)


@dataclass(frozen=True)
class TelemetrySample:
    """One reading of the telemetry sampler (hardware/telemetry.py), seconds since the run started."""
    t: float | None = None
    cpu_percent: float | None = None
    ram_percent: float | None = None
    ram_used_bytes: float | None = None
    child_rss_bytes: float | None = None
    other_cpu_share: float | None = None
    cpu_energy_j: float | None = None
    cpu_freq_mhz: float | None = None
    phase: str | None = None
    epoch: int | None = None
    gpus: tuple[dict[str, Any], ...] = ()

    @classmethod
    def of(cls, d: Any) -> "TelemetrySample":
        d = mapping(d)
        return cls(t=num(d.get("t")), cpu_percent=num(d.get("cpu_percent")), ram_percent=num(d.get("ram_percent")),
                   ram_used_bytes=num(d.get("ram_used_bytes")), child_rss_bytes=num(d.get("child_rss_bytes")),
                   other_cpu_share=num(d.get("other_cpu_share")), cpu_energy_j=num(d.get("cpu_energy_j")),
                   cpu_freq_mhz=num(d.get("cpu_freq_mhz")),
                   phase=d.get("phase") if isinstance(d.get("phase"), str) else None, epoch=whole(d.get("epoch")),
                   gpus=tuple(g for g in d.get("gpus") or [] if isinstance(g, dict)))
