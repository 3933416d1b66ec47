"""What this machine is, read without TensorFlow: a fact that cannot be read is None, never an exception."""

from __future__ import annotations

import contextlib
import glob
import os
import platform
import re
import sys
from pathlib import Path
from typing import Any, Callable

import psutil

from ..core.backend_choice import routes
from . import accelerators, nvml
from .amdsmi_gpus import AmdSmi

_VECTOR_FLAGS = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "avx512_fp16",
                 "amx_tile", "amx_bf16", "amx_int8")


def _safe(fn: Callable[[], Any], default: Any = None) -> Any:
    try:
        return fn()
    except Exception:
        return default


def _cpuinfo() -> dict[str, str]:
    info: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if ":" in line:
                    k, v = line.split(":", 1)
                    info.setdefault(k.strip(), v.strip())
    except OSError:
        pass
    return info


def cpu_info() -> dict[str, Any]:
    ci = _cpuinfo()
    brand = ci.get("model name") or _safe(platform.processor) or None
    if sys.platform == "darwin":
        brand = _safe(lambda: os.popen("sysctl -n machdep.cpu.brand_string").read().strip()) or brand
    flags = set(ci.get("flags", "").split())
    freq = _safe(psutil.cpu_freq)
    base_ghz = None
    if brand:
        m = re.search(r"@\s*([\d.]+)\s*GHz", brand)
        if m:
            base_ghz = float(m.group(1))
    max_mhz = getattr(freq, "max", None) or None
    cur_mhz = getattr(freq, "current", None) or _safe(lambda: float(ci["cpu MHz"]))
    physical = _safe(lambda: psutil.cpu_count(logical=False))
    logical = _safe(lambda: psutil.cpu_count(logical=True))
    features = [f for f in _VECTOR_FLAGS if f in flags] if flags else None
    return {
        "brand": brand,
        "architecture": platform.machine(),
        "physical_cores": physical,
        "logical_cores": logical,
        "base_clock_mhz": base_ghz * 1000 if base_ghz else None,
        "max_clock_mhz": max_mhz,
        "current_clock_mhz": cur_mhz,
        "vector_features": features,
        **cpu_peak(physical or logical, max_mhz or (base_ghz * 1000 if base_ghz else None) or cur_mhz, features),
    }


def cpu_peak(cores: int | None, clock_mhz: float | None, features: list[str] | None) -> dict[str, Any]:
    """Theoretical FP32 peak: cores x clock x FLOPs per cycle of the widest FMA the CPU has.

    Assumes two FMA units per core (most desktop and server cores since Haswell; some AVX-512 parts have one).
    """
    if not cores or not clock_mhz or features is None:
        return {"peak_fp32_flops": None, "peak_method": None}
    if "avx512f" in features:
        per_cycle, isa = 2 * 16 * 2, "AVX-512 FMA"
    elif "fma" in features and "avx2" in features:
        per_cycle, isa = 2 * 8 * 2, "AVX2 FMA"
    elif "avx" in features:
        per_cycle, isa = 8 * 2, "AVX"
    else:
        per_cycle, isa = 4 * 2, "SSE"
    return {"peak_fp32_flops": cores * clock_mhz * 1e6 * per_cycle, "flops_per_cycle": per_cycle,
            "peak_method": f"{cores} cores x {clock_mhz:.0f} MHz x {per_cycle} FP32 FLOPs/cycle ({isa}, 2 FMA units)"}


def memory_info() -> dict[str, Any]:
    vm = _safe(psutil.virtual_memory)
    sw = _safe(psutil.swap_memory)
    return {
        "total_bytes": getattr(vm, "total", None),
        "available_bytes": getattr(vm, "available", None),
        "swap_total_bytes": getattr(sw, "total", None),
        "swap_used_bytes": getattr(sw, "used", None),
    }


