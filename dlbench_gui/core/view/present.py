"""Reports and machines in rows of words, written once: the CLI prints the rows as text, the detail pane and the
PDF wrap them as HTML. Also the one "not available"."""

from __future__ import annotations

from typing import Any

from .. import accelerators
from ..measure import comparison, interference, repeats, stats
from ..config import PROTOCOL_BATCH_SIZE
from ..durations import format_bytes, format_duration
from ..store.report import RunReport
from .words import count_words

NA = "not available"


def timing_rows(r: RunReport) -> list[tuple[str, str, str]]:
    t, e = r.timing_facts, r.estimate_facts
    rows: list[tuple[str, str, str]] = []

    def add(name: str, value: float | None, note: str = "measured") -> None:
        if value is not None:
            rows.append((name, format_duration(value), note))

    if e:
        interval = (f"; 95% interval {format_duration(e.ci95_s[0])} – {format_duration(e.ci95_s[1])}"
                    if e.ci95_s else "")
        add("Execution time, " + ("published protocol" if e.protocol_is_published else "this protocol"),
            e.execution_time_s, f"estimated{interval}" + (f"; it covers {e.interval_covers}" if e.interval_covers else ""))
        add("Inference time (load + predict)", e.inference_time_s, "estimated")
    add("Training + validation" + (" (measured part)" if e else ""), t.execution_time_s)
    add("  of which training", t.train_time_s)
    add("  of which validation", t.val_time_s)
    add("  of which checkpoint saves", t.checkpoint_s)
    add("Data preparation", t.data_prep_s, "measured; not part of the execution time")
    add("Model build", t.build_s)
    add("First step (tracing or compiling, once)", t.first_step_s)
    add("Steady step (median)", t.steady_step_s,
        f"measured over {count_words(t.steady_step.n, 'step')}, cv {100 * (t.steady_step.cv or 0):.1f}%")
    if t.later_epochs_mean_s is not None:
        add("First epoch", t.first_epoch_s)
        add("Later epochs (mean)", t.later_epochs_mean_s)
    if t.inference:
        add("Inference: load model", t.inference.load_s)
        add("Inference: predict", t.inference.predict_s, f"measured on {t.inference.images or 0:,} images")
        add("Inference: total", t.inference.total_s, "measured" + (" (sample)" if e else ""))
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


def distribution_rows(r: RunReport) -> list[tuple[str, str]]:
    """How a data-parallel run was spread (none for the published single device), with its scaling efficiency."""
    d = r.distribution_facts
    if d is None:
        return []
    rows = [("Strategy", d.strategy + (f" ({d.keras_package})" if d.keras_package != "none" else "")),
            ("Replicas", f"{d.replicas} on {d.workers} machine(s)" + (f": {', '.join(d.devices)}" if d.devices else "")),
            ("Batch", f"global {d.global_batch_size}, {d.per_replica_batch_size or 0:g} per replica ({d.scaling} scaling)"
                      + ("" if d.global_batch_size == PROTOCOL_BATCH_SIZE else
                         f"; not the published {PROTOCOL_BATCH_SIZE}: not comparable with the baseline"))]
    if d.cluster:
        rows.append(("Cluster", f"worker {d.task_index} of {', '.join(d.cluster)}" + (" (chief)" if d.chief else "")))
    eff = d.scaling_efficiency
    if eff is not None and all(isinstance(eff.get(k), (int, float)) for k in ("value", "images_per_s",
                                                                           "one_device_images_per_s")):
        rows.append(("Scaling efficiency", f"{100 * eff['value']:.0f}% — {eff['images_per_s']:.0f} images/s against "
                                           f"{eff['replicas']} x {eff['one_device_images_per_s']:.0f} on one device "
                                           f"(run {eff.get('one_device_run')})"))
    elif d.scaling_efficiency_note:
        rows.append(("Scaling efficiency", d.scaling_efficiency_note))
    return rows


def memory_rows(r: RunReport) -> list[tuple[str, str]]:
    mem = r.memory
    if not mem:
        return []
    rows = [("Peak RSS of the training/inference child", format_bytes(mem.get("peak_child_rss_bytes")))]
    if mem.get("gpu_peak_bytes"):
        rows.append(("Peak GPU memory (TensorFlow)", format_bytes(mem["gpu_peak_bytes"])))
    if mem.get("max_batch_size"):
        lower = (mem.get("max_batch") or {}).get("lower_bound")
        rows.append(("Largest batch that fits", f"at least {mem['max_batch_size']} (the search was stopped)" if lower
                     else str(mem["max_batch_size"])))
    return rows


