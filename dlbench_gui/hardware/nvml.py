"""NVIDIA GPUs through nvidia-ml-py: one `Nvml` object per user (hardware detection, a telemetry sampler),
initialised lazily on its first query and shut down by `close()` (NVML counts its init/shutdown pairs, so several
may be open at once); every query tolerant of NotSupported and absence."""

from __future__ import annotations

import threading
from typing import Any, Callable

# FP32 CUDA cores per SM by compute capability major.minor (NVIDIA CUDA programming guide, arithmetic throughput).
_CORES_PER_SM = {(6, 0): 64, (6, 1): 128, (6, 2): 128, (7, 0): 64, (7, 2): 64, (7, 5): 64, (8, 0): 64,
                 (8, 6): 128, (8, 7): 128, (8, 9): 128, (9, 0): 128, (10, 0): 128, (12, 0): 128}


def _q(fn: Callable[[], Any]) -> Any:
    try:
        value = fn()
    except Exception:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


class Nvml:
    """One NVML context. `module`: a pynvml stand-in (tests inject one); None: pynvml itself, imported on first use."""

    def __init__(self, module: Any | None = None):
        self._lock = threading.Lock()
        self._module = module
        self._ready: bool | None = True if module is not None else None
        self._error: str | None = None
        self._opened = False  # nvmlInit was called here, so close() calls nvmlShutdown
        self._last_seen: dict[Any, int] = {}  # handle -> the newest process-utilisation timestamp read

    def __enter__(self) -> "Nvml":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _init(self) -> Any | None:
        """The pynvml module when NVML is usable, else None (and the reason kept in `error()`)."""
        with self._lock:
            if self._ready is not None:
                return self._module if self._ready else None
            try:
                import pynvml

                pynvml.nvmlInit()
                self._module, self._ready, self._opened = pynvml, True, True
                return pynvml
            except Exception as exc:  # ImportError, NVMLError_LibraryNotFound, DriverNotLoaded, ...
                self._ready, self._error = False, f"{type(exc).__name__}: {exc}"
                return None

    def close(self) -> None:
        """Shut NVML down if this object started it; a later query starts it again. An injected stand-in stays."""
        with self._lock:
            if not self._opened:
                return
            try:
                self._module.nvmlShutdown()
            except Exception:
                pass
            self._opened, self._ready, self._module = False, None, None

    def error(self) -> str | None:
        self._init()
        return self._error

    def device_count(self) -> int:
        nv = self._init()
        return (_q(nv.nvmlDeviceGetCount) or 0) if nv else 0

    def handles(self) -> list[Any]:
        nv = self._init()
        if not nv:
            return []
        return [h for h in (_q(lambda i=i: nv.nvmlDeviceGetHandleByIndex(i)) for i in range(self.device_count()))
                if h is not None]

    def static_info(self) -> list[dict[str, Any]]:
        """Name, memory, driver, CUDA, compute capability, PCIe, power limit, clocks — per GPU."""
        nv = self._init()
        if not nv:
            return []
        driver = _q(nv.nvmlSystemGetDriverVersion)
        cuda = _q(nv.nvmlSystemGetCudaDriverVersion_v2) or _q(nv.nvmlSystemGetCudaDriverVersion)
        cuda_text = f"{cuda // 1000}.{(cuda % 1000) // 10}" if isinstance(cuda, int) else None
        return [_static(nv, i, h, driver, cuda_text) for i, h in enumerate(self.handles())]

    def sample(self, h) -> dict[str, Any]:
        """One telemetry reading of one GPU; None for whatever the device does not report."""
        nv = self._init()
        if not nv:
            return {}
        util = _q(lambda: nv.nvmlDeviceGetUtilizationRates(h))
        mem = _q(lambda: nv.nvmlDeviceGetMemoryInfo(h))
        power = _q(lambda: nv.nvmlDeviceGetPowerUsage(h))
        energy = _q(lambda: nv.nvmlDeviceGetTotalEnergyConsumption(h))
        reasons = _q(lambda: nv.nvmlDeviceGetCurrentClocksEventReasons(h))
        if reasons is None:
            reasons = _q(lambda: nv.nvmlDeviceGetCurrentClocksThrottleReasons(h))
        return {
            "util_percent": getattr(util, "gpu", None),
            "mem_util_percent": getattr(util, "memory", None),
            "vram_used_bytes": getattr(mem, "used", None),
            "vram_total_bytes": getattr(mem, "total", None),
            "temperature_c": _q(lambda: nv.nvmlDeviceGetTemperature(h, nv.NVML_TEMPERATURE_GPU)),
            "power_w": power / 1000 if power is not None else None,
            "energy_mj": energy,
            "sm_clock_mhz": _q(lambda: nv.nvmlDeviceGetClockInfo(h, nv.NVML_CLOCK_SM)),
            "throttle_reasons": throttle_words(reasons),
        }

    def other_util_percent(self, h, own_pids: set[int]) -> float | None:
        """SM utilisation (%) that processes other than `own_pids` had on this GPU since the last call, from NVML's
        per-process utilisation samples; None where the driver does not report them."""
        nv = self._init()
        if not nv:
            return None
        try:
            samples = nv.nvmlDeviceGetProcessUtilization(h, self._last_seen.get(h, 0))
        except Exception as exc:  # NotFound: no process ran on it since the last read; NotSupported: not reported
            return 0.0 if type(exc).__name__ == "NVMLError_NotFound" else None
        others: dict[int, list[float]] = {}
        for p in samples:
            ts = getattr(p, "timeStamp", 0) or 0
            self._last_seen[h] = max(self._last_seen.get(h, 0), int(ts))
            if getattr(p, "pid", None) not in own_pids and isinstance(getattr(p, "smUtil", None), (int, float)):
                others.setdefault(p.pid, []).append(float(p.smUtil))
        return min(100.0, sum(sum(v) / len(v) for v in others.values()))


