"""The seed's "simple kernels" test, published by the protocol's authors after the two models: what it runs (the
shapes below, read from their public notebook and utilities), the report's `kernels` section, and its comparison
with the four published setups. Pure: the matrix parts run in the worker (bench/matrix_parts.py), convolve2d as a model
(bench/models.py) under the quick profile's estimate or measured in full.

What the published figures mix: dense_matmul and sparse_matmul run NumPy and SciPy on the CPU whatever GPU the
machine has; convolve2d trains a Keras network, on the GPU where there is one."""

from __future__ import annotations

import math
from typing import Any

from ..config import KERNELS_PRECISION, KERNELS_PROTOCOL
from ..durations import format_duration
from .comparison import load_baselines, setup_label

# (M, N, K): A is M x N, B is N x K, both numpy.random.rand (float64); the generation is inside the published total.
DENSE_SHAPES = ((3072, 128, 1024), (5124, 9124, 2560), (2560, 64, 2560), (7860, 64, 2560), (1760, 128, 1760))
# (M, N, K, density): A = scipy.sparse.random(M, N, density, format="csr"), B = numpy.random.rand(N, K).
SPARSE_SHAPES = ((10752, 1, 3584, 0.9), (7680, 1500, 2560, 0.95), (7680, 2, 2560, 0.95), (7680, 1, 2560, 0.95))
# convolve2d: (layer, filters or units, kernel or pool size, stride), on 32x32x3 images. Every Conv2D and pooling pads
# "same"; the publication names no activation for the Conv2D layers (Keras' default, linear) and softmax for the Dense.
# The second and third pooling are listed without settings: pool 2, stride 2, "same" as the first (with Keras' default
# "valid" padding the third would have nothing to pool: the last Conv2D leaves 1x1).
CONVOLVE2D_LAYERS = (("Conv2D", 2048, 3, 2), ("AveragePooling2D", None, 2, 2), ("Conv2D", 128, 3, 2),
                     ("AveragePooling2D", None, 2, 2), ("Conv2D", 64, 3, 2), ("AveragePooling2D", None, 2, 2),
                     ("Flatten", None, None, None), ("Dense", 10, None, None))

PARTS = ("dense_matmul", "sparse_matmul", "convolve2d")
FLOAT16_ON_CPU = ("float16 training is slow on a CPU (the frameworks' CPU convolutions have no fast float16 path): the "
                  "published mixed_float16 takes far longer here than float32 would; --precision float32 is the "
                  "labelled variant")
PART_NAMES = {"dense_matmul": "Dense matrix products", "sparse_matmul": "Sparse matrix products",
              "convolve2d": "convolve2d (a small network, 10 epochs)"}
JUDGES = {"dense_matmul": "the CPU and its BLAS (NumPy, float64), whatever the GPU",
          "sparse_matmul": "the CPU (SciPy's sparse product), whatever the GPU",
          "convolve2d": "the GPU where Keras trains on one, else the CPU"}
RULE = ("Each part's time against each published setup's (their ratio; above 1 is slower). The total is the sum of "
        "the three parts, as published. dense_matmul and sparse_matmul judge the CPU, convolve2d the GPU (or the CPU "
        "where Keras sees no GPU). Published under mixed_float16: a run in another precision is labelled, not the same "
        "test.")


def dense_flops(m: int, n: int, k: int) -> float:
    return 2.0 * m * n * k


def sparse_flops(nnz: int, k: int) -> float:
    return 2.0 * nnz * k


def published_times() -> dict[str, dict[str, float]]:
    """{setup: {part: seconds}} as published."""
    return load_baselines()["publications"]["later"]["simple_kernels_s"]


def convolve2d_time(timing: dict[str, Any], estimate: dict[str, Any] | None) -> dict[str, Any] | None:
    """The published convolve2d figure (building + compiling + fitting) from a run: estimated (quick) or measured."""
    setup = sum(float(timing.get(k) or 0.0) for k in ("build_s", "compile_s"))
    if estimate and isinstance(estimate.get("execution_time_s"), (int, float)):
        lo, hi = (estimate.get("execution_time_ci95_s") or [None, None])[:2]
        return {"seconds": setup + estimate["execution_time_s"], "how": "estimated",
                "interval_s": [setup + lo, setup + hi] if lo is not None and hi is not None else None,
                "build_compile_s": setup}
    if isinstance(timing.get("execution_time_s"), (int, float)):
        return {"seconds": setup + timing["execution_time_s"], "how": "measured", "interval_s": None,
                "build_compile_s": setup}
    return None


