"""The command line's arguments: the parser, and the configurations and paths they ask for, checked before work."""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import __version__
from ..core import frameworks
from ..core.config import (
    BACKENDS,
    DATASETS,
    DEFAULT_QUICK_BUDGET_S,
    DEFAULT_WATCHDOG_S,
    MAX_BATCH_SIZE,
    MAX_REPEAT,
    MODELS,
    PRECISIONS,
    PROFILES,
    PROTOCOL_BATCH_SIZE,
    PROTOCOL_EPOCHS,
    PROTOCOL_TRAIN_SAMPLES,
    PROTOCOL_VAL_SAMPLES,
    SCALINGS,
    WEIGHTS,
    BenchmarkConfig,
    ConfigError,
    expand_selection,
    kernels_config,
    parse_cluster,
)
from ..core.measure.comparison import BUDGET_RANGE_H, DEFAULT_BUDGET_H
from ..core.store.storage import check_output_file, check_writable


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, no usage dump or traceback
        raise UsageError(message)


def _backend(text: str) -> str:
    """auto, or a framework of the registry (a hidden test runtime by its name only: never listed)."""
    if text not in BACKENDS:
        raise argparse.ArgumentTypeError(f"unknown backend {text[:40]!r}: choose {', '.join(frameworks.CHOICES)}")
    return text


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
    except (ConfigError, ValueError) as exc:  # never argparse's "invalid _cluster value"
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_backend(parser) -> None:
    parser.add_argument("--backend", default="auto", type=_backend, metavar="{" + ",".join(frameworks.CHOICES) + "}",
                        help=f"auto (default): {frameworks.PUBLISHED.label} as published, or the first other framework "
                             "that can drive this machine's GPU where it cannot (an NVIDIA compute capability above "
                             "its CUDA build's) or is not installed; "
                             + "; ".join(f"{f.name}: {f.blurb}" for f in frameworks.OFFERED))


def add_memory_limits(parser, whose: str) -> None:
    """--host-memory-limit and --gpu-memory-limit, as a smaller machine would have them."""
    parser.add_argument("--host-memory-limit", type=_positive_float, metavar="GB",
                        help=f"cap {whose} on the host (private memory of its training and inference processes; Linux "
                             "and macOS): going over it is reported as host_oom, as a smaller machine would fail")
    parser.add_argument("--gpu-memory-limit", type=_positive_float, metavar="GB",
                        help="cap what the framework may take of the GPU's memory (TensorFlow's logical device limit, "
                             "JAX's memory fraction, PyTorch's per-process fraction): as a smaller GPU would; ignored "
                             "without a GPU, and said so")


def add_distribution(parser) -> None:
    """Several devices or machines: how many, how the batch is shared, the cluster."""
    d = parser.add_argument_group("several devices or machines (tf.distribute; docs/distribution.md)")
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


