"""Runs one benchmark: a training child, then a fresh inference child; merges events, telemetry and hardware
into a RunReport that is journaled as it grows and saved atomically at the end."""

from __future__ import annotations

import os
import queue
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .. import __version__
from ..core import estimate as est
from ..core import distribution as dist
from ..core import interference, throttling
from ..core import events as ev
from ..core import storage
from ..core.config import BenchmarkConfig
from ..core.datasources import state as data_state
from ..core.energy import energy_of
from ..core.errors import VRAM_FULL, classify_outcome, cluster_failure, error_dict, gpu_visibility_problem
from ..core.history import load_history
from ..core.maxbatch_store import saved_result
from ..core.report import MAX_REPORT_BYTES, ReportError, RunReport, load_report, new_run_id, now_iso
from ..hardware import detect
from ..hardware.telemetry import Sampler
from .child import ChildProcess
from .share import Place, Sharing

STOP_GRACE_S = 3.0  # polite stop, then SIGTERM, then SIGKILL: a run is cancelled well within 10 s

EventCallback = Callable[[ev.Event], None]


@dataclass
class ChildOutcome:
    status: str  # completed | failed | cancelled
    result: dict[str, Any] | None = None  # the Result event's payload
    error: dict[str, Any] | None = None
    hello: ev.Hello | None = None
    epochs: list[dict[str, Any]] = field(default_factory=list)
    data: dict[str, Any] | None = None
    returncode: int | None = None


class _Pump:
    """Reads one child's events until it ends: the journal, the watchdog, stop escalation, the callbacks."""

    def __init__(self, runner: "BenchmarkRunner", task: str, child: ChildProcess, sampler: Sampler | None,
                 journal: storage.Journal, on_epoch: Callable[[list], None]):
        self.runner, self.task, self.child, self.sampler, self.journal = runner, task, child, sampler, journal
        self.on_epoch = on_epoch
        self.out = ChildOutcome(status="failed")
        self.final: ev.Event | None = None
        self.hung = False
        self.forced_error: dict[str, Any] | None = None
        self.until_result = False  # a shared child goes on with the next dataset: stop reading at this run's Result

    def run(self) -> None:
        stop_deadline: float | None = None
        child, config = self.child, self.runner.config
        while True:
            if self.runner.stopping and stop_deadline is None:
                child.request_stop()
                stop_deadline = time.monotonic() + STOP_GRACE_S
            if stop_deadline is not None and time.monotonic() > stop_deadline and child.poll() is None:
                child.stop(grace_s=0.1, term_s=3.0)
            try:
                event = child.next_event(timeout=0.25)
            except queue.Empty:
                if time.monotonic() - child.last_event_at > config.watchdog_s and child.poll() is None:
                    self.hung = True
                    child.kill()
                continue
            if event is None:
                return
            if not isinstance(event, ev.Heartbeat):  # a heartbeat has done its job on arrival
                self.handle(event.with_task(self.task))
            if self.until_result and isinstance(event, ev.Result) and self.forced_error is None:
                return

    def handle(self, event: ev.Event) -> None:
        try:
            if not isinstance(event, ev.Step):
                self.journal.append(event.to_dict(), sync=isinstance(event, (ev.EpochEnd, ev.Hello, *ev.FINAL_EVENTS)))
        except storage.DiskFullError as exc:
            if self.forced_error is None:
                self.forced_error = error_dict("disk_full", f"{exc}; the run was stopped")
            self.child.kill()
            return
        if isinstance(event, ev.Hello):
            self.hello(event)
        elif isinstance(event, ev.Phase) and self.sampler is not None:
            self.sampler.mark(phase=event.phase, epoch=event.epoch)
        elif isinstance(event, ev.EpochEnd):
            self.out.epochs.append(event.record)
            self.on_epoch(self.out.epochs)
        elif isinstance(event, ev.Log) and event.data is not None:
            self.out.data = event.data
        elif isinstance(event, ev.FINAL_EVENTS):
            self.final = event
        self.runner._emit(event)

    def hello(self, event: ev.Hello) -> None:
        runner = self.runner
        self.out.hello = self.child.hello = event  # kept with the child: a run that takes it over reads it
        if self.task != "train":
            return
        for warning_kind, problem in runner._hello_warnings(event):
            runner.warnings[warning_kind] = problem
            runner._emit(ev.Log(message=problem, level="warning", kind=warning_kind, task=self.task))
        if runner.gpu_warning and runner.config.require_gpu:
            self.forced_error = error_dict("no_gpu_visible", runner.gpu_warning)
            self.child.kill()  # nothing done yet, nothing to keep: do not wait for a first step


