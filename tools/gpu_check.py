"""One GPU check, prepared to run in one go (at most 9 minutes on one GPU):

    python tools/gpu_check.py --output gpu_check.json [--load-seconds 30]

Writes a JSON summary in which every part has a `status` (passed, failed or skipped) and, where not passed, a
`reason`. Part (a) needs no TensorFlow and no Qt (Python with psutil and nvidia-ml-py is enough):
  a1 `dlbench hw --json` (NVML: name, memory, driver, CUDA, clocks, PCIe, power limit),
  a2 the telemetry sampler for 30 s while a GPU load runs (torch, jax or cupy, whichever is present),
  a3 the throttle reasons and clocks during that load, and its energy from NVML's counter.
Part (b) runs where TensorFlow sees a GPU:
  b1 a Model A quick run on the GPU, b2 a provoked GPU out-of-memory (--gpu-memory-limit 1, a large batch) that must
  come back as gpu_oom with the parent alive, b3 `maxbatch --gpu-memory-limit 2`, b4 the harness overhead against
  bare Keras (short steps on a GPU, where per-step costs matter most).
Part (c) runs where JAX sees a GPU (Keras 3's JAX backend; no TensorFlow needed, docs/gpu.md says how to run it on
a machine that has only JAX):
  c1 a Model A and c2 a Model B quick run on the GPU (with energy and throttling from NVML in their reports),
  c3 a measured short protocol of Model A (2 epochs of 60,000) against the quick estimate of that protocol,
  c4 a provoked GPU out-of-memory that must come back as gpu_oom with the parent alive, c6 mixed_bfloat16 against
  float32, c7 the harness overhead against a bare Keras-on-JAX `fit`, and last (the slowest) c5 `maxbatch` under a GPU
  memory limit. What the lent H200 gave is in docs/benchmarks.md, "GPU check on the lent H200".
Part (d) is the same for native PyTorch (no Keras at all), where PyTorch sees a GPU: d1-d7 as c1-c7, d6 with autocast
in bfloat16 and float16 against float32, d7 against `benchmarks/bare_torch.py`. It runs before (c).
On a machine without a GPU every GPU part is skipped, with the reason."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
PY = sys.executable
BUDGET_S = 530  # the whole check stays under 9 minutes

LOADS = {  # a matrix-product loop for SECONDS on GPU 0, in whichever library is installed
    "torch": ("import sys, time, torch\nx = torch.randn(8192, 8192, device='cuda')\nt = time.time()\n"
              "while time.time() - t < float(sys.argv[1]):\n    y = x @ x\n    torch.cuda.synchronize()\n"),
    "jax": ("import sys, time, jax, jax.numpy as jnp\nx = jax.random.normal(jax.random.PRNGKey(0), (8192, 8192))\n"
            "f = jax.jit(lambda a: a @ a)\nt = time.time()\n"
            "while time.time() - t < float(sys.argv[1]):\n    f(x).block_until_ready()\n"),
    "cupy": ("import sys, time, cupy\nx = cupy.random.rand(8192, 8192, dtype=cupy.float32)\nt = time.time()\n"
             "while time.time() - t < float(sys.argv[1]):\n    y = x @ x\n    cupy.cuda.Device().synchronize()\n"),
}


class Check:
    def __init__(self, output: str):
        self.output = output
        self.t0 = time.monotonic()
        self.parts: dict[str, dict] = {}

    def left(self) -> float:
        return BUDGET_S - (time.monotonic() - self.t0)

    def part(self, name: str, status: str, reason: str | None = None, **facts) -> dict:
        entry = {"status": status, **({"reason": reason} if reason else {}), **facts,
                 "at_s": round(time.monotonic() - self.t0, 1)}
        self.parts[name] = entry
        print(f"[{entry['at_s']:6.1f} s] {name}: {status}" + (f" ({reason})" if reason else ""), flush=True)
        self.save()
        return entry

    def save(self) -> None:  # after every part: a check cut short still leaves what it found
        summary = {"tool": "tools/gpu_check.py", "python": sys.version.split()[0], "parts": self.parts,
                   "passed": sum(p["status"] == "passed" for p in self.parts.values()),
                   "failed": sum(p["status"] == "failed" for p in self.parts.values()),
                   "skipped": sum(p["status"] == "skipped" for p in self.parts.values()),
                   "seconds": round(time.monotonic() - self.t0, 1)}
        with open(self.output, "w") as fh:
            json.dump(summary, fh, indent=1, default=str)


def run(cmd: list[str], timeout: float, env: dict | None = None) -> subprocess.CompletedProcess | None:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=max(5.0, timeout), cwd=ROOT,
                              env={**os.environ, **(env or {})})
    except subprocess.TimeoutExpired:
        return None


# ----------------------------------------------------------------------------------------------- part (a)
def part_a(check: Check, load_s: float) -> list[dict]:
    from dlbench_gui.hardware import detect

    cli = run([PY, "-m", "dlbench_gui", "hw", "--json"], 60)
    how = "dlbench hw --json"
    if cli is not None and cli.returncode == 0:
        hw = json.loads(cli.stdout)
    else:  # the same function the command prints, where the full install (fastjsonschema, ...) is missing
        hw, how = detect.detect(), "hardware.detect.detect() (what `dlbench hw --json` prints)"
    gpus = (hw.get("gpu") or {}).get("nvidia") or []
    if not gpus:
        check.part("a1_hw_json", "skipped", f"NVML sees no NVIDIA GPU: {(hw.get('gpu') or {}).get('nvml_error') or 'no device'}", how=how,
                   gpu_summary=(hw.get("gpu") or {}).get("summary"))
        check.part("a2_telemetry_under_load", "skipped", "no NVIDIA GPU")
        check.part("a3_throttling_and_energy", "skipped", "no NVIDIA GPU")
        return []
    wanted = ("name", "memory_total_bytes", "driver_version", "cuda_driver_version", "max_sm_clock_mhz",
              "pcie_generation", "pcie_width", "power_limit_w")
    missing = [k for k in wanted if gpus[0].get(k) in (None, "")]
    check.part("a1_hw_json", "failed" if missing else "passed", f"NVML gave no {', '.join(missing)}" if missing else None,
               how=how, gpus=[{k: g.get(k) for k in (*wanted, "compute_capability", "peak_fp32_flops", "uuid")}
                              for g in gpus])
    return gpus


def gpu_load(seconds: float) -> tuple[subprocess.Popen | None, str | None]:
    for lib, code in LOADS.items():
        if importlib.util.find_spec(lib) is not None:
            return subprocess.Popen([PY, "-c", code, str(seconds)], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True), lib
    return None, None


def telemetry_under_load(check: Check, gpus: list[dict], load_s: float, gpus_nvml=None) -> None:
    """`gpus_nvml`: the NVML context the sampler reads (None: its own; tests hand in a stand-in)."""
    from dlbench_gui.core.measure import interference, throttling
    from dlbench_gui.core.measure.energy import energy_of
    from dlbench_gui.hardware.telemetry import Sampler

    proc, lib = gpu_load(load_s)
    if proc is None:
        check.part("a2_telemetry_under_load", "skipped", "no GPU library (torch, jax or cupy) to make a load with")
        check.part("a3_throttling_and_energy", "skipped", "no load")
        return
    sampler = Sampler(interval_s=0.5, gpus_nvml=gpus_nvml)
    sampler.watch(proc.pid)
    sampler.mark(phase="training")  # the load stands in for training: energy and throttling read training samples
    sampler.start()
    try:
        proc.wait(timeout=load_s + 90)
    except subprocess.TimeoutExpired:
        proc.kill()
    sampler.stop()
    err = (proc.stderr.read() if proc.stderr else "")[-1500:]
    samples = sampler.samples
    summary = sampler.summary()
    g = (summary.get("gpus") or [{}])[0]
    util = (g.get("util_percent") or {}).get("max")
    status = "passed" if proc.returncode == 0 and util and util > 50 else "failed"
    reason = None if status == "passed" else (f"the {lib} load exited {proc.returncode}: {err.strip()[-300:]}"
                                              if proc.returncode else f"GPU utilisation peaked at {util}%")
    keys = ("util_percent", "vram_used_bytes", "temperature_c", "power_w", "sm_clock_mhz")
    check.part("a2_telemetry_under_load", status, reason, library=lib, seconds=load_s, samples=len(samples),
               summary={k: g.get(k) for k in (*keys, "energy_j", "energy_method", "throttle_reasons_seen")},
               first_sample=samples[1] if len(samples) > 1 else None,
               interference=interference.assess(samples))
    energy = energy_of(samples, epochs=1, estimate=None, cpu_source=sampler.rapl.source if sampler.rapl.available
                       else None, cpu_reason=sampler.rapl.reason, gpu_reason=sampler.gpu_energy_reason)
    found = throttling.assess(samples, {"gpu": {"nvidia": gpus}, "cpu": {}})
    ok = energy.get("total_j") is not None and found["verdict"] in ("throttled", "not throttled")
    check.part("a3_throttling_and_energy", "passed" if ok else "failed",
               None if ok else "no energy counter delta or no clock readings", energy=energy, throttling=found)


# ----------------------------------------------------------------------------------------------- part (b)
def framework_gpus(name: str, module: str, count_code: str, none_why: str,
                   env: dict | None = None) -> tuple[int, str | None]:
    """(how many GPUs the framework sees, why none) from a fresh interpreter running `count_code`."""
    if importlib.util.find_spec(module) is None:
        return 0, f"{name} is not installed here"
    out = run([PY, "-c", count_code], 120, env)
    if out is None or out.returncode != 0:
        return 0, f"{name} failed to start: " + ((out.stderr[-300:] if out else "timed out"))
    n = int(out.stdout.strip().splitlines()[-1])
    return n, None if n else none_why


def tensorflow_gpus() -> tuple[int, str | None]:
    return framework_gpus("TensorFlow", "tensorflow",
                          "import tensorflow as tf; print(len(tf.config.list_physical_devices('GPU')))",
                          "TensorFlow sees no GPU (the plain wheel, or a CUDA/driver mismatch)",
                          {"TF_CPP_MIN_LOG_LEVEL": "2"})


def skip_all(check: Check, names, why: str) -> None:
    for name in names:
        check.part(name, "skipped", why)


def dlbench(args: list[str], timeout: float, home: str) -> subprocess.CompletedProcess | None:
    return run([PY, "-m", "dlbench_gui", *args], timeout, {"DLBENCH_HOME": home})


def part_b(check: Check) -> None:
    names = ("b1_quick_run_on_gpu", "b2_provoked_gpu_oom", "b3_maxbatch_gpu_limit", "b4_harness_overhead")
    n, why = tensorflow_gpus()
    if not n:
        return skip_all(check, names, why)
    home = tempfile.mkdtemp(prefix="dlbench-gpu-check-")
    base = ["--model", "model_a", "--dataset", "mnist", "--data", "synthetic", "--quiet"]

    out = dlbench(["run", *base, "--quick-budget", "20", "--output", f"{home}/quick.json"], min(150, check.left()), home)
    if out is None or out.returncode != 0:
        check.part(names[0], "failed", "timed out" if out is None else out.stderr[-500:])
    else:
        r = json.load(open(f"{home}/quick.json"))
        on_gpu = bool(r["software"].get("tf_gpus"))
        check.part(names[0], "passed" if on_gpu else "failed", None if on_gpu else "it trained on the CPU",
                   steady_step_s=r["timing"].get("steady_step_s"), first_step_s=r["timing"].get("first_step_s"),
                   estimate_s=(r.get("estimate") or {}).get("execution_time_s"), energy=r.get("energy"),
                   throttling=r["findings"].get("throttling"), jit_compile=r["software"].get("jit_compile"))

    out = dlbench(["run", *base, "--profile", "custom", "--epochs", "1", "--batch-size", "8192", "--train-samples",
                   "16384", "--val-samples", "64", "--gpu-memory-limit", "1", "--output", f"{home}/oom.json"],
                  min(90, check.left()), home)
    if out is None:
        check.part(names[1], "failed", "timed out")
    else:
        kind = (json.load(open(f"{home}/oom.json")).get("error") or {}).get("kind") if os.path.exists(
            f"{home}/oom.json") else None
        ok = out.returncode == 1 and kind == "gpu_oom"  # exit 1 with a report: the parent lived to write it
        check.part(names[1], "passed" if ok else "failed",
                   None if ok else f"exit {out.returncode}, error kind {kind}: {out.stderr[-300:]}", kind=kind)

    out = dlbench(["maxbatch", "--model", "model_a", "--gpu-memory-limit", "2", "--start", "1024", "--max", "16384"],
                  min(120, check.left()), home)
    ok = out is not None and out.returncode == 0
    check.part(names[2], "passed" if ok else "failed",
               None if ok else ("timed out" if out is None else out.stderr[-300:]),
               stdout=(out.stdout[-600:] if out else None))

    out = run([PY, "benchmarks/harness_overhead.py"], min(90, check.left()), {"STEPS": "100", "ROUNDS": "1"})
    ok = out is not None and out.returncode == 0
    check.part(names[3], "passed" if ok else "failed", None if ok else ("timed out" if out is None else out.stderr[-300:]),
               result=(out.stdout.strip().splitlines()[-1] if ok and out.stdout.strip() else None))


# ----------------------------------------------------------------------------------------------- parts (c), (d)
# The same parts for each framework that dlbench drives without TensorFlow: (c) Keras 3 on JAX, (d) native PyTorch.
PARTS = ("quick_model_a", "quick_model_b", "short_protocol_vs_estimate", "provoked_gpu_oom", "maxbatch_gpu_limit",
         "low_precision_vs_float32", "harness_overhead")
FRAMEWORKS = {  # backend: (part letter, label, module, how many GPUs it sees, why none)
    "jax": ("c", "JAX", "jax", "import jax; print(sum(d.platform == 'gpu' for d in jax.devices()))",
            "JAX sees no GPU (its CPU-only wheel, or a CUDA plugin that does not match the driver)"),
    "torch": ("d", "PyTorch", "torch", "import torch; print(torch.cuda.device_count())",
              "PyTorch sees no GPU (its CPU build, or a CUDA build that does not match the driver)"),
}


def report(path: str) -> dict | None:
    try:
        return json.load(open(path))
    except (OSError, ValueError):
        return None


def backend_run(check: Check, backend: str, name: str, args: list[str], home: str, limit_s: float) -> dict | None:
    """One `dlbench run --backend BACKEND`; the part fails unless it completed on a GPU. Returns its report."""
    path = f"{home}/{name}.json"
    out = dlbench(["run", "--backend", backend, "--data", "synthetic", "--quiet", *args, "--output", path],
                  min(limit_s, check.left()), home)
    r = report(path)
    if out is None or out.returncode != 0 or r is None:
        check.part(name, "failed", "timed out" if out is None else out.stderr[-500:])
        return None
    on_gpu = bool(r["software"].get("backend_gpus"))
    t = r["timing"]
    check.part(name, "passed" if on_gpu else "failed", None if on_gpu else "it trained on the CPU",
               backend=r["software"].get("backend"), version=r["software"].get("backend_version"),
               steady_step_s=t.get("steady_step_s"), first_step_s=t.get("first_step_s"),
               execution_time_s=t.get("execution_time_s"), estimate=r.get("estimate") and {
                   k: r["estimate"].get(k) for k in ("execution_time_s", "execution_time_ci95_s", "protocol")},
               energy=r.get("energy"), throttling=r["findings"].get("throttling"), gpu_peak_bytes=r["memory"].get(
                   "gpu_peak_bytes"), precision=r["config"].get("precision"))
    return r


def part_names(backend: str) -> list[str]:
    return [f"{FRAMEWORKS[backend][0]}{i + 1}_{backend}_{p}" for i, p in enumerate(PARTS)]


def framework_part(check: Check, backend: str) -> None:
    letter, label, module, count, none_why = FRAMEWORKS[backend]
    names = part_names(backend)
    n, why = framework_gpus(label, module, count, none_why)
    if not n:
        return skip_all(check, names, why)
    home = tempfile.mkdtemp(prefix=f"dlbench-gpu-check-{backend}-")
    a = ["--model", "model_a", "--dataset", "mnist"]
    go = lambda name, args, limit: backend_run(check, backend, name, args, home, limit)  # noqa: E731
    quick = go(names[0], [*a, "--quick-budget", "10"], 120)
    go(names[1], ["--model", "model_b", "--dataset", "mnist", "--quick-budget", "10"], 150)
    short = ["--epochs", "2", "--train-samples", "60000", "--val-samples", "10000"]
    est = go(f"{letter}3_estimate", [*a, "--profile", "quick", "--quick-budget", "10", *short], 90)
    measured = go(f"{letter}3_measured", [*a, "--profile", "custom", *short], 120)
    if est and measured and est.get("estimate"):
        lo, hi = est["estimate"]["execution_time_ci95_s"]
        m = measured["timing"]["execution_time_s"]
        check.part(names[2], "passed" if lo <= m <= hi else "failed",
                   None if lo <= m <= hi else "the measured protocol lies outside the quick estimate's interval",
                   estimate_s=est["estimate"]["execution_time_s"], interval_s=[lo, hi], measured_s=m)
    else:
        check.part(names[2], "failed", "the quick estimate or the measured protocol did not complete")
    path = f"{home}/oom.json"
    out = dlbench(["run", "--backend", backend, *a, "--data", "synthetic", "--quiet", "--profile", "custom", "--epochs",
                   "1", "--batch-size", "8192", "--train-samples", "16384", "--val-samples", "64", "--gpu-memory-limit",
                   "1", "--output", path], min(90, check.left()), home)
    kind = ((report(path) or {}).get("error") or {}).get("kind")
    ok = out is not None and out.returncode == 1 and kind == "gpu_oom"
    check.part(names[3], "passed" if ok else "failed", None if ok else f"error kind {kind}: "
               + ("timed out" if out is None else out.stderr[-300:]), kind=kind,
               message=((report(path) or {}).get("error") or {}).get("message", "")[:300])
    ratios = {}
    for precision in ("mixed_bfloat16", "mixed_float16") if backend == "torch" else ("mixed_bfloat16",):
        low = go(f"{letter}6_{precision}", [*a, "--quick-budget", "10", "--precision", precision], 90)
        if quick and low:
            ratios[f"float32_over_{precision}_step"] = quick["timing"]["steady_step_s"] / low["timing"]["steady_step_s"]
    check.part(names[5], "passed" if ratios else "failed", None if ratios else "a quick run did not complete", **ratios)
    out = run([PY, "benchmarks/harness_overhead.py"], min(100, check.left()),
              {"STEPS": "100", "ROUNDS": "1", "BACKEND": backend})
    ok = out is not None and out.returncode == 0
    check.part(names[6], "passed" if ok else "failed", None if ok else ("timed out" if out is None else out.stderr[-300:]),
               result=(out.stdout.strip().splitlines()[-1] if ok and out.stdout.strip() else None))
    # last: on the H200 each probe is a fresh process (start, framework, compile) of about 16 s
    out = dlbench(["maxbatch", "--backend", backend, "--model", "model_a", "--gpu-memory-limit", "2", "--start", "2048",
                   "--max", "16384"], min(150, check.left()), home)
    ok = out is not None and out.returncode == 0
    check.part(names[4], "passed" if ok else "failed", None if ok else ("timed out" if out is None else out.stderr[-300:]),
               stdout=(out.stdout[-600:] if out else None))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--output", required=True)
    ap.add_argument("--load-seconds", type=float, default=30.0)
    a = ap.parse_args()
    check = Check(a.output)
    # a scratch data folder: nothing is written to the user's, and part (a) needs no platformdirs (made only when
    # none is given, and removed at the end: the check's figures are in --output)
    scratch = None if os.environ.get("DLBENCH_HOME") else tempfile.mkdtemp(prefix="dlbench-gpu-check-home-")
    if scratch:
        os.environ["DLBENCH_HOME"] = scratch
    try:
        gpus = part_a(check, a.load_seconds)
        if gpus:
            telemetry_under_load(check, gpus, a.load_seconds)
        part_b(check)
        framework_part(check, "torch")  # the newer path first: the budget's end, if it comes, cuts JAX's
        framework_part(check, "jax")
        check.save()
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    print(f"{check.parts and sum(p['status'] == 'passed' for p in check.parts.values())} passed, "
          f"{sum(p['status'] == 'failed' for p in check.parts.values())} failed, "
          f"{sum(p['status'] == 'skipped' for p in check.parts.values())} skipped; written to {a.output}")
    return 1 if any(p["status"] == "failed" for p in check.parts.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
