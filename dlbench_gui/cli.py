"""The command line: the same engine as the window, headless, for servers and scripts."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from . import __version__
from .core.wire import events as ev
from .core.measure import interference
from .core.view import present
from .core.view.card import Card, card
from .core.view.words import data_words, pair_words
from .core.config import (DATASET_NAMES, DATASETS, DEFAULT_QUICK_BUDGET_S, DEFAULT_WATCHDOG_S, MODEL_NAMES, MODELS, PRECISIONS, PROFILES, PROTOCOL_BATCH_SIZE, PROTOCOL_EPOCHS, PROTOCOL_TRAIN_SAMPLES, PROTOCOL_VAL_SAMPLES, SCALINGS, WEIGHTS, BenchmarkConfig, ConfigError, expand_selection, parse_cluster)
from .core.durations import format_bytes, format_duration
from .core.errors import WorkFailed
from .core.store.history import load_history
from .core.measure.predict import predict_all
from .core.store.report import ReportError, RunReport, load_report
from .core.session import RunSession
from .core.store.storage import atomic_write_json, check_data_dir, check_writable, logs_dir

class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, no usage dump or traceback
        raise UsageError(message)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be above zero: {text!r}")
    return value


def _devices(text: str) -> int:
    if text == "all":
        return 0
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of devices or 'all': {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more (or 'all'): {text!r}")
    return value


def _cluster(text: str) -> tuple[str, ...]:
    try:
        return parse_cluster(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="dlbench", description="Is this machine good enough for deep-learning work?")
    p.add_argument("--version", action="version", version=f"dlbench {__version__}")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    r = sub.add_parser("run", help="run the benchmark (one child process per model x dataset)")
    r.add_argument("--model", default="all", choices=[*MODELS, "all"])
    r.add_argument("--dataset", default="all", choices=[*DATASETS, "all"])
    r.add_argument("--profile", default="quick", choices=PROFILES,
                   help="quick: measure briefly and estimate the protocol; full: the published protocol; custom: your own")
    r.add_argument("--epochs", type=int)
    r.add_argument("--batch-size", type=int)
    r.add_argument("--train-samples", type=int)
    r.add_argument("--val-samples", type=int)
    r.add_argument("--data", default="auto", help="auto, keras, synthetic, or a folder with the IDX .gz files / .npz")
    r.add_argument("--weights", default="auto", choices=WEIGHTS,
                   help="auto (default): ImageNet weights as published where Keras' cache has them or can download "
                        "them, else random; timings are the same either way")
    r.add_argument("--precision", default="float32", choices=PRECISIONS,
                   help="Keras mixed-precision policy (the output layer stays float32); float32 as published. "
                        "Other precisions are compared with the baseline only under their label")
    r.add_argument("--repeat", type=int, default=1, help="independent runs of each combination")
    r.add_argument("--quick-budget", type=_positive_float, default=DEFAULT_QUICK_BUDGET_S, metavar="SECONDS",
                   help="quick profile: time budget for the measured steps of each model and dataset")
    r.add_argument("--host-memory-limit", type=_positive_float, metavar="GB")
    r.add_argument("--gpu-memory-limit", type=_positive_float, metavar="GB")
    r.add_argument("--watchdog", type=_positive_float, default=DEFAULT_WATCHDOG_S, metavar="SECONDS",
                   help="stop a run whose child sends neither progress nor a heartbeat for this long")
    r.add_argument("--require-gpu", action="store_true",
                   help="fail (no_gpu_visible) instead of warning when an NVIDIA GPU is present but TensorFlow sees none")
    d = r.add_argument_group("several devices or machines (tf.distribute; docs/distribution.md)")
    d.add_argument("--devices", type=_devices, default=1, metavar="N|all",
                   help="train data-parallel on N devices of this machine (MirroredStrategy): GPUs, or the logical CPU "
                        "devices of --cpu-devices; 1 (default) is the published single device")
    d.add_argument("--cpu-devices", type=int, default=0, metavar="N",
                   help="split the CPU into N logical devices (runs the multi-device path without GPUs)")
    d.add_argument("--scaling", choices=SCALINGS, default="strong",
                   help="strong (default): the published global batch of 64 is split across the replicas, so the "
                        "result stays comparable; weak: 64 per replica")
    d.add_argument("--cluster", type=_cluster, default=(), metavar="HOST:PORT,HOST:PORT,...",
                   help="train on several machines (MultiWorkerMirroredStrategy): the same list on every machine")
    d.add_argument("--task-index", type=int, default=0, metavar="I", help="this machine's place in --cluster (0: chief)")
    d.add_argument("--cluster-timeout", type=_positive_float, default=120.0, metavar="SECONDS",
                   help="how long to wait for every worker to join")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--keep-checkpoint", action="store_true")
    r.add_argument("--output", "-o", help="report file (one run) or folder (several)")
    r.add_argument("--quiet", "-q", action="store_true")

    sub.add_parser("models", help="build both models in a worker and list their parameter counts")
    h = sub.add_parser("hw", help="what this machine is")
    h.add_argument("--json", action="store_true")

    e = sub.add_parser("export", help="export saved reports as PDF, CSV or JSON")
    e.add_argument("reports", nargs="+")
    e.add_argument("--format", choices=["pdf", "csv", "json"], help="default: from the output's extension")
    e.add_argument("--output", "-o", required=True, help="a file, or an existing folder to write into")

    v = sub.add_parser("validate", help="check report files against the report contract (JSON Schema)")
    v.add_argument("reports", nargs="+")

    i = sub.add_parser("import", help="add reports from another machine to this one's history")
    i.add_argument("reports", nargs="+", help="report files, or the JSON list a multi-run export writes")

    m = sub.add_parser("maxbatch", help="find the largest batch size that fits in memory")
    m.add_argument("--model", required=True, choices=MODELS)
    m.add_argument("--dataset", default="mnist", choices=DATASETS)
    m.add_argument("--host-memory-limit", type=_positive_float, metavar="GB")
    m.add_argument("--gpu-memory-limit", type=_positive_float, metavar="GB")
    m.add_argument("--start", type=int, default=64)
    m.add_argument("--max", type=int, default=8192, dest="max_batch")
    m.add_argument("--output", "-o")

    sub.add_parser("history", help="list saved reports")
    return p


def configs_from_args(a: argparse.Namespace) -> list[BenchmarkConfig]:
    custom = {k: getattr(a, k) for k in ("epochs", "batch_size", "train_samples", "val_samples") if getattr(a, k) is not None}
    if a.profile == "full" and custom:
        raise ConfigError(f"--profile full is the published protocol; {', '.join('--' + k.replace('_', '-') for k in custom)} "
                          "need --profile custom (or quick, to estimate that protocol)")
    if a.repeat < 1:
        raise ConfigError("--repeat must be at least 1")
    values = {"epochs": PROTOCOL_EPOCHS, "batch_size": PROTOCOL_BATCH_SIZE, "train_samples": PROTOCOL_TRAIN_SAMPLES,
              "val_samples": PROTOCOL_VAL_SAMPLES, **custom}
    return [BenchmarkConfig(model=m, dataset=d, profile=a.profile, data=a.data, weights=a.weights,
                            precision=a.precision, seed=a.seed,
                            quick_budget_s=a.quick_budget, host_memory_limit_gb=a.host_memory_limit,
                            gpu_memory_limit_gb=a.gpu_memory_limit, watchdog_s=a.watchdog,
                            require_gpu=a.require_gpu, devices=a.devices, cpu_devices=a.cpu_devices,
                            scaling=a.scaling, cluster=a.cluster, task_index=a.task_index,
                            cluster_timeout_s=a.cluster_timeout, **values)
            for m, d in expand_selection(a.model, a.dataset)]


class ProgressPrinter:
    """The session's changes as lines on stderr: runs, phases, a throttled step line with the ETA, epochs.
    Warnings are shown even with --quiet."""

    def __init__(self, session: RunSession, quiet: bool, repeat: int):
        self.session, self.quiet, self.repeat = session, quiet, repeat
        self._last_line = 0.0
        session.subscribe(self)

    def __call__(self, change: str, payload: Any) -> None:
        if change == "warning":
            self._print(f"dlbench: warning: {payload.message}")
        elif self.quiet:
            return
        elif change == "run_started":
            c, i = self.session.config, self.session.index
            rep = f" (run {i % self.repeat + 1}/{self.repeat})" if self.repeat > 1 else ""
            self._print(f"▶ {c.label}{rep}")
        elif change == "phase":
            if self.session.config.profile == "quick" and payload.phase == "training" and (payload.epoch or 1) > 1:
                return  # the quick profile's later passes are not the protocol's epochs
            self._print(f"  [{payload.task}] {self.session.phase}")
        elif change == "steps":
            self._steps(payload)
        elif change == "epoch":
            self._epoch(payload)
        elif change == "error":
            self._print(f"  [{payload.task}] error ({payload.kind}): {payload.message}")
        elif change == "data":
            self._print(f"  {data_words(payload.data)}")

    def _epoch(self, e: ev.EpochEnd) -> None:
        acc = e.metric("val_accuracy")
        acc_words = f", val_accuracy {acc:.4f}" if acc is not None else ""
        if self.session.config.profile != "quick":
            self._print(f"    epoch {e.epoch}/{e.epochs}: train {format_duration(e.train_s)}, "
                        f"val {format_duration(e.val_s)}{acc_words}")
        elif e.extra.get("measured_pass"):  # a quick run's passes are not the protocol's epochs: only the summary
            self._print(f"    measured: {e.extra.get('steps')} steps in {format_duration(e.train_s)}, a validation "
                        f"sample in {format_duration(e.val_s)}{acc_words}")

    def _steps(self, step: ev.Step) -> None:
        now = time.monotonic()
        if now - self._last_line < 2.0:
            return
        self._last_line = now
        c, p = self.session.config, self.session.progress()
        line = f"    step {self.session.steps_done}"
        if c.profile != "quick":
            line += f"/{c.steps_per_epoch * c.epochs}"
        line += f"  ETA {format_duration(p.eta_s)}"
        loss = step.steps[-1][3] if step.steps and len(step.steps[-1]) > 3 else None
        line += f"  loss {loss:.4f}" if isinstance(loss, (int, float)) else ""
        self._print(line)

    def _print(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)


def summary_text(r: RunReport) -> str:
    """A finished run in lines of text: the same rows as the detail pane and the PDF (core.present)."""
    c = r.config
    lines = [f"{MODEL_NAMES.get(r.model, r.model)} on {DATASET_NAMES.get(r.dataset, r.dataset)} "
             f"[{r.profile}; {c.get('epochs')} epochs x {c.get('train_samples') or 0:,} images, batch {c.get('batch_size')}; "
             f"data: {c.get('data_source')}]", f"  status: {r.status}"]
    if r.error:
        lines.append(f"  error: {r.error.get('title')} ({r.error['kind']}): {r.error.get('message')}")
        if r.error.get("suggestion") and r.error["kind"] != "cancelled":
            lines.append(f"  try: {r.error['suggestion']}")
    lines += [f"  {name}: {value} ({how})" for name, value, how in present.timing_rows(r)]
    lines += [f"  {name}: {value}" for name, value in
              present.distribution_rows(r) + present.compute_rows(r) + present.memory_rows(r) + present.energy_rows(r)]
    lines += [f"  note: {note}" for note in present.finding_notes(r)]
    if r.config.get("data_source") == "synthetic":
        lines.append("  note: SYNTHETIC data (random images with the real shapes): timings are valid, accuracy is not")
    return "\n".join(lines)


def card_text(c: Card) -> str:
    """The result card as lines of text: badge, sentence, recommendation, interval, warning, runs set aside."""
    lines = [f"== {c.badge.upper()} ==", *([c.preliminary] if c.preliminary else []), c.sentence,
             f"What to do: {c.recommendation}"]
    lines += [x for x in (c.interval, c.warning) if x] + c.notes
    lines += [f"  not counted: {w}" for w in c.set_aside]
    return "\n".join(lines)


class Interrupts:
    """Ctrl+C (or SIGTERM) once: stop the running benchmark cleanly, it is saved as cancelled, nothing else starts.
    Twice: kill the child at once and exit."""

    def __init__(self, session=None) -> None:
        self.count = 0
        self.session = session  # the run session to stop on the first Ctrl+C (None: nothing to stop cleanly)

    def install(self) -> None:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, self.handle)
            signal.signal(signal.SIGTERM, self.handle)

    def handle(self, signum, frame) -> None:
        from .runner.child import kill_all

        self.count += 1
        if self.count == 1 and self.session is not None:
            print("\nstopping… (Ctrl+C again to quit at once)", file=sys.stderr, flush=True)
            self.session.stop()
            return
        kill_all()  # nothing to stop cleanly (a batch probe, no benchmark yet), or asked twice
        raise KeyboardInterrupt


def check_run_output(out: Path, reports: int) -> Path:
    """Before any work: the reports must be writable where --output says, as a file (one) or a folder (several)."""
    if reports > 1 and out.suffix == ".json" and not out.is_dir():
        raise UsageError(f"{reports} reports would be written: --output must be a folder, not {out}")
    if reports > 1 and out.exists() and not out.is_dir():
        raise UsageError(f"{reports} reports would be written: --output {out} is a file, not a folder")
    # several reports, or one into an existing folder (it takes its run id as its name): a folder; else a file
    check_writable(out if reports > 1 or out.is_dir() else out.parent)
    return out


def cmd_run(a: argparse.Namespace) -> int:
    from .hardware import detect
    from .runner.recovery import recover_interrupted
    from .runner.session import Session, plan_runs

    configs = configs_from_args(a)
    several = len(configs) * a.repeat > 1
    out = check_run_output(Path(a.output), len(configs) * a.repeat) if a.output else None
    check_data_dir()
    recover_interrupted()
    hw = detect.detect()
    history, _ = load_history()
    runs = plan_runs(configs, a.repeat, hw)
    progress = RunSession(runs, [p.seconds for p in predict_all(runs, history)])
    ProgressPrinter(progress, a.quiet, a.repeat)
    session = Session(runs, hardware=hw, history=history, keep_checkpoint=a.keep_checkpoint,
                      on_event=progress.handle, on_report=lambda r, rest: _report_done(progress, r, [] if session.stopping else rest),
                      on_repeats=lambda group: print(present.repeat_summary(group), flush=True))
    interrupts = Interrupts(session)
    interrupts.install()
    reports = session.run()
    progress.finish()
    if reports:
        print(card_text(card(reports)), flush=True)
    if out is not None and reports:
        for r in reports:
            atomic_write_json(out / f"{r.run_id}.json" if out.is_dir() else out, r.to_dict())
        print(f"report{'s' if several else ''} written to {out}", file=sys.stderr)
    if any(r.status == "cancelled" for r in reports):
        return 130
    return 0 if all(r.status == "completed" for r in reports) else 1


def _report_done(progress: RunSession, report: RunReport, remaining: list[BenchmarkConfig]) -> None:
    """After each run: its summary, a warning if the machine was busy, and the answer so far while runs remain."""
    progress.add_report(report)
    print(summary_text(report), flush=True)
    unreliable = interference.warning_text((report.findings or {}).get("interference"))
    if unreliable:
        warn(unreliable)
    if remaining and report.status != "cancelled":  # the answer so far, marked as such
        print(card_text(card(progress.reports, pending=[pair_words(c.model, c.dataset) for c in remaining])),
              flush=True)


def cmd_models(a: argparse.Namespace) -> int:
    from .runner.model_facts import fetch_model_facts

    print("building both models in a worker process…", file=sys.stderr, flush=True)
    info = fetch_model_facts()  # WorkFailed (one line, exit 1) if the worker cannot
    for name, m in info.items():
        print(f"{name}: {MODEL_NAMES[name]}")
        print(f"  parameters {m['params']:,} (trainable {m['trainable_params']:,}), {m['layers']} layers")
        print(f"  {m['forward_flops_per_image'] / 1e9:.2f} GFLOP per image forward, "
              f"{m['train_flops_per_image'] / 1e9:.2f} GFLOP per image per training step")
    return 0


def cmd_hw(a: argparse.Namespace) -> int:
    from .hardware import detect

    hw = detect.detect()
    if a.json:
        print(json.dumps(hw, indent=1, default=str))
    else:
        print("\n".join(detect.summary_lines(hw)))
    return 0


def warn(text: str) -> None:
    print(f"dlbench: warning: {text}", file=sys.stderr, flush=True)


def cmd_history(a: argparse.Namespace) -> int:
    reports, problems = load_history()
    for r in reports:
        h = r.headline
        print(f"{r.run_id}  {r.status:9s}  {r.profile:6s}  exec {format_duration(h['execution_time_s'])} ({h['kind']})")
    for p in problems:
        warn(f"skipped {p}")
    if not reports and not problems:
        print("no saved runs yet", file=sys.stderr)
    return 0


def export_target(output: Path, fmt: str | None, count: int) -> tuple[Path, str]:
    """(file to write, format): the format from --format or the extension, and they must agree."""
    if output.is_dir():
        if fmt is None:
            raise UsageError(f"--output {output} is a folder: say which format with --format")
        stamp = time.strftime("%Y%m%d-%H%M%S")
        return check_writable(output) / f"dlbench-{count}-run{'s' if count != 1 else ''}-{stamp}.{fmt}", fmt
    from .export import FormatError, export_format

    try:
        fmt = export_format(output, fmt)
    except FormatError as exc:
        raise UsageError(f"{exc}; see --format") from None
    check_writable(output.parent)
    return output, fmt


def cmd_export(a: argparse.Namespace) -> int:
    from .export import export_reports

    reports, problems = [], []
    for p in a.reports:
        try:
            reports.append(load_report(p))
        except ReportError as exc:
            problems.append(str(exc))
    if not reports:
        raise UsageError("nothing to export: " + "; ".join(problems))
    for problem in problems:
        warn(f"skipped {problem}")
    path, fmt = export_target(Path(a.output), a.format, len(reports))
    path = export_reports(reports, fmt, path)
    print(f"{fmt.upper()} of {len(reports)} run(s) written to {path}")
    return 0


def cmd_validate(a: argparse.Namespace) -> int:
    from .core.store.report import load_reports

    bad = 0
    for p in a.reports:
        reports, problems = load_reports(p)
        if problems:
            bad += 1
            print(f"invalid: {p}: {'; '.join(problems)}")
        else:
            listed = any(source.endswith("]") for source, _ in reports)
            print(f"ok: {p}" + (f" ({len(reports)} reports)" if listed else ""))
    return 1 if bad else 0


def cmd_import(a: argparse.Namespace) -> int:
    from .core.store.importing import import_reports

    check_data_dir()
    outcome = import_reports(a.reports)
    for line in outcome.lines():
        print(line)
    return 1 if outcome.problems else 0


def cmd_maxbatch(a: argparse.Namespace) -> int:
    from .runner.maxbatch import find_max_batch

    if a.output:
        check_writable(Path(a.output).parent)
    check_data_dir()
    Interrupts().install()  # each probe is short and disposable: Ctrl+C ends the search at once
    result = find_max_batch(a.model, a.dataset, start=a.start, limit=a.max_batch,
                            host_memory_limit_gb=a.host_memory_limit, gpu_memory_limit_gb=a.gpu_memory_limit,
                            on_probe=lambda p: print(f"  batch {p['batch_size']}: {p['outcome']}"
                                                     + (f", peak RSS {format_bytes(p.get('peak_rss_bytes'))}" if p.get('peak_rss_bytes') else ""),
                                                     file=sys.stderr, flush=True))
    print(f"largest batch that fits: {result['max_batch_size']}")
    if a.output:
        atomic_write_json(a.output, result)
    return 0 if result["max_batch_size"] else 1


def main(argv: list[str] | None = None) -> int:
    """Every way out is one line and an exit code: 2 bad arguments or paths, 1 work that failed, 130 interrupted."""
    parser = build_parser()
    try:
        a = parser.parse_args(argv)
        if not a.command:
            parser.print_help()
            return 2
        commands = {"run": cmd_run, "models": cmd_models, "hw": cmd_hw, "export": cmd_export, "maxbatch": cmd_maxbatch,
                    "history": cmd_history, "validate": cmd_validate, "import": cmd_import}
        return commands[a.command](a)
    except (UsageError, ConfigError, ReportError) as exc:
        print(f"dlbench: error: {exc}", file=sys.stderr)
        return 2
    except WorkFailed as exc:
        print(f"dlbench: failed: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        where = f" ({exc.filename})" if getattr(exc, "filename", None) and str(exc.filename) not in str(exc.strerror) else ""
        print(f"dlbench: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("dlbench: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: one line here, the traceback in the log
        print(f"dlbench: internal error: {type(exc).__name__}: {exc}" + _log_traceback(), file=sys.stderr)
        return 1


def _log_traceback() -> str:
    import traceback

    try:
        path = logs_dir() / "cli-errors.log"
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"\n===== {time.strftime('%Y-%m-%d %H:%M:%S')}\n{traceback.format_exc()}")
        return f" (details in {path})"
    except OSError:
        return ""


def entry() -> None:
    sys.exit(main())