def predicted_data_source(data: str, dataset: str) -> str:
    if data == "synthetic":
        return "synthetic"
    if data not in ("auto", "keras"):
        return "files"
    st, _ = data_state(dataset, data)
    return {"cached": "keras", "download": "keras", "files": "files"}.get(st, "synthetic")


class BenchmarkRunner:
    """One benchmark, start to report. `run()` blocks; `stop()` may be called from any thread."""

    def __init__(self, config: BenchmarkConfig, *, on_event: EventCallback | None = None,
                 on_sample: Callable[[dict], None] | None = None, hardware: dict[str, Any] | None = None,
                 keep_checkpoint: bool = False, telemetry: bool = True, task_extra: dict[str, Any] | None = None,
                 worker_command: list[str] | None = None, sharing: Sharing | None = None):
        self.config = config
        self.on_event = on_event
        self.on_sample = on_sample
        self.hardware = hardware
        self.keep_checkpoint = keep_checkpoint
        self.telemetry = telemetry
        self.task_extra = task_extra or {}
        self.worker_command = worker_command  # None: this program's own worker (tests run stand-ins)
        self.sharing = sharing  # the session's processes shared between datasets (runner/share.py), or None
        self.place = Place(-1, [config.dataset], 0)
        self._stop = threading.Event()
        self._child: ChildProcess | None = None
        self.gpu_warning: str | None = None  # NVIDIA GPU present, TensorFlow sees none (from the child's hello)
        self.warnings: dict[str, str] = {}  # kind -> words, from the child's hello; kept in the report's findings
        self.run_id = new_run_id(config.model, config.dataset)
        self.run_dir = storage.runs_dir() / self.run_id
        self.report_path = storage.reports_dir() / f"{self.run_id}.json"

    # ------------------------------------------------------------------ control
    def stop(self) -> None:
        self._stop.set()
        child = self._child
        if child is not None:
            child.request_stop()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def _emit(self, event: ev.Event) -> None:
        if self.on_event is not None:
            try:
                self.on_event(event)
            except Exception:
                traceback.print_exc()

    # ------------------------------------------------------------------ one child
    def run_child(self, task: str, sampler: Sampler | None, journal: storage.Journal,
                   on_epoch: Callable[[list], None], extra: dict[str, Any] | None = None) -> ChildOutcome:
        """One child, start to end: its events pumped into the journal and the callbacks, then how it ended."""
        child = self._start_child(task, extra)
        self._child = child
        if self._stop.is_set():
            child.request_stop()
        if sampler is not None:
            sampler.watch(child.pid)
        pump = _Pump(self, task, child, sampler, journal, on_epoch)
        pump.until_result = self.place.shared and not self.place.last
        if child.hello is not None:  # a shared child said hello to an earlier run: this run's report needs it too
            pump.handle(child.hello.with_task(task))
        kept = False
        try:
            pump.run()
            if not self._answers_for_this_run(pump):  # never expected: a shared child out of step with the runs
                pump.forced_error = error_dict("crash", f"the shared {task} process answered for another dataset "
                                                        f"({pump.final.extra.get('dataset')}), not {self.config.dataset}")
            kept = (isinstance(pump.final, ev.Result) and pump.forced_error is None and not self._stop.is_set()
                    and self.place.shared and self.sharing.keep(self.place, task, child))
        finally:
            if kept:
                rc, tail = None, ""
            else:
                rc = child.wait(timeout=15)
                if rc is None:
                    child.kill()
                    rc = child.poll()
                tail = child.stderr_tail()
                child.close()
            self._child = None
        out = pump.out
        out.returncode = rc
        if pump.forced_error is not None:
            out.error = pump.forced_error
            return out
        out.status, out.error = self._classify(pump, out, rc, tail, sampler, task)
        if out.status == "completed":
            out.result = dict(pump.final.extra)
        return out

    def _start_child(self, task: str, extra: dict[str, Any] | None) -> ChildProcess:
        """This run's child: the group's, waiting for this dataset (runner/share.py), or a fresh one (with the
        datasets still to come in its group, when it is to be shared)."""
        place, sharing = self.place, self.sharing
        if sharing is not None and place.shared and place.position > 0:
            child = sharing.take(place, task)
            if child is not None:
                return child
        request = {"task": task, "config": self.config.to_dict(), "heartbeat_s": min(10.0, self.config.watchdog_s / 4),
                   "checkpoint_path": str(self.run_dir / "best_model.keras"), **(extra or {})}
        if sharing is not None and place.shared:
            request["datasets"] = place.remaining
            sharing.logs.setdefault(place.group, str(self.run_dir / "worker.log"))
            if task == "train":
                sharing.checkpoints[place.group] = request["checkpoint_path"]
            else:
                request["checkpoint_path"] = sharing.checkpoints.get(place.group, request["checkpoint_path"])
        return ChildProcess(request, self.run_dir / "worker.log", command=self.worker_command)

    def _answers_for_this_run(self, pump: _Pump) -> bool:
        said = (pump.final.extra or {}).get("dataset") if isinstance(pump.final, ev.Result) else None
        return said in (None, self.config.dataset)

    def _classify(self, pump: _Pump, out: ChildOutcome, rc: int | None, tail: str, sampler: Sampler | None,
                  task: str) -> tuple[str, dict[str, Any] | None]:
        last = sampler.samples[-1] if sampler is not None and sampler.samples else {}
        on_gpu = bool(out.hello is not None and out.hello.software.get("tf_gpus"))
        status, error = classify_outcome(
            pump.final, rc, tail, sampler.peak_child_rss_bytes if sampler is not None else 0,
            self.config.host_memory_limit_gb, pump.hung, stopped=self._stop.is_set(),
            ram_percent=last.get("ram_percent") or 0, task=task, watchdog_s=self.config.watchdog_s,
            on_gpu=on_gpu, vram_full=vram_was_full(sampler.samples[-4:] if sampler is not None else []))
        if error is not None and self.config.cluster:
            error = self._cluster_error(error, tail)
        return status, error

    def _cluster_error(self, error: dict[str, Any], tail: str) -> dict[str, Any]:
        """A cluster worker's report names the worker that failed: another one (worker_lost, from the collective's
        words, also when the child died without sending them), or this one (any other failure)."""
        c = self.config
        if error["kind"] == "crash":
            lost = cluster_failure("", f"{error.get('message', '')}\n{tail}", c.cluster, c.task_index)
            if lost is not None:
                error = error_dict(lost[0], lost[1], **{k: v for k, v in error.items()
                                                        if k in ("returncode", "log_tail", "traceback", "exception")})
        if error["kind"] == "worker_lost":
            from ..core.errors import lost_worker

            index = lost_worker(error["message"], c.cluster, c.task_index)
        elif error["kind"] == "cluster_unreachable":
            return {**error, "worker": None}
        elif error["kind"] in ("cancelled", "port_in_use"):  # nothing failed / the message names this worker
            return {**error, "worker": {"task_index": c.task_index, "address": c.cluster[c.task_index]}}
        else:
            index = c.task_index
            error = {**error, "message": f"worker {index} ({c.cluster[index]}), this one: {error['message']}"}
        return {**error, "worker": ({"task_index": index, "address": c.cluster[index]} if index is not None else None)}

    def _hello_warnings(self, hello: ev.Hello) -> list[tuple[str, str]]:
        """What the child's first words tell the user: a GPU left unused, a GPU memory limit with no GPU."""
        out = []
        problem = gpu_visibility_problem(self.hardware, hello.software.get("tf_gpus"))
        if problem:
            self.gpu_warning = problem
            out.append(("no_gpu_visible", problem))
        limit = hello.gpu_memory_limit or {}
        if self.config.gpu_memory_limit_gb is not None and limit.get("applied") is False:
            out.append(("gpu_memory_limit_unused", f"the GPU memory limit of {self.config.gpu_memory_limit_gb:g} GB "
                                                   "has no effect: TensorFlow sees no GPU on this machine"))
        return out

    # ------------------------------------------------------------------ the whole run
    def run(self) -> RunReport:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        journal = storage.Journal(self.run_dir / "events.jsonl")
        hw = self.hardware = self.hardware if self.hardware is not None else detect.detect()
        self.config = effective_config(self.config, hw)
        if self.sharing is not None:
            self.place = self.sharing.claim(self.config)
        config_dict = {**self.config.to_dict(),
                       "data_source": predicted_data_source(self.config.data, self.config.dataset),
                       "data_requested": self.config.data,
                       "steps_per_epoch": self.config.steps_per_epoch, "val_steps": self.config.val_steps}
        log_path = str(self.run_dir / "worker.log")
        if self.sharing is not None and self.place.shared:  # a shared child goes on writing the group's log
            log_path = self.sharing.logs.get(self.place.group, log_path)
        report = RunReport(run_id=self.run_id, status="running", config=config_dict, hardware=hw,
                           software={"dlbench": __version__}, app_version=__version__, log_path=log_path,
                           extra={"runner_pid": os.getpid(), "runner_started_at": process_started_at(os.getpid()),
                                  "run_dir": str(self.run_dir),
                                  **({"shared_process": {"datasets": self.place.datasets,
                                                         "position": self.place.position}}
                                     if self.place.shared else {})})
        self._save(report)
        self._emit(ev.RunStarted(run_id=self.run_id, config=config_dict, log_path=report.log_path,
                                 report_path=str(self.report_path)))
        sampler = Sampler(on_sample=self.on_sample).start() if self.telemetry else None
        state = {"report": report}

        def on_epoch(epochs: list) -> None:
            # An epoch finished is an epoch kept: the partial report is rewritten after every one.
            state["report"] = state["report"].with_changes(timing={**state["report"].timing, "epochs": list(epochs)})
            try:
                self._save(state["report"])
            except storage.DiskFullError:
                pass  # the journal and the final save report it

        try:
            train = self.run_child("train", sampler, journal, on_epoch, self.task_extra)
            infer = None
            if train.status == "completed" and not self._stop.is_set():
                infer = self.run_child("infer", sampler, journal, lambda e: None)
            report = self._assemble(state["report"], train, infer, sampler)
        except KeyboardInterrupt:  # a second Ctrl+C: the child is already killed; keep what was done
            report = state["report"].with_changes(
                status="cancelled", finished_at=now_iso(), error=error_dict("cancelled", "stopped at once (interrupted twice)"))
            raise
        except BaseException as exc:
            report = state["report"].with_changes(
                status="failed", finished_at=now_iso(),
                error=error_dict("crash", f"dlbench runner failed: {exc}", traceback=traceback.format_exc()))
            raise
        finally:
            if sampler is not None:
                sampler.stop()
                report = report.with_changes(telemetry=sampler.stored(),
                                             memory={**report.memory, "peak_child_rss_bytes": sampler.peak_child_rss_bytes})
            journal.close()
            try:
                self._save(report)
            except storage.DiskFullError as exc:
                report = report.with_changes(status="failed", error=error_dict("disk_full", str(exc)))
            keep = self.keep_checkpoint and report.status == "completed"
            if self.sharing is None or self.sharing.release(self.place, self.run_dir, keep=keep):
                if not keep:
                    remove_checkpoints(self.run_dir)  # a failed run's checkpoint may be partial: never keep it
            self._emit(ev.RunFinished(run_id=self.run_id, status=report.status, report_path=str(self.report_path)))
        return report

    def _distribution(self, described: dict[str, Any] | None, timing: dict[str, Any],
                      hardware: dict[str, Any]) -> dict[str, Any]:
        """The child's account of its strategy, with the scaling efficiency against this machine's one-device run."""
        if not described and not self.config.distributed:
            return {}
        d = dict(described or {"strategy": "MultiWorkerMirroredStrategy" if self.config.cluster else "MirroredStrategy",
                               "replicas": self.config.workers, "workers": self.config.workers,
                               "scaling": self.config.scaling, "keras_package": self.config.keras_package,
                               "note": "the run ended before the strategy was set up"})
        if described:
            history, _ = load_history()
            found = dist.scaling_efficiency(d, timing.get("steady_images_per_s"), history, self.config.model,
                                            self.config.dataset, self.config.precision, hardware)
            d["scaling_efficiency"] = found
            if found is None and d.get("replicas", 1) > 1:
                d["scaling_efficiency_note"] = ("no scaling efficiency: this machine has no completed one-device run "
                                                "of the same model, dataset and precision to divide by")
        return d

    def _save(self, report: RunReport) -> None:
        report.save(self.report_path)

    def _assemble(self, report: RunReport, train: ChildOutcome, infer: ChildOutcome | None,
                  sampler: Sampler | None) -> RunReport:
        config = dict(report.config)
        software = dict(report.software)
        hello = train.hello.software if train.hello is not None else {}
        software.update(hello)
        data = train.data or {}
        if data.get("source"):
            config["data_source"] = data["source"]
        timing: dict[str, Any] = {"epochs": train.epochs}
        result = train.result or {}
        if result:
            timing = dict(result["timing"])
            for key in ("data_prep_s", "build_s", "compile_s"):
                timing[key] = result[key]
        elif train.epochs:
            timing["train_time_s"] = sum(e["train_s"] + e.get("checkpoint_s", 0) for e in train.epochs)
            timing["val_time_s"] = sum(e["val_s"] for e in train.epochs)
            timing["execution_time_s"] = timing["train_time_s"] + timing["val_time_s"]
            timing["note"] = "partial: the epochs that finished before the run ended"
        error = train.error
        status = train.status
        memory = dict(report.memory)
        if result.get("gpu_peak_bytes") is not None:
            memory["gpu_peak_bytes"] = result["gpu_peak_bytes"]
        found = saved_result(self.config.model, self.config.dataset, self.config.host_memory_limit_gb,
                             self.config.gpu_memory_limit_gb)
        if found:
            memory["max_batch_size"] = found["max_batch_size"]
            memory["max_batch"] = found
        if infer is not None:
            if infer.status == "completed":
                timing["inference"] = infer.result["inference"]
                timing["inference_data_prep_s"] = infer.result.get("data_prep_s")
            else:
                status, error = infer.status, infer.error
        findings = findings_of(timing, sampler, report.hardware)
        findings.update(self.warnings)
        estimate = None
        if self.config.profile == "quick" and status == "completed":
            protocol = {k: self.config.to_dict()[k] for k in
                        ("epochs", "batch_size", "train_samples", "val_samples", "inference_batch_size")}
            history, _ = load_history()  # the machine's own between-run spread, if it has run this model before
            spread = est.between_run_spread(history, self.config.model, self.config.batch_size, report.hardware,
                                            bool(software.get("tf_gpus")), self.config.precision,
                                            replicas=(result.get("distribution") or {}).get("replicas", 1))
            estimate = est.estimate(protocol, timing, timing.get("inference"), between_runs=spread)
            estimate = est.allow_for_interference(estimate, findings.get("interference"))
            for section, shared in (("inputs", timing.get("shared")),
                                    ("inference_inputs", (timing.get("inference") or {}).get("shared"))):
                if shared and isinstance(estimate.get(section), dict):
                    estimate[section]["shared"] = shared  # what this run shared with another dataset's
            estimate["protocol_is_published"] = self.config.is_published_protocol
            measured = (timing.get("epochs") or [{}])[0]
            if measured.get("measured_pass"):  # the config says what ran; the protocol estimated is estimate.protocol
                config.update(epochs=1, train_samples=measured["images"], val_samples=measured["val_images"],
                              note="quick profile: epochs, train_samples and val_samples are what was measured; "
                                   "the protocol estimated is estimate.protocol")
        distribution = self._distribution(result.get("distribution"), timing, report.hardware)
        model = result.get("model") or {}
        weights = model.get("weights") if isinstance(model.get("weights"), dict) else None
        if weights:  # what the run used: `auto` resolves to ImageNet or random, with the reason
            config.update(weights_used=weights.get("used"), weights_reason=weights.get("reason"))
        if "jit_compile" in model:  # Keras' choice (XLA or not), which changes step times
            software["jit_compile"] = model["jit_compile"]
        efficiency = efficiency_of(model, timing, self.config.batch_size, report.hardware, software)
        if sampler is not None:
            energy = energy_of(sampler.samples, epochs=len(timing.get("epochs") or []), estimate=estimate,
                               cpu_source=sampler.rapl.source if sampler.rapl.available else None,
                               cpu_reason=sampler.rapl.reason, gpu_reason=sampler.gpu_energy_reason)
        else:
            energy = {"unavailable_reason": "telemetry was off for this run"}
        return report.with_changes(
            status=status, error=error, config=config, software=software, timing=timing, estimate=estimate,
            data=data, efficiency=efficiency, findings=findings, memory=memory, energy=energy,
            distribution=distribution, finished_at=now_iso(),
            extra={**report.extra, "model": model, "step_times_s": result.get("step_times_s"),
                   "step_log": result.get("step_log")},
        )