def add_run_parser(sub) -> None:
    """`dlbench run`: what to run, how long, on what, and where the reports go."""
    r = sub.add_parser("run", help="run the benchmark (one child process per model x dataset)")
    r.add_argument("--model", default="all", choices=[*MODELS, "all"], help="default: all (both models)")
    r.add_argument("--dataset", default="all", choices=[*DATASETS, "all"], help="default: all (both datasets)")
    r.add_argument("--profile", default="quick", choices=[*PROFILES, "kernels"],
                   help="quick (default): measure briefly and estimate the protocol; full: the published protocol; "
                        "custom: your own; kernels: the authors' later, quicker test (dense and sparse matrix "
                        "products on the CPU, then convolve2d, a small network, 10 epochs on Fashion-MNIST), compared with the "
                        "published setups; --model and --dataset do not apply")
    r.add_argument("--convolve2d", choices=("quick", "full"), default="quick",
                   help="with --profile kernels: quick (default) estimates convolve2d from a short measured pass, "
                        "with its interval; full measures it (10 epochs)")
    r.add_argument("--epochs", type=int, help=f"custom or quick profile; default: {PROTOCOL_EPOCHS} as published (10 for "
                   "the simple kernels)")
    r.add_argument("--batch-size", type=int, help=f"default: {PROTOCOL_BATCH_SIZE} as published")
    r.add_argument("--train-samples", type=int, help=f"default: {PROTOCOL_TRAIN_SAMPLES:,} as published")
    r.add_argument("--val-samples", type=int, help=f"default: {PROTOCOL_VAL_SAMPLES:,} as published")
    r.add_argument("--data", default="auto", help="auto (default: Keras' cache or a download, an imported folder, else "
                   "synthetic), keras, synthetic, or a folder with the IDX .gz files / .npz")
    r.add_argument("--weights", default="auto", choices=WEIGHTS,
                   help="auto (default): ImageNet weights as published where Keras' cache has them or can download "
                        "them, else random; timings are the same either way")
    add_backend(r)
    r.add_argument("--precision", choices=PRECISIONS,
                   help="Keras mixed-precision policy (the output layer stays float32); as published by default "
                        "(float32 for the models, mixed_float16 for the simple kernels). Other precisions are compared "
                        "with the baseline only under their label")
    compilers = "; ".join(f"{f.compiler} on the {f.backend_label}" for f in frameworks.OFFERED if f.compiler)
    r.add_argument("--compile", action="store_true",
                   help=f"the framework's compiler, as a labelled variant ({compilers}; the others run compiled graphs "
                        "already): its compile time lands in the first step, timed apart; eager by default")
    r.add_argument("--repeat", type=int, default=1, help="independent runs of each combination; default: 1")
    r.add_argument("--quick-budget", type=_positive_float, default=DEFAULT_QUICK_BUDGET_S, metavar="SECONDS",
                   help="quick profile: at most this long for the measured steps of each model and dataset (a cap: a "
                        "run stops sooner once its mean is known to ±2%%); default: %(default)g s")
    add_memory_limits(r, "this run's own memory")
    r.add_argument("--watchdog", type=_positive_float, default=DEFAULT_WATCHDOG_S, metavar="SECONDS",
                   help="stop a run whose child sends neither progress nor a heartbeat for this long; default: "
                        "%(default)g s")
    r.add_argument("--require-gpu", action="store_true",
                   help="fail (no_gpu_visible) instead of warning when an NVIDIA GPU is present but TensorFlow sees none")
    add_distribution(r)
    r.add_argument("--seed", type=int, default=0, help="default: 0")
    r.add_argument("--keep-checkpoint", action="store_true", help="keep the best model's checkpoint (default: removed)")
    r.add_argument("--output", "-o", help="report file (one run) or folder (several); every report is also saved in "
                   "the history")
    r.add_argument("--quiet", "-q", action="store_true", help="no progress lines, only the results")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="dlbench", description="Is this machine good enough for deep-learning work?")
    p.add_argument("--version", action="version", version=f"dlbench {__version__}")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    add_run_parser(sub)

    add_backend(sub.add_parser("models", help="build both models in a worker and list their parameter counts"))
    h = sub.add_parser("hw", help="what this machine is")
    h.add_argument("--json", action="store_true")
    h.add_argument("--frameworks", action="store_true",
                   help="also start each installed framework in a worker and say which devices it sees (seconds each)")

    e = sub.add_parser("export", help="export saved reports as PDF, CSV or JSON")
    e.add_argument("reports", nargs="+")
    e.add_argument("--format", choices=["pdf", "csv", "json"], help="default: from the output's extension")
    e.add_argument("--output", "-o", required=True, help="a file, or an existing folder to write into")

    v = sub.add_parser("validate", help="check report files against the report contract (JSON Schema)")
    v.add_argument("reports", nargs="+")

    i = sub.add_parser("import", help="add reports from another machine to this one's history")
    i.add_argument("reports", nargs="+", help="report files, or the JSON list a multi-run export writes")

    m = sub.add_parser("maxbatch", help="find the largest batch size that fits in memory")
    add_backend(m)
    m.add_argument("--model", required=True, choices=MODELS)
    m.add_argument("--dataset", default="mnist", choices=DATASETS)
    add_memory_limits(m, "each probe's memory")
    m.add_argument("--start", type=int, default=64)
    m.add_argument("--max", type=int, default=8192, dest="max_batch")
    m.add_argument("--output", "-o")

    sub.add_parser("history", help="list saved reports")
    c = sub.add_parser("card", help="the result card of the saved runs, as the window's Results tab shows it")
    c.add_argument("--budget", type=float, default=DEFAULT_BUDGET_H, metavar="HOURS",
                   help=f"the time budget per model and dataset for the verdict ({BUDGET_RANGE_H[0]:g}–"
                        f"{BUDGET_RANGE_H[1]:,g} h; default {DEFAULT_BUDGET_H:g}, as in the window)")
    return p