def weights_note(r: RunReport) -> str | None:
    """Which weights the run used, and that its timings do not depend on it; None for reports that do not say."""
    used = r.config.get("weights_used")
    if used == "imagenet":
        return "Weights: ImageNet, as published."
    if used == "random":
        reason = r.config.get("weights_reason") or ""
        why = "" if reason in ("", "as asked") else f" ({reason.rstrip('.')})"
        return (f"Weights: random{why}. Timings are unaffected (a step costs the same); accuracy would need the "
                "ImageNet weights.")
    return None


def finding_notes(r: RunReport) -> list[str]:
    f, notes = r.findings, []
    w = weights_note(r)
    if w:
        notes.append(w)
    unreliable = interference.warning_text(f.get("interference"))
    if unreliable:
        notes.append(unreliable)
    elif isinstance(f.get("interference"), dict) and isinstance(f["interference"].get("other_cpu_share"), (int, float)):
        notes.append(f"Quiet machine: other programs used {100 * f['interference']['other_cpu_share']:.1f}% of the CPU "
                     "while this run was timed.")
    if (f.get("sustained") or {}).get("degraded"):
        notes.append(f"Performance degraded during the run: steps {100 * f['sustained']['step_drift']:.0f}% slower at the end.")
    for key in ("input_bound_hint", "no_gpu_visible", "gpu_memory_limit_unused", "store_file_ignored"):
        if isinstance(f.get(key), str):
            notes.append(f[key])
    t = f.get("throttling")
    if isinstance(t, dict) and t.get("verdict") == "throttled":
        notes.append("THROTTLED: " + "; ".join(str(e) for e in t.get("evidence") or []) + ".")
    elif isinstance(t, dict) and t.get("verdict") == "not throttled":
        notes.append("Clocks held: " + "; ".join(str(e) for e in t.get("evidence") or []) + ".")
    return notes


def energy_rows(r: RunReport) -> list[tuple[str, str]]:
    """The report's energy in rows, or the one row saying why there is none."""
    e = r.energy or {}
    if not e:
        return []
    if e.get("total_j") is None:
        return [("Energy", f"{NA}: {e.get('unavailable_reason') or 'no counter'}")]
    rows = [("Energy per epoch", f"{e['per_epoch_j'] / 1000:.1f} kJ" if e.get("per_epoch_j") is not None else NA),
            ("Energy, whole protocol", f"{e['protocol_wh_estimate']:.1f} Wh"
             + (" (estimated)" if r.estimate else " (measured)") if e.get("protocol_wh_estimate") is not None else NA),
            ("Energy measured", f"{e['total_j'] / 1000:.2f} kJ over {format_duration(e.get('measured_s'))}"
             + (f", mean {e['mean_power_w']:.0f} W" if e.get("mean_power_w") else "")),
            ("Energy source", str(e.get("source")))]
    return rows


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
    rows += accelerator_rows(gpu)
    rows.append(("Disk", f"{format_bytes(disk.get('free_bytes'))} free of {format_bytes(disk.get('total_bytes'))} "
                         f"({disk.get('kind') or 'type ' + NA})"))
    rows.append(("OS", osi.get("platform") or " ".join(filter(None, (osi.get("system"), osi.get("release")))) or NA))
    rows.append(("Python", osi.get("python") or NA))
    if (hw.get("power") or {}).get("warning"):
        rows.append(("Power", hw["power"]["warning"]))
    return rows


