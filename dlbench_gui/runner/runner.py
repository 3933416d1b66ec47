"""Runs one benchmark: a training child, then a fresh inference child (each supervised by `supervisor.py`); the
report is started, journaled as it grows, built by `report_builder.py` and saved atomically at the end."""

from __future__ import annotations

import os
import traceback
from typing import Any, Callable

from ..core.backend_choice import BackendChoice, choose_backend
from ..core.config import BenchmarkConfig
from ..core.frameworks import PUBLISHED_BACKEND
from ..core.errors import error_dict
from ..core.store import storage
from ..core.store.datasources import state as data_state
from ..core.store.history import load_history
from ..core.store.maxbatch_store import read_result
from ..core.store.report import RunReport, new_run_id, now_iso
from ..core.wire import events as ev
from ..core.wire.request import WorkerRequest
from ..hardware import detect
from ..hardware.telemetry import Sampler
from .checkpoints import checkpoint_path, remove_checkpoints
from .recovery import process_started_at
from .report_builder import TelemetryFacts, build_report, start_report
from .share import Place, Sharing
from .supervisor import ChildOutcome, EventCallback, Supervisor

HEARTBEAT_MAX_S = 10.0


def predicted_data_source(data: str, dataset: str) -> str:
    if data == "synthetic":
        return "synthetic"
    if data not in ("auto", "keras"):
        return "files"
    st, _ = data_state(dataset, data)
    return {"cached": "keras", "download": "keras", "files": "files"}.get(st, "synthetic")