def configs_from_args(a: argparse.Namespace) -> list[BenchmarkConfig]:
    custom = {k: getattr(a, k) for k in ("epochs", "batch_size", "train_samples", "val_samples") if getattr(a, k) is not None}
    if a.profile == "full" and custom:
        raise ConfigError(f"--profile full is the published protocol; {', '.join('--' + k.replace('_', '-') for k in custom)} "
                          "need --profile custom (or quick, to estimate that protocol)")
    if not 1 <= a.repeat <= MAX_REPEAT:
        raise ConfigError(f"--repeat must be between 1 and {MAX_REPEAT}, got {a.repeat:,}")
    common = dict(data=a.data, weights=a.weights, seed=a.seed, backend=a.backend, quick_budget_s=a.quick_budget,
                  host_memory_limit_gb=a.host_memory_limit, gpu_memory_limit_gb=a.gpu_memory_limit,
                  watchdog_s=a.watchdog, require_gpu=a.require_gpu, compile=a.compile, devices=a.devices,
                  cpu_devices=a.cpu_devices,
                  scaling=a.scaling, cluster=a.cluster, task_index=a.task_index, cluster_timeout_s=a.cluster_timeout)
    if a.profile == "kernels":
        return [kernels_config(measured=a.convolve2d == "full", **common, **custom,
                               **({"precision": a.precision} if a.precision else {}))]
    values = {"epochs": PROTOCOL_EPOCHS, "batch_size": PROTOCOL_BATCH_SIZE, "train_samples": PROTOCOL_TRAIN_SAMPLES,
              "val_samples": PROTOCOL_VAL_SAMPLES, **custom}
    return [BenchmarkConfig(model=m, dataset=d, profile=a.profile, precision=a.precision or "float32", **common,
                            **values)
            for m, d in expand_selection(a.model, a.dataset)]


def check_maxbatch_range(start: int, limit: int) -> None:
    """Before any probe: the search's sizes are batches a run could use (1 to the configuration's 65,536), the
    largest at least the first."""
    for name, value in (("--start", start), ("--max", limit)):
        if not 1 <= value <= MAX_BATCH_SIZE:
            raise UsageError(f"{name} must be a batch size between 1 and {MAX_BATCH_SIZE:,}, got {value:,}")
    if limit < start:
        raise UsageError(f"--max ({limit:,}) is below --start ({start:,}): nothing to search")


def check_run_output(out: Path, reports: int) -> Path:
    """Before any work: the reports must be writable where --output says, as a file (one) or a folder (several)."""
    if reports > 1 and out.suffix == ".json" and not out.is_dir():
        raise UsageError(f"{reports} reports would be written: --output must be a folder, not {out}")
    if reports > 1 and out.exists() and not out.is_dir():
        raise UsageError(f"{reports} reports would be written: --output {out} is a file, not a folder")
    # several reports, or one into an existing folder (it takes its run id as its name): a folder; else a file
    if reports > 1 or out.is_dir():
        check_writable(out)
    else:
        check_output_file(out)
    return out
