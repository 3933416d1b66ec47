"""Every accelerator, every vendor, as one list (#32): what it is, its memory, its driver and runtime, what it could do
at best and how that was obtained, which installed framework can drive it (core/backend_choice.routes), and what live
telemetry the machine gives for it without root, or why not.

Sources: NVIDIA through NVML (hardware/nvml.py), on Linux and Windows; AMD and Intel on Linux through the kernel's
sysfs files (hardware/sysfs_gpus.py); Apple silicon through `sysctl` and `system_profiler SPDisplaysDataType -json`;
other GPUs on Windows through the Win32_VideoController class that Windows itself reports (PowerShell's
Get-CimInstance, no extra install). A source that is absent or fails adds nothing; the reason an empty list is empty is
kept beside it. Commands run through `run` (tests hand in the recorded output of each command)."""

from __future__ import annotations

import json
import subprocess
from typing import Any, Callable

from ..core.accelerators import from_nvml
from . import sysfs_gpus
from .amdsmi_gpus import AmdSmi

Runner = Callable[[list[str]], "str | None"]
# Apple's published FP32 figure per GPU core, by chip family: 2.6 TFLOPS for the 8-core M1 GPU and 3.6 TFLOPS for the
# 10-core M2 GPU (Apple's M1 and M2 announcements); Apple published none for later families
_APPLE_FP32_PER_CORE = {"M1": (2.6e12 / 8, "Apple's 2.6 TFLOPS for the 8-core M1 GPU"),
                        "M2": (3.6e12 / 10, "Apple's 3.6 TFLOPS for the 10-core M2 GPU")}
_APPLE_TELEMETRY = {"utilisation": "not measured (needs root: powermetrics)",
                    "memory in use": "unified with the CPU's: the RAM plot shows it",
                    "power": "not measured (needs root: powermetrics)",
                    "temperature": "not measured (macOS gives no sensor without root)"}
_WINDOWS_QUERY = ("Get-CimInstance Win32_VideoController | Select-Object Name,AdapterCompatibility,AdapterRAM,"
                  "DriverVersion,PNPDeviceID | ConvertTo-Json -Compress")


def run_command(cmd: list[str]) -> str | None:
    """A command's standard output, or None when it is missing, fails or takes over 10 s."""
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def apple(run: Runner = run_command) -> list[dict[str, Any]]:
    """Apple silicon's GPU: the chip and memory from sysctl, the GPU's cores and Metal family from system_profiler."""
    chip = (run(["sysctl", "-n", "machdep.cpu.brand_string"]) or "").strip()
    if not chip.startswith("Apple"):
        return []
    memory = _number((run(["sysctl", "-n", "hw.memsize"]) or "").strip())
    try:
        shown = json.loads(run(["system_profiler", "SPDisplaysDataType", "-json"]) or "{}")
    except ValueError:
        shown = {}
    out = []
    for gpu in shown.get("SPDisplaysDataType") or []:
        if not isinstance(gpu, dict) or "Apple" not in str(gpu.get("sppci_vendor", "")):
            continue
        cores = _number(gpu.get("sppci_cores"))
        metal = str(gpu.get("spdisplays_mtlgpufamilysupport") or "").replace("spdisplays_metal", "Metal ") or None
        family = next((f for f in _APPLE_FP32_PER_CORE if f" {f} " in f" {chip} "), None)
        per_core = _APPLE_FP32_PER_CORE.get(family)
        peak = cores * per_core[0] if cores and per_core else None
        out.append({"vendor": "Apple", "kind": "apple", "discrete": False,
                    "name": f"{gpu.get('sppci_model') or chip} GPU" + (f", {cores} cores" if cores else ""),
                    "gpu_cores": cores, "memory_total_bytes": memory, "memory_kind": "unified", "driver": None,
                    "driver_version": None, "runtime": metal, "source": "sysctl and system_profiler",
                    "telemetry": dict(_APPLE_TELEMETRY), "peak_fp32_flops": peak, "peak_half_flops": None,
                    "peak_method": f"{cores} GPU cores x {per_core[0] / 1e12:.3f} TFLOPS per core ({per_core[1]})"
                    if peak else None,
                    "peak_unknown": None if peak else "Apple publishes no FP32 figure for this chip's GPU"})
    return out