def effective_config(config: BenchmarkConfig, hardware: dict[str, Any]) -> BenchmarkConfig:
    """Weak scaling gives every replica the batch: the run's batch (images per step) becomes batch x replicas, so
    its steps per epoch, its estimate and its comparability all follow from what it really does."""
    if config.scaling != "weak" or not config.distributed:
        return config
    import dataclasses

    gpus = len((hardware.get("gpu") or {}).get("nvidia") or [])
    replicas = config.workers * config.local_devices(gpus)
    return dataclasses.replace(config, batch_size=config.global_batch_size(replicas), scaling="weak")


def vram_was_full(samples: list[dict]) -> bool:
    """Did NVML see any GPU's memory at its limit (VRAM_FULL of the total) in these samples (a child's last ones)?"""
    for s in samples:
        for g in s.get("gpus") or []:
            used, total = g.get("vram_used_bytes"), g.get("vram_total_bytes")
            if isinstance(used, (int, float)) and isinstance(total, (int, float)) and total and used / total >= VRAM_FULL:
                return True
    return False


def efficiency_of(model: dict, timing: dict, batch_size: int, hardware: dict, software: dict) -> dict[str, Any]:
    """FLOPs per step and per image, achieved FLOP/s in steady steps, against the device's theoretical peak."""
    if not model.get("train_flops_per_image"):
        return {}
    per_step = model["train_flops_per_image"] * batch_size
    steady = timing.get("steady_step_s")
    achieved = per_step / steady if steady else None
    on_gpu = bool(software.get("tf_gpus"))
    gpus = (hardware.get("gpu") or {}).get("nvidia") or []
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


