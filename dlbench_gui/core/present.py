"""Reports and machines in rows of words, written once: the CLI prints the rows as text, the detail pane and the
PDF wrap them as HTML. Also the one "not available"."""

from __future__ import annotations

from typing import Any

from . import comparison
from .durations import format_bytes, format_duration
from .report import RunReport

NA = "not available"


def timing_rows(r: RunReport) -> list[tuple[str, str, str]]:
    t = r.timing
    rows: list[tuple[str, str, str]] = []

    def add(name: str, value: float | None, note: str = "measured") -> None:
        if value is not None:
            rows.append((name, format_duration(value), note))

    e = r.estimate
    if e:
        lo, hi = e["execution_time_ci95_s"]
        add("Execution time, " + ("published protocol" if e.get("protocol_is_published") else "this protocol"),
            e["execution_time_s"],
            f"estimated; 95% interval {format_duration(lo)} – {format_duration(hi)}"
            + (f"; it covers {e['interval_covers']}" if e.get("interval_covers") else ""))
        add("Inference time (load + predict)", e.get("inference_time_s"), "estimated")
    add("Training + validation" + (" (measured part)" if e else ""), t.get("execution_time_s"))
    add("  of which training", t.get("train_time_s"))
    add("  of which validation", t.get("val_time_s"))
    add("  of which checkpoint saves", t.get("checkpoint_s"))
    add("Data preparation", t.get("data_prep_s"), "measured; not part of the execution time")
    add("Model build", t.get("build_s"))
    add("First step (graph tracing)", t.get("first_step_s"))
    s = t.get("steady_step") or {}
    add("Steady step (median)", t.get("steady_step_s"),
        f"measured over {s.get('n', 0)} steps, cv {100 * (s.get('cv') or 0):.1f}%")
    w = t.get("warmup") or {}
    if w.get("later_epochs_mean_s") is not None:
        add("First epoch", w.get("first_epoch_s"))
        add("Later epochs (mean)", w.get("later_epochs_mean_s"))
    inf = t.get("inference") or {}
    if inf:
        add("Inference: load model", inf.get("load_s"))
        add("Inference: predict", inf.get("predict_s"), f"measured on {inf.get('images') or 0:,} images")
        add("Inference: total", inf.get("total_s"), "measured" + (" (sample)" if e else ""))
    return rows


def baseline_rows(r: RunReport) -> list[tuple[str, str, str, str, str]]:
    c = comparison.compare(r)
    rows = []
    for s in c["setups"]:
        ratio = f"{s['execution_ratio']:.2f}x" if s.get("execution_ratio") else "—"
        iratio = f"{s['inference_ratio']:.2f}x" if s.get("inference_ratio") else "—"
        rows.append((s["label"], format_duration(s.get("execution_time_s")), ratio,
                     format_duration(s.get("inference_time_s")), iratio))
    return rows


def compute_rows(r: RunReport) -> list[tuple[str, str]]:
    eff = r.efficiency
    if not eff.get("achieved_flops_per_s"):
        return []
    peak = eff.get("peak_flops_per_s")
    return [
        ("FLOPs per training step", f"{(eff.get('train_flops_per_step') or 0) / 1e9:.1f} GFLOP"),
        ("FLOPs per inference image", f"{(eff.get('inference_flops_per_image') or 0) / 1e9:.2f} GFLOP"),
        ("Achieved (steady steps)", f"{eff['achieved_flops_per_s'] / 1e9:.1f} GFLOP/s"),
        ("Theoretical peak", f"{peak / 1e9:.0f} GFLOP/s — {eff.get('peak_method') or ''}" if peak else NA),
        ("Utilisation", f"{100 * eff['utilisation']:.1f}%" if eff.get("utilisation") else "—"),
    ]


def memory_rows(r: RunReport) -> list[tuple[str, str]]:
    mem = r.memory
    if not mem:
        return []
    rows = [("Peak RSS of the training/inference child", format_bytes(mem.get("peak_child_rss_bytes")))]
    if mem.get("gpu_peak_bytes"):
        rows.append(("Peak GPU memory (TensorFlow)", format_bytes(mem["gpu_peak_bytes"])))
    if mem.get("max_batch_size"):
        rows.append(("Largest batch that fits", str(mem["max_batch_size"])))
    return rows


def finding_notes(r: RunReport) -> list[str]:
    f, notes = r.findings, []
    if (f.get("sustained") or {}).get("degraded"):
        notes.append(f"Performance degraded during the run: steps {100 * f['sustained']['step_drift']:.0f}% slower at the end.")
    for key in ("input_bound_hint", "no_gpu_visible", "gpu_memory_limit_unused"):
        if isinstance(f.get(key), str):
            notes.append(f[key])
    if f.get("energy_j") is not None:
        notes.append(f"Energy: {f['energy_j'] / 3600:.1f} Wh ({f.get('energy_method')}).")
    return notes


def hardware_rows(hw: dict[str, Any]) -> list[tuple[str, str]]:
    """The machine in words: CPU, cores, vector features, RAM, each GPU, disk, OS, power."""
    cpu, mem, disk, gpu, osi = (hw.get(k) or {} for k in ("cpu", "memory", "disk", "gpu", "os"))
    clock = cpu.get("max_clock_mhz") or cpu.get("base_clock_mhz") or cpu.get("current_clock_mhz")
    rows = [
        ("CPU", cpu.get("brand") or NA),
        ("Cores", f"{cpu.get('physical_cores') or NA} cores, {cpu.get('logical_cores') or NA} threads"
         + (f", {clock / 1000:.2f} GHz" if clock else "")),
        ("Vector", ", ".join(cpu.get("vector_features") or []) or NA),
        ("RAM", f"{format_bytes(mem.get('total_bytes'))} total, {format_bytes(mem.get('available_bytes'))} available"),
    ]
    for g in gpu.get("nvidia") or []:
        rows.append((f"GPU {g.get('index', 0)}", f"{g.get('name') or NA}, {format_bytes(g.get('memory_total_bytes'))}, "
                     f"driver {g.get('driver_version') or NA}, CUDA {g.get('cuda_driver_version') or NA}"))
    if not gpu.get("nvidia"):
        rows.append(("GPU", "no NVIDIA GPU detected — TensorFlow will run on the CPU"))
    rows.append(("Disk", f"{format_bytes(disk.get('free_bytes'))} free of {format_bytes(disk.get('total_bytes'))} "
                         f"({disk.get('kind') or 'type ' + NA})"))
    rows.append(("OS", osi.get("platform") or " ".join(filter(None, (osi.get("system"), osi.get("release")))) or NA))
    rows.append(("Python", osi.get("python") or NA))
    if (hw.get("power") or {}).get("warning"):
        rows.append(("Power", hw["power"]["warning"]))
    return rows