class BenchmarkRunner:
    """One benchmark, start to report. `run()` blocks; `stop()` may be called from any thread. `history`: the saved
    reports as the caller read them (the session loop reads them once); None: read here when the run ends."""

    def __init__(self, config: BenchmarkConfig, *, on_event: EventCallback | None = None,
                 on_sample: Callable[[dict], None] | None = None, hardware: dict[str, Any] | None = None,
                 keep_checkpoint: bool = False, telemetry: bool = True, worker_command: list[str] | None = None,
                 sharing: Sharing | None = None, history: list[RunReport] | None = None,
                 backend: BackendChoice | None = None, repeat: dict[str, Any] | None = None, index: int = 0):
        self.config = config
        self.on_sample = on_sample
        self.hardware = hardware
        self.keep_checkpoint = keep_checkpoint
        self.telemetry = telemetry
        self.sharing = sharing  # the session's processes shared between datasets (runner/share.py), or None
        self.history = history
        self.backend = backend  # the framework chosen for this run; None: chosen when the run starts
        self.repeat = repeat  # its place in a repeated setup (core/plan.py), or None
        self.index = index  # its planned run's place in the session (core/plan.py): its events say it
        self.supervisor = Supervisor(config, on_event=on_event, hardware=hardware, worker_command=worker_command)
        self.place = Place(-1, [config.dataset], 0)
        self.run_id = new_run_id(config.model, config.dataset)
        self.run_dir = storage.runs_dir() / self.run_id
        self.report_path = storage.reports_dir() / f"{self.run_id}.json"

    @property
    def backend_name(self) -> str:
        return self.backend.name if self.backend is not None else PUBLISHED_BACKEND

    def stop(self) -> None:
        self.supervisor.stop()

    @property
    def stopping(self) -> bool:
        return self.supervisor.stopping

    def request(self, task: str) -> WorkerRequest:
        """The one place a benchmark's worker request is made."""
        return WorkerRequest(task=task, config=self.config, checkpoint_path=checkpoint_path(self.run_dir),
                             heartbeat_s=min(HEARTBEAT_MAX_S, self.config.watchdog_s / 4),
                             backend=self.backend_name)

    def run_child(self, task: str, sampler: Sampler | None, journal: storage.Journal,
                  on_epoch: Callable[[list], None] = lambda epochs: None) -> ChildOutcome:
        """This run's `task` child: the group's, waiting for this dataset (runner/share.py), or a fresh one (told the
        datasets still to come in its group, when it is to be shared)."""
        place, sharing, request = self.place, self.sharing, self.request(task)
        child, keep = None, None
        if sharing is not None and place.shared:
            child = sharing.take(place, task) if place.position > 0 else None
            if child is None:  # the group's first run, or its child ended: a fresh one for the datasets to come
                request = sharing.shared_request(place, request, log=str(self.run_dir / "worker.log"))
            keep = lambda c: sharing.keep(place, task, c)  # noqa: E731
        return self.supervisor.run_child(request, self.run_dir / "worker.log", sampler, journal, on_epoch,
                                         child=child, until_result=place.shared and not place.last, keep=keep)

    def run(self) -> RunReport:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        journal = storage.Journal(self.run_dir / "events.jsonl")
        report = self._begin()
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
            train = self.run_child("train", sampler, journal, on_epoch)
            infer = None
            if train.status == "completed" and not self.stopping and not self.config.is_kernels:
                infer = self.run_child("infer", sampler, journal)  # the simple kernels time no inference
            report = self._build(state["report"], train, infer, sampler)
        except KeyboardInterrupt:  # a second Ctrl+C: the child is already killed; keep what was done
            report = state["report"].with_changes(
                status="cancelled", finished_at=now_iso(), error=error_dict("cancelled", "stopped at once (interrupted twice)"))
            raise
        except BaseException as exc:
            kind = "disk_full" if storage.is_disk_full(exc) else "crash"  # e.g. no room for the worker log's first line
            report = state["report"].with_changes(
                status="failed", finished_at=now_iso(),
                error=error_dict(kind, f"dlbench runner failed: {exc}", traceback=traceback.format_exc()))
            if kind != "disk_full":  # a full disk is a failed run, said as one, like a run that filled it
                raise
        finally:
            report = self._end(report, sampler, journal, state["report"])
        return report

    def _begin(self) -> RunReport:
        """The report as the run starts, saved, and said (RunStarted)."""
        hw = self.hardware = self.supervisor.hardware = self.hardware if self.hardware is not None else detect.detect()
        if self.backend is None:
            self.backend = choose_backend(self.config.backend, hw)
        if self.sharing is not None:
            self.place = self.sharing.place(self.index, self.config.dataset)
        log_path = str(self.run_dir / "worker.log")
        if self.sharing is not None and self.place.shared:  # a shared child goes on writing the group's log
            log_path = self.sharing.logs.get(self.place.group, log_path)
        extra = {"runner_pid": os.getpid(), "runner_started_at": process_started_at(os.getpid()),
                 "run_dir": str(self.run_dir), "plan_index": self.index,
                 **({"shared_process": {"datasets": self.place.datasets, "position": self.place.position}}
                    if self.place.shared else {}),
                 **({"repeat": self.repeat} if self.repeat else {})}
        report = start_report(self.run_id, self.config, hw, log_path=log_path, extra=extra, backend=self.backend,
                              data_source=predicted_data_source(self.config.data, self.config.dataset))
        self._save(report)
        self.supervisor.emit(ev.RunStarted(run_id=self.run_id, config=report.config, log_path=report.log_path,
                                           report_path=str(self.report_path), index=self.index))
        return report

    def _build(self, report: RunReport, train: ChildOutcome, infer: ChildOutcome | None,
               sampler: Sampler | None) -> RunReport:
        c = self.config
        history = self.history if self.history is not None else load_history()[0]
        max_batch, ignored = read_result(c.model, c.dataset, c.host_memory_limit_gb, c.gpu_memory_limit_gb,
                                         self.backend_name)
        warnings = {**self.supervisor.warnings, **({"store_file_ignored": ignored} if ignored else {})}
        return build_report(report, c, train, infer, TelemetryFacts.of(sampler), history, max_batch=max_batch,
                            warnings=warnings)

    def _end(self, report: RunReport, sampler: Sampler | None, journal: storage.Journal,
             saved: RunReport) -> RunReport:
        """Telemetry kept, the report saved (a full disk said in it), the checkpoint removed unless it is kept or a
        later run of its group needs it, and RunFinished said."""
        if sampler is not None:
            sampler.stop()
            report = report.with_changes(telemetry=sampler.stored(),
                                         memory={**report.memory, "peak_child_rss_bytes": sampler.peak_child_rss_bytes})
        journal.close()
        try:
            self._save(report)
        except storage.DiskFullError as exc:
            if (report.error or {}).get("kind") != "disk_full":  # the run's own disk_full says where it filled
                report = report.with_changes(status="failed", error=error_dict("disk_full", str(exc)))
            if not self.keep_checkpoint:  # a partial checkpoint is what filled the disk: its space holds the report
                remove_checkpoints(self.run_dir)
            try:
                self._save(report)
            except storage.DiskFullError:  # no room for a second copy: the report as it began, failed, over itself
                brief = {k: v for k, v in (report.error or {}).items() if k != "traceback"}
                self._save_over(saved.with_changes(status=report.status, error=brief,
                                                   finished_at=report.finished_at or now_iso()))
        keep = self.keep_checkpoint and report.status == "completed"
        if self.sharing is None or self.sharing.release(self.place, self.run_dir, keep=keep):
            if not keep:
                remove_checkpoints(self.run_dir)  # a failed run's checkpoint may be partial: never keep it
        self.supervisor.emit(ev.RunFinished(run_id=self.run_id, status=report.status, report_path=str(self.report_path)))
        return report

    def _save(self, report: RunReport) -> None:
        report.save(self.report_path)

    def _save_over(self, report: RunReport) -> None:
        """The last resort of a full disk: `report` (the one last saved, failed, written compact) over that one, so
        that it is not left `running`. If even that fails, the CLI and the window still say it, and the next start's
        recovery finds the run."""
        try:
            storage.overwrite_in_place(self.report_path, (storage.json_text(report.to_dict()) + "\n").encode("utf-8"))
        except OSError:
            pass
