"""The telemetry sampler: a parent-side thread reading CPU, RAM, the child's RSS and each GPU at 2 Hz."""

from __future__ import annotations

import os
import threading
import time
from typing import Any, Callable

import psutil

from ..core.measure import stats
from . import accelerators, nvml, rapl, sysfs_gpus
from ..core.accelerators import measures_anything
from .amdsmi_gpus import AmdSmi

MAX_STORED_SAMPLES = 600


class Sampler:
    """Samples until stopped. `watch(pid)` follows a child; `mark(...)` tags later samples with phase and epoch."""

    def __init__(self, interval_s: float = 0.5, on_sample: Callable[[dict[str, Any]], None] | None = None,
                 gpus: bool = True, rapl_root: str = rapl.DEFAULT_ROOT, gpus_nvml: nvml.Nvml | None = None,
                 sysfs_root: str = "/sys", amd_smi: AmdSmi | None = None):
        self.interval_s = interval_s
        self.on_sample = on_sample
        self.samples: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._proc: psutil.Process | None = None
        self._phase: str | None = None
        self._epoch: int | None = None
        # its own NVML context (shut down by stop()), or one handed in (tests inject a stand-in; the owner closes it)
        self._nvml, self._own_nvml = gpus_nvml or nvml.Nvml(), gpus_nvml is None
        self._gpu_handles = self._nvml.handles() if gpus else []
        # AMD GPUs through amdsmi where it works, else AMD and Intel GPUs from their sysfs files (#32), after NVML's:
        # the order of core/accelerators.sampled
        self._amd, self._own_amd = amd_smi or AmdSmi(), amd_smi is None
        self._amd_handles = accelerators.amd_handles(sysfs_root, self._amd) if gpus else []
        self._sysfs = [sysfs_gpus.SysfsGpu(a) for a in sysfs_gpus.detect(sysfs_root, skip_amd=bool(self._amd_handles))
                       if measures_anything(a)] if gpus else []
        self.rapl = rapl.RaplReader(rapl_root)
        self.gpu_energy_sources = (["NVML total energy counter"] * len(self._gpu_handles)
                                   + ["amdsmi energy counter"] * len(self._amd_handles)
                                   + [f"{g.vendor} GPU's hwmon energy1_input" if g.has_energy else None
                                      for g in self._sysfs])
        self.gpu_energy_reason = None if any(self.gpu_energy_sources) else "; ".join(
            [f"no {g.vendor} GPU energy counter (its hwmon reports power only)" for g in self._sysfs]
            or ["no NVIDIA GPU energy counter: " + (self._nvml.error() or "NVML sees no GPU")])
        self._t0 = time.monotonic()
        self.peak_child_rss_bytes = 0
        self._self = psutil.Process()
        self._cores = psutil.cpu_count() or 1
        self._last_cpu: tuple[float, float, dict[int, float] | None, float, int | None] | None = None

    def own_pids(self) -> set[int]:
        """dlbench's own processes: this one, the child it watches and whatever that child started (a PyTorch run's
        other ranks, its compiler's workers): their work is not interference."""
        tree = {p.pid for p in process_tree(self._proc)} if self._proc is not None else set()
        return {p for p in (os.getpid(), self._pid) if p} | tree

    def watch(self, pid: int | None) -> None:
        self._pid = pid
        self._last_cpu = None  # a new child: its CPU time starts from a new baseline
        try:
            self._proc = psutil.Process(pid) if pid else None
        except psutil.Error:
            self._proc = None

    def mark(self, phase: str | None = None, epoch: int | None = None) -> None:
        if phase is not None:
            self._phase = phase
        if epoch is not None:
            self._epoch = epoch

    def start(self) -> "Sampler":
        psutil.cpu_percent(percpu=True)  # the first call only primes the counters
        self._thread = threading.Thread(target=self._loop, daemon=True, name="telemetry")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._own_nvml:
            self._nvml.close()
        if self._own_amd:
            self._amd.close()

    def _loop(self) -> None:
        next_t = time.monotonic()
        while not self._stop.is_set():
            self.sample_once()
            next_t += self.interval_s
            self._stop.wait(max(0.0, next_t - time.monotonic()))

    def sample_once(self) -> dict[str, Any]:
        per_core = psutil.cpu_percent(percpu=True)
        vm = psutil.virtual_memory()
        rss = None
        if self._proc is not None:
            try:
                rss = self._proc.memory_info().rss
                self.peak_child_rss_bytes = max(self.peak_child_rss_bytes, rss)
            except psutil.Error:
                rss = None
        s: dict[str, Any] = {
            "t": round(time.monotonic() - self._t0, 3),
            "cpu_percent": round(sum(per_core) / len(per_core), 1) if per_core else None,
            "cpu_per_core": per_core,
            "ram_used_bytes": vm.total - vm.available,
            "ram_percent": vm.percent,
            "child_rss_bytes": rss,
            "other_cpu_share": self._other_cpu_share(),
            "cpu_energy_j": self.rapl.read_j(),
            "cpu_freq_mhz": _cpu_freq_mhz(),
            "phase": self._phase,
            "epoch": self._epoch,
        }
        if self._gpu_handles or self._amd_handles or self._sysfs:
            own = self.own_pids()
            s["gpus"] = ([{**self._nvml.sample(h), "other_util_percent": self._nvml.other_util_percent(h, own)}
                          for h in self._gpu_handles]
                         + [{**self._amd.sample(h), "other_util_percent": None} for h in self._amd_handles]
                         + [{**g.sample(), "other_util_percent": None} for g in self._sysfs])
        self.samples.append(s)
        if self.on_sample is not None:
            self.on_sample(s)
        return s

    def _other_cpu_share(self) -> float | None:
        """The share of the machine's CPU capacity that processes other than dlbench and its child used since the
        last sample: machine busy time minus the child's and our own CPU time, over wall time x logical cores."""
        try:
            t = psutil.cpu_times()
            busy = sum(getattr(t, k, 0.0) for k in ("user", "nice", "system", "irq", "softirq"))  # guest is in user
            own = _cpu_s(self._self)
            child = tree_cpu_s(self._proc) if self._proc is not None else None
        except psutil.Error:
            self._last_cpu = None
            return None
        now = time.monotonic()
        last, self._last_cpu = self._last_cpu, (now, busy, child, own, self._pid)
        if last is None or last[4] != self._pid or now - last[0] < 0.05:
            return None
        child_d = 0.0
        if child is not None and last[2] is not None:  # a process new to the tree: all of its time is new
            child_d = sum(max(0.0, t - last[2].get(pid, 0.0)) for pid, t in child.items())
        other = (busy - last[1]) - child_d - (own - last[3])
        return round(min(1.0, max(0.0, other / ((now - last[0]) * self._cores))), 4)

    # ------------------------------------------------------------------ what the report keeps
    def summary(self) -> dict[str, Any]:
        return summarise(self.samples, self.interval_s)

    def stored(self) -> dict[str, Any]:
        return {"interval_s": self.interval_s, "samples": downsample(self.samples, MAX_STORED_SAMPLES),
                "summary": self.summary()}


