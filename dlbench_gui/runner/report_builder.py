"""The finished report, as a pure function: the run's configuration, what its children said (their outcomes), what
the telemetry saw, the saved history and the largest batch found earlier go in; a RunReport comes out. No I/O:
the runner reads the history and the telemetry and hands them in; tests call it with recorded outcomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import __version__
from ..core import accelerators, frameworks
from ..core.backend_choice import BackendChoice, as_published, backend_of, gpus_used
from ..core.config import BenchmarkConfig
from ..core.measure import distribution as dist
from ..core.measure import estimate as est
from ..core.measure import interference, kernels, throttling
from ..core.measure.energy import energy_of
from ..core.store.report import RunReport, now_iso
from ..core.wire.request import InferPayload, TrainPayload
from .supervisor import ChildOutcome
from ..core.frameworks import PUBLISHED_BACKEND

QUICK_MEASURED_NOTE = ("quick profile: the config is what was asked; `measured` is what ran (one pass of this many "
                       "training images and a validation sample); the protocol estimated is estimate.protocol")


@dataclass(frozen=True)
class TelemetryFacts:
    """What the telemetry sampler saw during a run, read once when the run ends."""
    samples: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    cpu_energy_source: str | None = None
    cpu_energy_reason: str | None = None
    gpu_energy_reason: str | None = None
    gpu_energy_sources: tuple[str | None, ...] = ()

    @classmethod
    def of(cls, sampler) -> "TelemetryFacts | None":
        if sampler is None:
            return None
        return cls(samples=list(sampler.samples), summary=sampler.summary(),
                   cpu_energy_source=sampler.rapl.source if sampler.rapl.available else None,
                   cpu_energy_reason=sampler.rapl.reason, gpu_energy_reason=sampler.gpu_energy_reason,
                   gpu_energy_sources=tuple(sampler.gpu_energy_sources))


def start_report(run_id: str, config: BenchmarkConfig, hardware: dict[str, Any], *, data_source: str, log_path: str,
                 extra: dict[str, Any], backend: BackendChoice | None = None) -> RunReport:
    """The report as it is saved when the run starts (status running): the configuration as asked, with the facts
    derived from it."""
    config_dict = {**config.to_dict(), "data_source": data_source, "data_requested": config.data,
                   "steps_per_epoch": config.steps_per_epoch, "val_steps": config.val_steps}
    chosen = backend or as_published(config.backend)
    software = {"dlbench": __version__, "backend": chosen.name, "backend_choice": chosen.to_dict()}
    return RunReport(run_id=run_id, status="running", config=config_dict, hardware=hardware,
                     software=software, app_version=__version__, log_path=log_path, extra=extra)


def timing_of(train: ChildOutcome) -> dict[str, Any]:
    """The report's `timing`: the child's, with the set-up costs; or the epochs that finished before a failure."""
    result = train.result
    if isinstance(result, TrainPayload):
        timing = dict(result.timing)
        timing.update(data_prep_s=result.data_prep_s, build_s=result.build_s, compile_s=result.compile_s)
        if train.startup_s is not None:  # the child's start, import, data and build, as the runner saw them
            timing["startup_s"] = train.startup_s
        return timing
    timing: dict[str, Any] = {"epochs": train.epochs}
    if train.epochs:
        timing["train_time_s"] = sum(e["train_s"] + e.get("checkpoint_s", 0) for e in train.epochs)
        timing["val_time_s"] = sum(e["val_s"] for e in train.epochs)
        timing["execution_time_s"] = timing["train_time_s"] + timing["val_time_s"]
        timing["note"] = "partial: the epochs that finished before the run ended"
    return timing


def build_report(report: RunReport, config: BenchmarkConfig, train: ChildOutcome, infer: ChildOutcome | None,
                 telemetry: TelemetryFacts | None, history: list[RunReport], *, max_batch: dict | None = None,
                 warnings: dict[str, str] | None = None) -> RunReport:
    """The finished report from the running one."""
    result = train.result if isinstance(train.result, TrainPayload) else TrainPayload()
    reported = dict(report.config)
    software = {**report.software, **(train.hello.software if train.hello is not None else {})}
    backend = backend_of(software)
    data = train.data or {}
    if data.get("source"):
        reported["data_source"] = data["source"]
    timing, status, error = timing_of(train), train.status, train.error
    memory = dict(report.memory)
    if result.gpu_peak_bytes is not None:
        memory["gpu_peak_bytes"] = result.gpu_peak_bytes
    if max_batch:
        memory.update(max_batch_size=max_batch["max_batch_size"], max_batch=max_batch)
    if infer is not None:
        if infer.status == "completed" and isinstance(infer.result, InferPayload):
            timing["inference"] = {**infer.result.inference, **({"startup_s": infer.startup_s}
                                                                 if infer.startup_s is not None else {})}
            timing["inference_data_prep_s"] = infer.result.data_prep_s
        else:
            status, error = infer.status, infer.error
    findings = {**findings_of(timing, telemetry, report.hardware), **(warnings or {})}
    estimate = None
    if config.profile == "quick" and status == "completed":
        estimate = quick_estimate(config, timing, findings, software, report.hardware, history,
                                  replicas=(result.distribution or {}).get("replicas", 1), backend=backend)
        measured = (timing.get("epochs") or [{}])[0]
        if measured.get("measured_pass"):  # the config stays as asked; what ran sits beside it
            timing["measured"] = {"epochs": 1, "train_samples": measured["images"],
                                  "val_samples": measured["val_images"], "note": QUICK_MEASURED_NOTE}
    model = result.model or {}
    weights = model.get("weights") if isinstance(model.get("weights"), dict) else None
    if weights:  # what the run used: `auto` resolves to ImageNet or random, with the reason
        reported.update(weights_used=weights.get("used"), weights_reason=weights.get("reason"))
    if "jit_compile" in model:  # Keras' choice (XLA or not), which changes step times
        software["jit_compile"] = model["jit_compile"]
    extra = {**report.extra, "model": model, "step_times_s": result.step_times_s, "step_log": result.step_log}
    if config.is_kernels:
        extra["kernels"] = kernels_of(result, train.kernels, reported, timing, estimate, software, status)
    return report.with_changes(
        status=status, error=error, config=reported, software=software, timing=timing, estimate=estimate,
        data=data, efficiency=efficiency_of(model, timing, config.batch_size, report.hardware, software),
        findings=findings, memory=memory, energy=energy_section(telemetry, timing, estimate),
        distribution=distribution_section(config, result.distribution, timing, report.hardware, history, backend),
        finished_at=now_iso(), extra=extra,
    )


def kernels_of(result: TrainPayload, matrix: dict | None, config: dict, timing: dict, estimate: dict | None,
               software: dict, status: str) -> dict[str, Any]:
    """The simple kernels' section: the matrix parts, convolve2d's published figure, the network's facts as the
    publication gave them (FLOPs, the memory of its weights and of one batch) and the comparison."""
    model = result.model or {}
    found = kernels.section(result.kernels or matrix, config, timing if status == "completed" else {}, estimate,
                            on_gpu=bool(gpus_used(software)))
    params, batch = model.get("params"), config.get("batch_size") or 0
    found["network"] = {
        "params": params, "forward_flops_per_image": model.get("forward_flops_per_image"),
        "train_flops_per_step": (model.get("train_flops_per_image") or 0) * batch or None,
        "weights_bytes": params * 4 if params else None,  # float32 variables, also under mixed precision
        "batch_bytes": batch * (32 * 32 * 3 + 10) * 4,  # one batch of float32 images and one-hot labels
    }
    return found


def quick_estimate(config: BenchmarkConfig, timing: dict, findings: dict, software: dict, hardware: dict,
                   history: list[RunReport], replicas: int, backend: str = PUBLISHED_BACKEND) -> dict[str, Any]:
    """The full protocol estimated from a quick run's measured parts, with the machine's between-run spread."""
    protocol = {k: getattr(config, k) for k in
                ("epochs", "batch_size", "train_samples", "val_samples", "inference_batch_size")}
    spread = est.between_run_spread(history, config.model, config.batch_size, hardware,
                                    bool(gpus_used(software)), config.precision, replicas=replicas,
                                    backend=frameworks.variant(backend, config.compile))
    estimate = est.estimate(protocol, timing, timing.get("inference"), between_runs=spread)
    estimate = est.allow_for_interference(estimate, findings.get("interference"))
    for section, shared in (("inputs", timing.get("shared")),
                            ("inference_inputs", (timing.get("inference") or {}).get("shared"))):
        if shared and isinstance(estimate.get(section), dict):
            estimate[section]["shared"] = shared  # what this run shared with another dataset's
    estimate["protocol_is_published"] = config.is_published_protocol
    return estimate


def energy_section(telemetry: TelemetryFacts | None, timing: dict, estimate: dict | None) -> dict[str, Any]:
    if telemetry is None:
        return {"unavailable_reason": "telemetry was off for this run"}
    return energy_of(telemetry.samples, epochs=len(timing.get("epochs") or []), estimate=estimate,
                     cpu_source=telemetry.cpu_energy_source, cpu_reason=telemetry.cpu_energy_reason,
                     gpu_reason=telemetry.gpu_energy_reason, gpu_sources=list(telemetry.gpu_energy_sources))


def distribution_section(config: BenchmarkConfig, described: dict[str, Any] | None, timing: dict[str, Any],
                         hardware: dict[str, Any], history: list[RunReport], backend: str = PUBLISHED_BACKEND
                         ) -> dict[str, Any]:
    """The child's account of its strategy, with the scaling efficiency against this machine's one-device run."""
    if not described and not config.distributed:
        return {}
    strategy = frameworks.strategy_name(backend, bool(config.cluster))
    d = dict(described or {"strategy": strategy, "replicas": config.workers, "workers": config.workers,
                           "global_batch_size": config.batch_size,
                           "scaling": config.scaling, "keras_package": config.keras_package_for(backend),
                           "note": "the run ended before the strategy was set up"})
    if described:
        found = dist.scaling_efficiency(d, timing.get("steady_images_per_s"), history, config.model,
                                        config.dataset, config.precision, hardware,
                                        frameworks.variant(backend, config.compile))
        d["scaling_efficiency"] = found
        if found is None and d.get("replicas", 1) > 1:
            d["scaling_efficiency_note"] = ("no scaling efficiency: this machine has no completed one-device run "
                                            "of the same model, dataset and precision to divide by")
    return d


def efficiency_of(model: dict, timing: dict, batch_size: int, hardware: dict, software: dict) -> dict[str, Any]:
    """FLOPs per step and per image, achieved FLOP/s in steady steps, against the device's theoretical peak."""
    if not model.get("train_flops_per_image"):
        return {}
    per_step = model["train_flops_per_image"] * batch_size
    steady = timing.get("steady_step_s")
    achieved = per_step / steady if steady else None
    on_gpu = bool(gpus_used(software))
    gpus = [a for a in accelerators.of(hardware.get("gpu")) if a.get("discrete")]  # the first a framework uses
    if on_gpu and gpus and gpus[0].get("peak_fp32_flops"):
        device, peak, method = gpus[0]["name"], gpus[0]["peak_fp32_flops"], gpus[0]["peak_method"]
    else:
        cpu = hardware.get("cpu") or {}
        device, peak, method = cpu.get("brand"), cpu.get("peak_fp32_flops"), cpu.get("peak_method")
    return {
        "train_flops_per_step": per_step,
        "train_flops_per_image": model["train_flops_per_image"],
        "inference_flops_per_image": model.get("forward_flops_per_image"),
        "achieved_flops_per_s": achieved,
        "device": device,
        "peak_flops_per_s": peak,
        "peak_method": method,
        "utilisation": achieved / peak if achieved and peak else None,
        "flops_method": model.get("method"),
    }


def findings_of(timing: dict, telemetry: TelemetryFacts | None, hardware: dict | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    drift = timing.get("step_drift")
    if drift is not None:
        out["sustained"] = {
            "step_drift": drift,
            "degraded": drift > 0.05,
            "rule": "steady step time of the last tenth of the steps against the first tenth after warm-up; "
                    "flagged when more than 5% slower",
        }
    if telemetry is not None:
        out["interference"] = interference.assess(telemetry.samples)
        out["throttling"] = throttling.assess(telemetry.samples, hardware or {})
        gpus = telemetry.summary.get("gpus") or []
        util = ((gpus[0].get("util_percent") or {}).get("mean")) if gpus else None
        if util is not None and util < 50:
            out["input_bound_hint"] = (f"the GPU was busy only {util:.0f}% of the time on average: the input "
                                       "pipeline or the CPU may be the bottleneck")
    return out  # energy is the report's `energy` (core/measure/energy.py); throttle reasons in findings.throttling