def _rotational(path: str) -> bool | None:
    """SSD or HDD on Linux: the block device behind `path` and its queue/rotational flag."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        dev = os.stat(path).st_dev
        sys_dev = Path(f"/sys/dev/block/{os.major(dev)}:{os.minor(dev)}").resolve()
        for cand in (sys_dev, sys_dev.parent):
            flag = cand / "queue" / "rotational"
            if flag.is_file():
                return flag.read_text().strip() == "1"
    except OSError:
        pass
    return None


def disk_info(path: str | os.PathLike) -> dict[str, Any]:
    usage = _safe(lambda: psutil.disk_usage(str(path)))
    rot = _rotational(str(path))
    return {
        "path": str(path),
        "free_bytes": getattr(usage, "free", None),
        "total_bytes": getattr(usage, "total", None),
        "kind": None if rot is None else ("HDD" if rot else "SSD"),
    }


def power_info() -> dict[str, Any]:
    battery = _safe(psutil.sensors_battery)
    if battery is None:
        return {"battery": False, "on_battery": False, "warning": None}
    on_battery = not battery.power_plugged
    return {"battery": True, "on_battery": on_battery, "percent": battery.percent,
            "warning": "running on battery: laptops throttle; plug in for a fair result" if on_battery else None}


def os_info() -> dict[str, Any]:
    return {"system": platform.system(), "release": platform.release(), "version": platform.version(),
            "kernel": platform.release() if platform.system() == "Linux" else None,
            "platform": platform.platform(), "python": platform.python_version(),
            "python_implementation": platform.python_implementation()}


def gpu_info(gpus_nvml: nvml.Nvml | None = None, root: str = "/sys", system: str | None = None,
             run: accelerators.Runner = accelerators.run_command, amd: AmdSmi | None = None) -> dict[str, Any]:
    """Every accelerator, vendor-neutral (#32), with which installed framework can drive each; and NVIDIA's GPUs as
    NVML reads them (`gpus_nvml`: an open context to read them with; None: one opened and shut down here). `root`,
    `system`, `run` and `amd`: the sysfs root, the OS, the command runner and an amdsmi context (tests hand in
    recorded machines)."""
    with nvml.Nvml() if gpus_nvml is None else contextlib.nullcontext(gpus_nvml) as nv:  # the owner closes it
        gpus = nv.static_info()
        error = None if gpus else nv.error()
    system = system or platform.system()
    owned = amd is None
    amd = amd or AmdSmi()
    try:
        found, reason = accelerators.detect(gpus, error, system, root, run, amd)
    finally:
        if owned:
            amd.close()
    for a in found:
        a["frameworks"] = routes(a, system)
    # The kernel driver's files show an NVIDIA GPU even when NVML (the user-space library) is missing.
    device_files = bool(glob.glob("/proc/driver/nvidia/gpus/*") or glob.glob("/dev/nvidia[0-9]*"))
    return {"accelerators": found, "accelerators_reason": reason, "nvidia": gpus, "nvml_error": error,
            "driver_device_files": device_files,
            "summary": ", ".join(a["name"] for a in found) if found else "no GPU or other accelerator found"}


def detect(data_path: str | os.PathLike | None = None, gpus_nvml: nvml.Nvml | None = None) -> dict[str, Any]:
    """Everything at once, as a plain JSON-able dict."""
    if data_path is None:
        from ..core.store.storage import data_dir

        data_path = data_dir(create=False)  # detecting writes nothing; the disk is measured where data would go
        while not Path(data_path).exists() and Path(data_path) != Path(data_path).parent:
            data_path = Path(data_path).parent
    return {
        "cpu": cpu_info(),
        "memory": memory_info(),
        "disk": disk_info(data_path),
        "gpu": gpu_info(gpus_nvml),
        "os": os_info(),
        "power": power_info(),
        "hostname": _safe(platform.node),
    }


def summary_lines(hw: dict[str, Any]) -> list[str]:
    """The facts in words, for `dlbench hw` (the same rows as the window's machine panel and the PDF)."""
    from ..core.view.present import hardware_rows

    return [f"{label + ':':8s}{value}" for label, value in hardware_rows(hw)]