def accelerator_rows(gpu: dict[str, Any]) -> list[tuple[str, str]]:
    """Each accelerator, whatever its vendor (#32): what it is, its peak, which framework drives it and how, and what
    live telemetry there is; or why none was found. No row names a framework that the machine's facts do not."""
    found = accelerators.of(gpu)
    if not found:
        return [("GPU", gpu.get("accelerators_reason") or "no NVIDIA GPU detected (NVML finds none)")]
    rows = []
    for a in found:
        i = a.get("index", 0)
        kind = a.get("memory_kind") or ""
        memory = (f"{format_bytes(a['memory_total_bytes'])} {kind}".strip() if a.get("memory_total_bytes")
                  else f"memory {kind}" if kind and kind != "dedicated" else "memory size " + NA)
        parts = [a.get("name") or NA, memory]
        if a.get("driver_version") or a.get("driver"):
            parts.append(f"driver {a.get('driver_version') or a.get('driver')}")
        parts += [a["runtime"]] if a.get("runtime") else []
        rows.append((f"GPU {i}", ", ".join(parts)))
        if a.get("peak_fp32_flops"):
            half = f", {a['peak_half_flops'] / 1e12:.1f} TFLOPS FP16" if a.get("peak_half_flops") else ""
            rows.append((f"GPU {i} peak", f"{a['peak_fp32_flops'] / 1e12:.1f} TFLOPS FP32{half} ({a.get('peak_method')})"))
        elif a.get("peak_unknown"):
            rows.append((f"GPU {i} peak", f"not known: {a['peak_unknown']}"))
        if a.get("frameworks"):
            rows.append((f"GPU {i} runs", routes_words(a["frameworks"])))
        rows.append((f"GPU {i} telemetry", telemetry_words(a.get("telemetry") or {})))
    return rows


def routes_words(routes: list[dict[str, Any]]) -> str:
    """"PyTorch: torch.mps (Metal), installed (torch 2.13.0); TensorFlow, JAX: cannot drive it"."""
    can = [f"{r['framework']}: {r['route']}, {r['status']}" for r in routes if r.get("route")]
    cannot = [str(r["framework"]) for r in routes if not r.get("route")]
    return "; ".join(can + ([", ".join(cannot) + ": cannot drive it"] if cannot else [])) or NA


def telemetry_words(telemetry: dict[str, Any]) -> str:
    """"measured: utilisation, power; memory in use: not measured (…)"."""
    measured = [k for k, v in telemetry.items() if accelerators.measures_anything({"telemetry": {k: v}})]
    rest = [f"{k}: {v}" for k, v in telemetry.items() if k not in measured]
    return "; ".join(([f"measured: {', '.join(measured)}"] if measured else []) + rest) or NA


def repeat_summary(group: list[RunReport]) -> str:
    """Runs of one setup combined (core/measure/repeats.py): the undisturbed runs' mean, SD and each run, their range
    (two runs) or the 95% interval of the mean (three or more; separate processes, so it includes the spread between
    them), the disturbed runs named as not counted, and whether the runs disagree beyond their own intervals: two
    estimates whose intervals do not overlap say the machine's speed changed between runs."""
    c = repeats.combine(group)
    if not c.counted and not c.disturbed:
        return "  repeats: no completed run"
    lines = []
    if c.counted:
        vals = [r.headline["execution_time_s"] for r in c.counted]
        kind = c.counted[0].headline["kind"]
        if len(vals) == 1:
            lines.append(f"  1 run counted ({kind} execution time): {format_duration(vals[0])}")
        else:
            lines.append(f"  {len(vals)} runs counted ({kind} execution time): mean {format_duration(c.mean_s)}, "
                         f"standard deviation {format_duration(stats.stdev(vals))}; each: "
                         + ", ".join(format_duration(v) for v in vals))
        if c.interval_s:
            what = "range of the runs" if c.interval_kind == "range" else "95% interval of the mean across runs"
            lines.append(f"  {what}: {format_duration(c.interval_s[0])} – {format_duration(c.interval_s[1])}")
    else:  # the card's figure stands on the latest disturbed run (repeats.combined_report): said here the same way
        latest = c.disturbed[-1]
        share = 100 * interference.share((latest.findings or {}).get("interference"))
        lines.append(f"  no undisturbed run to count: the figure stands on the latest disturbed run, "
                     f"{format_duration(latest.headline['execution_time_s'])}, unreliable (other programs took "
                     f"{share:.0f}% of the machine)")
    for r in (c.disturbed if c.counted else c.disturbed[:-1]):
        share = 100 * interference.share((r.findings or {}).get("interference"))
        lines.append(f"  not counted: {format_duration(r.headline['execution_time_s'])}, other programs were busy "
                     f"({share:.0f}% of the machine)")
    clash = disagreement(c.counted)
    if clash:
        lines.append("  " + clash)
    return "\n".join(lines)