def windows(run: Runner = run_command, skip_nvidia: bool = True) -> list[dict[str, Any]]:
    """The display adapters Windows reports (Win32_VideoController), but NVIDIA's where NVML reads them better."""
    try:
        shown = json.loads(run(["powershell", "-NoProfile", "-NonInteractive", "-Command", _WINDOWS_QUERY]) or "[]")
    except ValueError:
        return []
    out = []
    for a in [shown] if isinstance(shown, dict) else shown if isinstance(shown, list) else []:
        pnp = str(a.get("PNPDeviceID") or "").upper() if isinstance(a, dict) else ""
        vendor = {"VEN_1002": "AMD", "VEN_8086": "Intel", "VEN_10DE": "NVIDIA"}.get(pnp[4:12] if pnp[:4] == "PCI\\"
                                                                                    else "")
        if vendor is None or (vendor == "NVIDIA" and skip_nvidia):
            continue  # Microsoft's basic adapter, remote-desktop and virtual adapters are not accelerators
        ram = _number(a.get("AdapterRAM"))
        discrete = vendor != "Intel" or "Arc" in str(a.get("Name"))  # Intel's other adapters are integrated
        out.append({"vendor": vendor, "kind": vendor.lower() + ("" if discrete else "-integrated"), "discrete": discrete,
                    "name": str(a.get("Name") or f"{vendor} GPU"),
                    # AdapterRAM is a 32-bit field: 4 GiB or more reads as about 4 GiB
                    "memory_total_bytes": ram if ram and ram < 2**32 - 2**20 else None, "memory_kind": "dedicated" if discrete else "shared with the CPU",
                    "driver": None, "driver_version": a.get("DriverVersion"), "runtime": None,
                    "source": "Windows (Win32_VideoController)",
                    "telemetry": {k: "not measured (Windows gives no vendor-neutral counter without extra installs)"
                                  for k in ("utilisation", "memory in use", "power", "temperature")},
                    "peak_fp32_flops": None, "peak_half_flops": None, "peak_method": None,
                    "peak_unknown": "Windows reports no core count or clock"})
    return out


def _number(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def amd_handles(root: str, amd: AmdSmi) -> list[Any]:
    """amdsmi's GPU handles, asked only where the kernel lists an AMD GPU: non-empty, amdsmi reads the AMD GPUs (their
    list and their telemetry); empty, their sysfs files do."""
    return amd.handles() if any(vendor == "AMD" for _, vendor, _ in sysfs_gpus.drm_cards(root)) else []


def detect(nvidia: list[dict[str, Any]], nvml_error: str | None, system: str, root: str = "/sys",
           run: Runner = run_command, amd: AmdSmi | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """Every accelerator of this machine, and why the list is empty when it is. `amd`: an amdsmi context, asked only
    where the kernel lists an AMD GPU."""
    found = from_nvml(nvidia)
    if system == "Linux":
        amd = amd or AmdSmi()
        by_amdsmi = amd.static_info() if amd_handles(root, amd) else []
        found += by_amdsmi + sysfs_gpus.detect(root, skip_nvidia=bool(nvidia), skip_amd=bool(by_amdsmi))
    elif system == "Darwin":
        found += apple(run)
    elif system == "Windows":
        found += windows(run, skip_nvidia=bool(nvidia))
    for i, a in enumerate(found):
        a["index"] = i
    if found:
        return found, None
    looked = {"Linux": "no AMD or Intel GPU in /sys/class/drm", "Darwin": "no Apple-silicon GPU (sysctl)",
              "Windows": "no AMD or Intel adapter that Windows reports"}.get(system, f"{system} is not searched")
    why = (nvml_error or "no device").split(": ", 1)[-1]  # "NVMLError_LibraryNotFound: NVML Shared Library Not Found"
    return [], f"none found: no NVIDIA GPU (NVML: {why}), {looked}"