def _static(nv, i: int, h, driver, cuda_text) -> dict[str, Any]:
    mem = _q(lambda: nv.nvmlDeviceGetMemoryInfo(h))
    cc = _q(lambda: nv.nvmlDeviceGetCudaComputeCapability(h))
    power_limit = _q(lambda: nv.nvmlDeviceGetPowerManagementLimit(h))
    sm_clock = _q(lambda: nv.nvmlDeviceGetMaxClockInfo(h, nv.NVML_CLOCK_SM))
    cores = _q(lambda: nv.nvmlDeviceGetNumGpuCores(h))
    # Without a core count from NVML the SM count and the peak stay unknown.
    sm_count = cores // _CORES_PER_SM[tuple(cc)] if cores and cc and tuple(cc) in _CORES_PER_SM else None
    peak = 2.0 * cores * sm_clock * 1e6 if cores and sm_clock else None
    return {
        "index": i,
        "name": _q(lambda: nv.nvmlDeviceGetName(h)),
        "uuid": _q(lambda: nv.nvmlDeviceGetUUID(h)),
        "memory_total_bytes": getattr(mem, "total", None),
        "driver_version": driver,
        "cuda_driver_version": cuda_text,
        "compute_capability": f"{cc[0]}.{cc[1]}" if cc else None,
        "pcie_generation": _q(lambda: nv.nvmlDeviceGetCurrPcieLinkGeneration(h)),
        "pcie_max_generation": _q(lambda: nv.nvmlDeviceGetMaxPcieLinkGeneration(h)),
        "pcie_width": _q(lambda: nv.nvmlDeviceGetCurrPcieLinkWidth(h)),
        "pcie_max_width": _q(lambda: nv.nvmlDeviceGetMaxPcieLinkWidth(h)),
        "power_limit_w": power_limit / 1000 if power_limit else None,
        "max_sm_clock_mhz": sm_clock,
        "max_memory_clock_mhz": _q(lambda: nv.nvmlDeviceGetMaxClockInfo(h, nv.NVML_CLOCK_MEM)),
        "cuda_cores": cores,
        "sm_count": sm_count,
        "peak_fp32_flops": peak,
        "peak_method": "2 x CUDA cores x max SM clock (FMA)" if peak else None,
    }


def throttle_words(mask: int | None) -> list[str] | None:
    if mask is None:
        return None
    names = {0x1: "idle", 0x2: "application clocks", 0x4: "software power cap", 0x8: "hardware slowdown", 0x20: "software thermal",
             0x40: "hardware thermal", 0x80: "power brake", 0x100: "display clock"}
    return [word for bit, word in names.items() if mask & bit]
