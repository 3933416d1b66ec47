"""The simple kernels' matrix parts, as published: NumPy's dense and SciPy's sparse products on the CPU, whatever
the machine's GPU (the shapes: core/measure/kernels.py). Each product's random generation is timed apart and inside
the published total; the achieved FLOP/s is of the product alone. Which BLAS ran, and with how many threads, is
recorded (threadpoolctl): the matrix parts measure the CPU and its BLAS, and `OPENBLAS_CORETYPE` changes the kernel."""

from __future__ import annotations

import os
import time
from typing import Any, Callable

from ..core.measure.kernels import DENSE_SHAPES, SPARSE_SHAPES, dense_flops, sparse_flops


def blas_info() -> dict[str, Any]:
    """The BLAS and OpenMP libraries NumPy and SciPy loaded, their versions, threading layers and thread counts."""
    import numpy
    import scipy
    import scipy.sparse  # noqa: F401  (loads SciPy's own BLAS, if it has one)
    from threadpoolctl import threadpool_info

    keep = ("user_api", "internal_api", "prefix", "version", "num_threads", "threading_layer", "architecture",
            "filepath")
    return {"numpy": numpy.__version__, "scipy": scipy.__version__,
            "libraries": [{k: lib.get(k) for k in keep if lib.get(k) is not None} for lib in threadpool_info()],
            "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
            "note": "the dense part runs NumPy's BLAS with these threads; SciPy's sparse product is single-threaded"}


def _timed_product(make, facts_of, **facts) -> dict[str, Any]:
    """One product as published: its operands made by `make()` (timed apart, inside the total), then A @ B;
    `facts_of(A)` gives its FLOPs (and whatever else A says)."""
    t0 = time.perf_counter()
    a, b = make()
    t1 = time.perf_counter()
    a @ b
    t2 = time.perf_counter()
    gen_s, mul_s, more = t1 - t0, t2 - t1, facts_of(a)
    return {**facts, **more, "generate_s": gen_s, "product_s": mul_s, "total_s": gen_s + mul_s,
            "flops_per_s": more["flops"] / mul_s if mul_s > 0 else None}


def dense_part(check: Callable[[], None], seed: int = 0) -> dict[str, Any]:
    import numpy as np

    np.random.seed(seed)  # numpy.random.rand, as published
    products = []
    for m, n, k in DENSE_SHAPES:
        check()
        products.append(_timed_product(lambda: (np.random.rand(m, n), np.random.rand(n, k)),
                                       lambda a: {"flops": dense_flops(m, n, k)}, m=m, n=n, k=k))
    return _part(products)


def sparse_part(check: Callable[[], None], seed: int = 0) -> dict[str, Any]:
    import numpy as np
    import scipy.sparse

    np.random.seed(seed)
    rng = np.random.default_rng(seed)
    products = []
    for m, n, k, density in SPARSE_SHAPES:
        check()
        p = _timed_product(lambda: (scipy.sparse.random(m, n, density=density, format="csr", random_state=rng),
                                    np.random.rand(n, k)),
                           lambda a: {"nnz": int(a.nnz), "flops": sparse_flops(int(a.nnz), k)},
                           m=m, n=n, k=k, density=density)
        products.append(p)
    return _part(products)


def _part(products: list[dict[str, Any]]) -> dict[str, Any]:
    product_s = sum(p["product_s"] for p in products)
    flops = sum(p["flops"] for p in products)
    return {"products": products, "total_s": sum(p["total_s"] for p in products),
            "generate_s": sum(p["generate_s"] for p in products), "product_s": product_s,
            "flops": flops, "flops_per_s": flops / product_s if product_s > 0 else None,
            "note": "total_s is the published figure (generation inside it); flops_per_s is of the products alone"}


def run_matrix_parts(phase: Callable[[str], None], check: Callable[[], None], seed: int = 0,
                     keep: Callable[[dict[str, Any]], None] = lambda parts: None) -> dict[str, Any]:
    """Both matrix parts in turn, each announced by `phase`; `check` raises when the parent asked to stop; `keep` is
    handed the parts finished so far after each one, so that a stop in the second keeps the first."""
    phase("dense_matmul")
    parts = {"dense_matmul": dense_part(check, seed), "blas": blas_info()}
    keep(dict(parts))
    phase("sparse_matmul")
    parts["sparse_matmul"] = sparse_part(check, seed)
    keep(dict(parts))
    return parts