def _cpu_freq_mhz() -> float | None:
    try:
        f = psutil.cpu_freq()
    except Exception:  # not reported on every platform
        return None
    return round(f.current, 1) if f and f.current else None


def process_tree(proc: psutil.Process) -> list[psutil.Process]:
    """A process and every process it started that is still running."""
    try:
        return [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return [proc]


def tree_cpu_s(proc: psutil.Process) -> dict[int, float]:
    """CPU seconds of a process and of every process it started that is still running, by pid."""
    out = {}
    for p in process_tree(proc):
        try:
            out[p.pid] = _cpu_s(p)
        except psutil.Error:
            if p is proc:
                raise  # the watched child itself: as before, the sample says nothing
    return out


def _cpu_s(proc: psutil.Process) -> float:
    """CPU seconds of a process and of its children it has waited for."""
    c = proc.cpu_times()
    return c.user + c.system + getattr(c, "children_user", 0.0) + getattr(c, "children_system", 0.0)


def downsample(samples: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    if len(samples) <= limit:
        return [{k: v for k, v in s.items() if k != "cpu_per_core"} for s in samples]
    step = len(samples) / limit
    return [{k: v for k, v in samples[int(i * step)].items() if k != "cpu_per_core"} for i in range(limit)]


def _series(samples, key, gpu_index=None):
    out = []
    for s in samples:
        v = s["gpus"][gpu_index].get(key) if gpu_index is not None and s.get("gpus") else s.get(key)
        if isinstance(v, (int, float)):
            out.append(float(v))
    return out


def summarise(samples: list[dict[str, Any]], interval_s: float) -> dict[str, Any]:
    out: dict[str, Any] = {"samples": len(samples), "duration_s": samples[-1]["t"] - samples[0]["t"] if samples else 0}
    for key in ("cpu_percent", "ram_used_bytes", "child_rss_bytes", "other_cpu_share"):
        vals = _series(samples, key)
        out[key] = {"mean": stats.mean(vals), "max": max(vals)} if vals else None
    n_gpus = len(samples[0].get("gpus", [])) if samples else 0
    gpus = []
    for i in range(n_gpus):
        g: dict[str, Any] = {}
        for key in ("util_percent", "vram_used_bytes", "temperature_c", "power_w", "sm_clock_mhz"):
            vals = _series(samples, key, i)
            g[key] = {"mean": stats.mean(vals), "max": max(vals)} if vals else None
        energy = _series(samples, "energy_mj", i)
        if len(energy) >= 2:
            g["energy_j"] = (energy[-1] - energy[0]) / 1000
            g["energy_method"] = "the GPU's total energy counter (NVML or hwmon)"
        else:
            power = _series(samples, "power_w", i)
            g["energy_j"] = sum(power) * interval_s if power else None
            g["energy_method"] = "integrated power samples" if power else None
        reasons = sorted({r for s in samples for r in (s["gpus"][i].get("throttle_reasons") or [])})
        g["throttle_reasons_seen"] = reasons
        gpus.append(g)
    if gpus:
        out["gpus"] = gpus
    return out