def findings_of(timing: dict, sampler: Sampler | None, hardware: dict | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    drift = timing.get("step_drift")
    if drift is not None:
        out["sustained"] = {
            "step_drift": drift,
            "degraded": drift > 0.05,
            "rule": "steady step time of the last tenth of the steps against the first tenth after warm-up; "
                    "flagged when more than 5% slower",
        }
    if sampler is not None:
        out["interference"] = interference.assess(sampler.samples)
        out["throttling"] = throttling.assess(sampler.samples, hardware or {})
        summary = sampler.summary()
        gpus = summary.get("gpus") or []
        if gpus:
            g = gpus[0]
            util = (g.get("util_percent") or {}).get("mean")
            if util is not None and util < 50:
                out["input_bound_hint"] = (f"the GPU was busy only {util:.0f}% of the time on average: the input "
                                           "pipeline or the CPU may be the bottleneck")
    return out  # energy is the report's `energy` (core/energy.py); throttle reasons are in findings.throttling


def process_started_at(pid: int) -> float | None:
    """When the process with this pid started (seconds since the epoch): with the pid, it names one process."""
    import psutil

    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def runner_alive(pid: Any, started_at: Any) -> bool:
    """Is the dlbench that wrote a 'running' report still at work? A pid alone can be reused by any process."""
    if not isinstance(pid, int) or not isinstance(started_at, (int, float)):
        return False
    now = process_started_at(pid)
    return now is not None and abs(now - started_at) < 1.0


def remove_checkpoints(run_dir: Path) -> None:
    """The run's checkpoint and any half-written temporary one, only ever inside dlbench's runs folder."""
    try:
        folder = Path(run_dir).resolve()
        if folder.parent != storage.runs_dir().resolve():
            return
        for path in folder.glob("best_model.keras*"):
            path.unlink()
    except OSError:
        pass


def _journal_event(d: dict[str, Any]) -> ev.Event | None:
    try:
        return ev.from_dict(d)
    except ev.WireError:  # a torn or foreign line: skipped
        return None


def recover_interrupted() -> list[Path]:
    """Reports left 'running' by a dlbench that is gone are saved as failed/interrupted, epochs kept, and their
    checkpoints removed. Never fatal: a report that cannot be fixed is left as it is."""
    from ..core.contract import validation_errors

    fixed = []
    for path in storage.reports_dir().glob("*.json"):
        try:
            if not path.is_file() or path.stat().st_size > MAX_REPORT_BYTES:
                continue  # not a report (load_history names it)
            if '"running"' not in path.read_text(encoding="utf-8", errors="replace"):
                continue  # cheap: only a report left running is parsed and checked (the history loads them all)
            r = load_report(path)
        except (ReportError, OSError):
            continue
        if r.status != "running" or runner_alive(r.extra.get("runner_pid"), r.extra.get("runner_started_at")):
            continue
        run_dir = Path(str(r.extra.get("run_dir") or ""))
        local = bool(r.extra.get("run_dir")) and run_dir.resolve().parent == storage.runs_dir().resolve()
        events = storage.read_journal(run_dir / "events.jsonl") if local else []
        epochs = [e.record for e in map(_journal_event, events) if isinstance(e, ev.EpochEnd) and e.task == "train"]
        timing = dict(r.timing)
        if len(epochs) > len(timing.get("epochs") or []):
            timing["epochs"] = epochs
        fixed_report = r.with_changes(status="failed", timing=timing, finished_at=now_iso(),
                                      error=error_dict("interrupted", "dlbench stopped while this run was in progress; "
                                                       f"{len(timing.get('epochs') or [])} finished epoch(s) kept"))
        if validation_errors(fixed_report.to_dict()):  # a torn journal must not make the report unreadable
            fixed_report = fixed_report.with_changes(timing=r.timing)
        try:
            fixed_report.save(path)
        except OSError:
            continue
        if local:
            remove_checkpoints(run_dir)
        fixed.append(path)
    return fixed
