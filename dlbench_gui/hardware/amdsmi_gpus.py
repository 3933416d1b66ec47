"""AMD GPUs through amdsmi, AMD's own management library, where it is installed: the `amdsmi` package imports only
beside ROCm's libamd_smi.so. It adds what sysfs lacks: the market name, the compute-unit count and an energy counter.
Where it is absent or fails, hardware/sysfs_gpus.py reads the same GPUs from the kernel's files.

The calls and what they return, as amdsmi 7.0's Python interface (amdsmi_interface.py) documents them:
amdsmi_get_gpu_asic_info → market_name, num_compute_units, target_graphics_version ("gfx942");
amdsmi_get_gpu_vram_info → vram_size (MB); amdsmi_get_gpu_driver_info → driver_version;
amdsmi_get_clock_info(h, AmdSmiClkType.GFX) → max_clk (MHz); amdsmi_get_gpu_activity → gfx_activity (%);
amdsmi_get_gpu_vram_usage → vram_used (MB); amdsmi_get_power_info → average_socket_power (W);
amdsmi_get_temp_metric(h, EDGE or HOTSPOT, CURRENT) → °C; amdsmi_get_energy_count → energy_accumulator x
counter_resolution (µJ). A value amdsmi cannot read is "N/A" or an exception: None here."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import threading
from typing import Any, Callable

MB = 1 << 20
# FP32 FLOPs per clock of one compute unit: 64 lanes (GCN/CDNA: four SIMD16s; RDNA: two SIMD32s) x 2 for an FMA
FLOPS_PER_CU = 128


def _q(fn: Callable[[], Any]) -> Any:
    try:
        value = fn()
    except Exception:
        return None
    return None if value == "N/A" else value


class AmdSmi:
    """One amdsmi context, opened on first use (`module`: an amdsmi stand-in, as tests inject one)."""

    def __init__(self, module: Any | None = None):
        self._lock = threading.Lock()
        self._module = module
        self._ready: bool | None = True if module is not None else None
        self._opened = False  # amdsmi_init was called here, so close() shuts it down
        self.error: str | None = None

    def _init(self) -> Any | None:
        with self._lock:
            if self._ready is None:
                self._ready = False
                if importlib.util.find_spec("amdsmi") is None:
                    self.error = "amdsmi is not installed"
                    return None
                try:
                    with contextlib.redirect_stdout(io.StringIO()):  # it prints where it looked for libamd_smi.so
                        import amdsmi

                        amdsmi.amdsmi_init()
                    self._module, self._ready, self._opened = amdsmi, True, True
                except Exception as exc:  # KeyError 'libamd_smi.so' without ROCm, AmdSmiLibraryException, ...
                    self.error = f"amdsmi unusable: {type(exc).__name__}: {exc}"
            return self._module if self._ready else None

    def close(self) -> None:
        with self._lock:
            if self._opened:
                with contextlib.suppress(Exception):
                    self._module.amdsmi_shut_down()
                self._opened, self._ready, self._module = False, None, None

    def handles(self) -> list[Any]:
        smi = self._init()
        return list(_q(smi.amdsmi_get_processor_handles) or []) if smi else []

    def static_info(self) -> list[dict[str, Any]]:
        smi = self._init()
        return [{**self._static(smi, h), "amdsmi_index": i} for i, h in enumerate(self.handles())] if smi else []

    @staticmethod
    def _static(smi, h) -> dict[str, Any]:
        asic = _q(lambda: smi.amdsmi_get_gpu_asic_info(h)) or {}
        vram_mb = (_q(lambda: smi.amdsmi_get_gpu_vram_info(h)) or {}).get("vram_size")
        driver = (_q(lambda: smi.amdsmi_get_gpu_driver_info(h)) or {}).get("driver_version")
        max_clk = (_q(lambda: smi.amdsmi_get_clock_info(h, smi.AmdSmiClkType.GFX)) or {}).get("max_clk")
        cus = asic.get("num_compute_units")
        peak = cus * FLOPS_PER_CU * max_clk * 1e6 if isinstance(cus, int) and isinstance(max_clk, int) else None
        energy = _q(lambda: smi.amdsmi_get_energy_count(h))
        return {"vendor": "AMD", "kind": "amd", "discrete": True,
                "name": asic.get("market_name") or "AMD GPU", "memory_total_bytes": vram_mb * MB if vram_mb else None,
                "memory_kind": "dedicated", "driver": "amdgpu", "driver_version": driver,
                "runtime": asic.get("target_graphics_version"), "source": "amdsmi",
                "telemetry": {"utilisation": "amdsmi", "memory in use": "amdsmi", "temperature": "amdsmi",
                              "power": "amdsmi energy counter" if energy else "amdsmi"},
                "peak_fp32_flops": peak, "peak_half_flops": 2 * peak if peak else None,
                "peak_method": f"{cus} compute units x {FLOPS_PER_CU} FLOPs/clock x {max_clk} MHz, from amdsmi; FP16 "
                               "packed, matrix cores not counted" if peak else None,
                "peak_unknown": None if peak else "amdsmi reports no compute-unit count or clock for it"}

    def sample(self, h) -> dict[str, Any]:
        smi = self._init()
        if not smi:
            return {}
        activity = _q(lambda: smi.amdsmi_get_gpu_activity(h)) or {}
        usage = _q(lambda: smi.amdsmi_get_gpu_vram_usage(h)) or {}
        power = _q(lambda: smi.amdsmi_get_power_info(h)) or {}
        energy = _q(lambda: smi.amdsmi_get_energy_count(h)) or {}
        temp = _q(lambda: smi.amdsmi_get_temp_metric(h, smi.AmdSmiTemperatureType.EDGE,
                                                     smi.AmdSmiTemperatureMetric.CURRENT))
        if temp is None:  # Instinct parts have no edge sensor
            temp = _q(lambda: smi.amdsmi_get_temp_metric(h, smi.AmdSmiTemperatureType.HOTSPOT,
                                                         smi.AmdSmiTemperatureMetric.CURRENT))
        watts = power.get("average_socket_power")
        if not isinstance(watts, (int, float)) or watts == 0:
            watts = power.get("current_socket_power")
        acc, res = energy.get("energy_accumulator"), energy.get("counter_resolution")
        used, total = usage.get("vram_used"), usage.get("vram_total")
        return {"util_percent": _num(activity.get("gfx_activity")), "mem_util_percent": _num(activity.get("umc_activity")),
                "vram_used_bytes": used * MB if isinstance(used, int) else None,
                "vram_total_bytes": total * MB if isinstance(total, int) else None,
                "temperature_c": _num(temp), "power_w": _num(watts),
                "energy_mj": acc * res / 1000 if isinstance(acc, int) and isinstance(res, (int, float)) else None,
                "sm_clock_mhz": None, "throttle_reasons": None}


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