def compare(times: dict[str, float | None]) -> dict[str, Any]:
    """Per setup: each part's ratio (this machine / the setup) and the total's, where this machine has the part."""
    out = {}
    for setup, published in sorted(published_times().items()):
        ratios = {p: times[p] / published[p] for p in PARTS if times.get(p) and published.get(p)}
        total = sum(times[p] for p in PARTS) if all(times.get(p) for p in PARTS) else None
        out[setup] = {"label": setup_label(setup), "published_s": dict(published), "ratio": ratios,
                      "total_published_s": sum(published[p] for p in PARTS),
                      "total_ratio": total / sum(published[p] for p in PARTS) if total else None}
    return out


def section(matrix: dict[str, Any] | None, config: dict[str, Any], timing: dict[str, Any],
            estimate: dict[str, Any] | None, on_gpu: bool) -> dict[str, Any]:
    """The report's `kernels`: the matrix parts as the worker measured them, convolve2d's published figure, and
    the comparison with the four setups."""
    matrix = matrix or {}
    conv = convolve2d_time(timing, estimate)
    times = {"dense_matmul": (matrix.get("dense_matmul") or {}).get("total_s"),
             "sparse_matmul": (matrix.get("sparse_matmul") or {}).get("total_s"),
             "convolve2d": conv["seconds"] if conv else None}
    precision = config.get("precision")
    protocol = {k: config.get(k) for k in KERNELS_PROTOCOL}
    return {
        **{k: matrix[k] for k in ("dense_matmul", "sparse_matmul", "blas") if k in matrix},
        "convolve2d": {**(conv or {}), "precision": precision, "as_published": precision == KERNELS_PRECISION,
                       "protocol": protocol, "protocol_is_published": protocol == KERNELS_PROTOCOL,
                       "device": "GPU" if on_gpu else "CPU",
                       **({"precision_note": FLOAT16_ON_CPU} if precision == "mixed_float16" and not on_gpu else {})},
        "times_s": times,
        "comparison": compare(times),
        "judges": dict(JUDGES),
        "rule": RULE,
    }


def precision_note(conv: dict[str, Any]) -> str | None:
    """What the card says next to a convolve2d figure in mixed_float16 on a CPU (from the facts, so that an older
    report reads the same)."""
    return FLOAT16_ON_CPU if conv.get("precision") == "mixed_float16" and conv.get("device") == "CPU" else None


def slowest_ratio_words(ratio: float) -> str:
    if not math.isfinite(ratio) or ratio <= 0:
        return "not comparable"
    if abs(ratio - 1) < 0.05:
        return "about as fast as"
    if ratio > 1:
        return f"about {ratio:,.0f}x slower than" if ratio >= 10 else f"about {ratio:.1f}x slower than"
    return f"about {1 / ratio:.1f}x faster than"


def verdict(kernels: dict[str, Any], setup: str = "setup-1") -> str:
    """One line for the card and the CLI: the total against one setup (Setup 1: the first publication's RTX 2060
    laptop), or why there is none."""
    row = (kernels.get("comparison") or {}).get(setup) or {}
    conv = kernels.get("convolve2d") or {}
    if row.get("total_ratio") is None:
        return "No simple-kernels verdict: a part did not complete"
    label = row.get("label") or setup
    how = "estimated" if conv.get("how") == "estimated" else "measured"
    variant = "" if conv.get("as_published", True) else f" (convolve2d in {conv.get('precision')}, not as published)"
    return (f"This machine runs the simple kernels {slowest_ratio_words(row['total_ratio'])} {label}: "
            f"{format_duration(sum(t for t in (kernels.get('times_s') or {}).values() if t is not None))} in all against "
            f"{format_duration(row['total_published_s'])} (convolve2d {how}){variant}")


def part_lines(kernels: dict[str, Any], setup: str = "setup-1") -> list[str]:
    """A line per part: its time, its ratio to one setup, and which component it judges."""
    row = (kernels.get("comparison") or {}).get(setup) or {}
    lines = []
    for part in PARTS:
        t = (kernels.get("times_s") or {}).get(part)
        if t is None:
            lines.append(f"{PART_NAMES[part]}: not run")
            continue
        ratio = (row.get("ratio") or {}).get(part)
        published = (row.get("published_s") or {}).get(part)
        against = ""
        if ratio and published is not None:  # a part without a ratio (or a published time) is said without one
            times = f"{ratio:,.0f}x" if ratio >= 100 else f"{ratio:.2f}x"
            against = f"{times} {setup.replace('setup-', 'Setup ')}'s {format_duration(published)}; "
        lines.append(f"{PART_NAMES[part]}: {format_duration(t)} ({against}judges {JUDGES[part]})")
    return lines