def disagreement(runs: list[RunReport]) -> str | None:
    """Words when two runs' 95% intervals do not overlap (None when they all do, or carry no interval)."""
    spans = [(i, r.headline.get("execution_time_ci95_s")) for i, r in enumerate(runs)]
    spans = [(i, ci) for i, ci in spans if ci]
    for a, (i, ci) in enumerate(spans):
        for j, cj in spans[a + 1:]:
            if ci[1] < cj[0] or cj[1] < ci[0]:
                return (f"THE RUNS DISAGREE beyond their intervals: run {i + 1} ({format_duration(ci[0])} – "
                        f"{format_duration(ci[1])}) and run {j + 1} ({format_duration(cj[0])} – {format_duration(cj[1])}) "
                        "do not overlap; the machine's speed changed between them (other programs, throttling?)")
    return None


def kernels_rows(r: RunReport) -> list[tuple[str, str]]:
    """The simple kernels' figures: each product (its time, generation apart, achieved FLOP/s), the parts' totals,
    convolve2d's, the network's facts and which BLAS ran."""
    k = r.kernels
    if not k:
        return []
    rows: list[tuple[str, str]] = []
    for part, label in (("dense_matmul", "dense"), ("sparse_matmul", "sparse")):
        p = k.get(part) or {}
        for x in p.get("products") or []:
            shape = f"{x['m']}x{x['n']}x{x['k']}" + (f", density {x['density']:g}" if "density" in x else "")
            rate = f", {x['flops_per_s'] / 1e9:.1f} GFLOP/s" if x.get("flops_per_s") else ""
            rows.append((f"  {label} {shape}", f"{x['total_s']:.3f} s (generation {x['generate_s']:.3f} s, product "
                                               f"{x['product_s']:.3f} s{rate})"))
        if p.get("total_s") is not None:
            rows.append((f"{label}_matmul total (published figure)",
                         f"{p['total_s']:.2f} s (of which generation {p['generate_s']:.2f} s; products "
                         f"{p['flops_per_s'] / 1e9:.1f} GFLOP/s)" if p.get("flops_per_s") and p.get("generate_s") is not None
                         else f"{p['total_s']:.2f} s"))
    conv = k.get("convolve2d") or {}
    if conv.get("seconds") is not None:
        extra = f", 95% interval {format_duration(conv['interval_s'][0])} – {format_duration(conv['interval_s'][1])}" \
            if conv.get("interval_s") else ""
        rows.append(("convolve2d (build + compile + fit)", f"{format_duration(conv['seconds'])} ({conv['how']}{extra}; "
                                                           f"{conv.get('precision')} on the {conv.get('device')})"))
    net = k.get("network") or {}
    if net.get("params"):
        rows.append(("convolve2d network", f"{net['params']:,} parameters, weights {net['weights_bytes'] / 2**20:.1f} MiB, "
                                           f"one batch {net['batch_bytes'] / 2**20:.2f} MiB, "
                                           f"{(net.get('forward_flops_per_image') or 0) / 1e6:.0f} MFLOP per image forward"))
    libs = (k.get("blas") or {}).get("libraries") or []
    if libs:
        rows.append(("BLAS (threadpoolctl)", "; ".join(f"{x.get('internal_api')} {x.get('version')} "
                                                      f"({x.get('num_threads')} threads, {x.get('architecture') or '?'})"
                                                      for x in libs if x.get("user_api") == "blas") or "none found"))
    return rows


def kernels_comparison_rows(r: RunReport) -> list[tuple[str, str, str, str, str]]:
    """Per published setup: each simple-kernels part's published time with this machine's ratio, and the total's."""
    k = r.kernels or {}
    rows = []
    for row in (k.get("comparison") or {}).values():
        ratio, pub = row.get("ratio") or {}, row.get("published_s") or {}
        cells = [f"{format_duration(pub.get(p))} ({ratio[p]:,.2f}x)" if ratio.get(p) is not None
                 else format_duration(pub.get(p)) for p in ("dense_matmul", "sparse_matmul", "convolve2d")]
        total = row.get("total_ratio")
        rows.append((row.get("label", "?"), *cells,
                     f"{format_duration(row['total_published_s'])}" + (f" ({total:,.2f}x)" if total else "")))
    return rows
