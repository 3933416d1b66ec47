"""The result card: the answer a user came for, in plain words. A badge, one sentence against the published
baseline, a recommendation, the interval, and whether the result can be trusted. The Results tab, the PDF's first
page and the CLI all show this one card; the rule behind the badge is kept apart (one click away)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..measure import comparison, interference, kernels, repeats
from . import present
from .words import pair_words
from ..config import KERNELS_MODEL
from ..wire.events import PHASE_WORDS
from ..durations import format_duration
from ..store.report import RunReport

BADGES = {"feasible": "Feasible", "slow": "Feasible but slow", "too_slow": "Too slow", "not_feasible": "Not feasible",
          "incomplete": "No verdict yet", "not_comparable": "Not comparable"}


@dataclass(frozen=True)
class Card:
    level: str  # a comparison.Verdict level
    badge: str
    sentence: str
    recommendation: str
    interval: str | None = None
    warning: str | None = None  # the result is unreliable (other programs were at work), or is an estimate
    basis: list[str] = field(default_factory=list)  # the runs the verdict stands on, in words
    set_aside: list[str] = field(default_factory=list)  # newer cancelled / failed runs: listed, never the verdict
    rule: str = ""
    notes: list[str] = field(default_factory=list)  # what else qualifies the figures (weights, data)
    preliminary: str | None = None  # runs of the session still to come: the verdict may change when they finish
    kernels: list[str] = field(default_factory=list)  # the simple kernels' own verdict and parts, apart from the models'
    precisions: list[str] = field(default_factory=list)  # runs in another precision: their own labelled lines
    all_disturbed: bool = False  # every run the verdict stands on was disturbed: no quiet run exists yet
    stands_on: list[str] = field(default_factory=list)  # the run ids the card's lines stand on (what its export covers)
    not_counted: list[str] = field(default_factory=list)  # the run ids of `set_aside`, in its order


def combo(r: RunReport) -> str:
    return pair_words(r.model, r.dataset)


def run_words(r: RunReport) -> str:
    when = r.created_at[:16].replace("T", " ")
    status = r.status if r.status != "failed" else f"failed: {(r.error or {}).get('title', 'error').lower()}"
    if r.status == "completed" and interference.interfered(r):
        status = "completed, unreliable: other programs were busy"
    return f"{combo(r)}, {r.profile} profile, {when} ({status})"


def verdict_sources(reports: list[RunReport]) -> tuple[dict[tuple[str, str], RunReport], list[RunReport]]:
    """Per model and dataset, the run the verdict stands on: the latest completed run of the published protocol
    (measured or estimated) that other programs did not disturb; failing that, the latest disturbed one (the card
    then says it is unreliable); then the latest completed custom run; then the latest run that hit a resource
    error (it says the machine cannot). Cancelled and other failed runs never replace it, nor does a disturbed run
    replace an undisturbed one: the second list holds those newer than (or without) a verdict run, to be listed."""
    def tier(r: RunReport) -> int:
        if r.status == "completed" and comparison.comparable(r):
            return 3 if interference.interfered(r) else 4
        if r.status == "completed":
            return 2
        return 1 if resource_failure(r) else 0

    sources: dict[tuple[str, str], RunReport] = {}
    for r in sorted(reports, key=lambda r: r.created_at):
        key = (r.model, r.dataset)
        if tier(r) and (key not in sources or tier(r) >= tier(sources[key])):
            sources[key] = r

    def newer_unused(r: RunReport) -> bool:
        src = sources.get((r.model, r.dataset))
        return r is not src and (src is None or r.created_at > src.created_at)

    aside = [r for r in reports if newer_unused(r) and (r.status != "completed" or interference.interfered(r))]
    return sources, sorted(aside, key=lambda r: r.created_at, reverse=True)


def resource_failure(r: RunReport) -> bool:
    return bool(r.error) and r.error.get("kind") in comparison.RESOURCE_KINDS


def _slowest(r: RunReport) -> dict | None:
    rows = [b for b in comparison.baseline_for(r.model, r.dataset) if b.get("execution_time_s")]
    return max(rows, key=lambda b: b["execution_time_s"]) if rows else None


def _gpu(setup: str) -> str:
    return comparison.load_baselines()["setups"][setup]["gpu"].replace("NVIDIA GeForce ", "")


def times_words(ratio: float) -> str:
    if ratio >= 1.05:
        return f"About {ratio:.0f}x slower" if ratio >= 10 else f"About {ratio:.1f}x slower"
    if ratio <= 1 / 1.05:
        return f"About {1 / ratio:.1f}x faster"
    return "About as fast as"


def card(reports: list[RunReport], budget_h: float = comparison.DEFAULT_BUDGET_H,
         first_run_s: float | None = None, pending: list[str] | None = None, start: str = "Press Start") -> Card:
    """The card for everything in `reports` (a history, or the runs of one export). `first_run_s`: how long a first
    quick run would take here, for the empty card. `pending`: the runs of the session still to come, in words: the
    card is then preliminary, and says so. `start`: how the reader starts a run (the window's button; the CLI names
    its command)."""
    models = [r for r in reports if r.model != KERNELS_MODEL]
    published = [r for r in models if r.precision == "float32"]  # the published comparison: float32 runs
    others = [r for r in models if r.precision != "float32"]
    c = replace(_card(published, budget_h, first_run_s, start), kernels=kernels_lines(reports),
                precisions=precision_lines(others))
    extra = [r.run_id for r in (*latest_per_precision(others), *latest_kernels(reports))]
    c = replace(c, stands_on=[*c.stands_on, *extra])
    if c.precisions and not published:
        c = replace(c, sentence="No float32 run yet: the published figures are float32, so the verdict stands on "
                                "float32 runs; the runs in other precisions are on lines of their own.")
    if c.kernels and not models:
        c = replace(c, sentence="Neither model has been measured here yet: the simple kernels below are a test of "
                                "their own, compared with the same published setups.")
    if not pending or c.level == "incomplete" and not reports:
        return c
    n = len(pending)
    return replace(c, badge=f"{c.badge} (preliminary)",
                   preliminary=f"Preliminary: {n} run{'s' if n > 1 else ''} of this session still to come "
                               f"({', '.join(pending)}); the verdict may change when {'they finish' if n > 1 else 'it finishes'}.")


def latest_per_precision(reports: list[RunReport]) -> list[RunReport]:
    """The latest completed run of each model, dataset and precision, in that order."""
    latest: dict[tuple[str, str, str], RunReport] = {}
    for r in sorted(reports, key=lambda r: r.created_at):
        if r.status == "completed" and r.headline.get("execution_time_s"):
            latest[(r.model, r.dataset, r.precision)] = r
    return [latest[k] for k in sorted(latest)]


def latest_kernels(reports: list[RunReport]) -> list[RunReport]:
    """The simple-kernels run the card's kernels lines stand on (none, or the latest with a part done)."""
    done = [r for r in reports if r.model == KERNELS_MODEL and (r.kernels or {}).get("times_s")]
    return [max(done, key=lambda r: r.created_at)] if done else []


def precision_lines(reports: list[RunReport]) -> list[str]:
    """The latest completed run of each model, dataset and precision other than float32, each on a labelled line of
    its own: the published figures are float32, so the badge never stands on them (nor does one replace a float32
    run)."""
    lines = []
    for r in latest_per_precision(reports):
        h, ratio = r.headline, _ratio(r)
        what = "would take" if h.get("kind") == "estimated" else "took"
        against = f": {times_words(ratio).lower()} than the slowest published RTX setup (float32)" if ratio else ""
        lines.append(f"In {r.precision}: {combo(r)} {what} {format_duration(h['execution_time_s'])} here"
                     f"{comparison.backend_words(r)}{against}")
    return lines


def kernels_lines(reports: list[RunReport]) -> list[str]:
    """The latest simple-kernels run with a part done: its verdict against Setup 1, each part and what it judges
    (the models' verdict never stands on it: it is another test)."""
    found = latest_kernels(reports)
    if not found:
        return []
    r = found[0]
    k = r.extra["kernels"]
    lines = [kernels.verdict(k), *kernels.part_lines(k)]
    conv = k.get("convolve2d") or {}
    if conv.get("interval_s"):
        lo, hi = conv["interval_s"]
        lines.append(f"convolve2d's 95% interval: {format_duration(lo)} – {format_duration(hi)}")
    note = kernels.precision_note(conv)
    if note:
        lines.append(note)
    if r.status != "completed":
        lines.append(f"That run {r.status}: {run_words(r)}")
    elif interference.interfered(r):
        lines.append("Unreliable: other programs were busy during that run")
    return lines


def _card(reports: list[RunReport], budget_h: float, first_run_s: float | None, start: str) -> Card:
    rule = comparison.VERDICT_RULE.format(ratio=comparison.FEASIBLE_RATIO, budget=budget_h) + " " + interference.RULE
    sources, aside = verdict_sources(reports)
    combined: dict[tuple[str, str], repeats.Combined] = {}
    for key, r in list(sources.items()):  # several repeats of a setup: the card stands on their combination
        sources[key], c = repeats.combined_report(r, reports)
        if c is not None:
            combined[key] = c
            aside += [d for d in c.disturbed if d not in aside]  # a disturbed repeat is named as not counted
    # the run a figure stands on is never among the runs not counted (#33: with every repeat disturbed, the latest
    # was both); the card says instead that every run it stands on was disturbed (all_disturbed)
    standing = {r.run_id for r in sources.values()}
    aside = [r for r in aside if r.run_id not in standing]
    disturbed = {d.run_id for c in combined.values() for d in c.disturbed}
    aside_words = [run_words(r) + (" — a disturbed repeat, not counted" if r.run_id in disturbed else "") for r in aside]
    if not sources:
        about = f" (about {format_duration(first_run_s)})" if first_run_s else ""
        return Card("incomplete", BADGES["incomplete"],
                    "No completed run yet." if reports else "This machine has not been measured yet.",
                    f"{start} to measure this machine{about}: a quick estimate of Model A and Model B on MNIST "
                    "and Fashion-MNIST, compared with four published RTX setups.",
                    set_aside=aside_words, rule=rule, not_counted=[r.run_id for r in aside])
    judged = [(comparison.verdict(r, budget_h), r) for r in sources.values()]
    v, worst = max(judged, key=lambda vr: (vr[0].rank, _ratio(vr[1]) or 0.0))
    sentence, recommendation = _words(v, worst, budget_h)
    h = worst.headline
    interval = None
    if h.get("execution_time_ci95_s") and worst.status == "completed":
        lo, hi = h["execution_time_ci95_s"]
        interval = f"95% interval of the estimate: {format_duration(lo)} – {format_duration(hi)}"
    warnings = [w for w in (interference.warning_text((r.findings or {}).get("interference")) for _, r in judged) if w]
    n_ok = sum(x.level == "feasible" for x, _ in judged)
    basis = [f"{run_words(r)}: {x.text}" + (f" ({combined[(r.model, r.dataset)].words})"
                                             if (r.model, r.dataset) in combined else "")
             for x, r in sorted(judged, key=lambda vr: -vr[0].rank)]
    if len(judged) > 1:
        basis.insert(0, f"{len(judged)} model x dataset combinations judged, {n_ok} plainly feasible; the badge is "
                        "the worst of them")
    notes = sorted({n for n in (present.weights_note(r) for _, r in judged) if n})
    if any(r.config.get("data_source") == "synthetic" for _, r in judged):
        notes.append("Measured on synthetic images: the timings are valid, the accuracy is not.")
    return Card(v.level, BADGES[v.level], sentence, recommendation, interval, warnings[0] if warnings else None,
                basis, aside_words, rule, notes,
                all_disturbed=all(r.status == "completed" and interference.interfered(r) for _, r in judged),
                stands_on=list(dict.fromkeys([r.run_id for _, r in judged]
                                             + [x.run_id for c in combined.values() for x in c.counted])),
                not_counted=[r.run_id for r in aside])


def _ratio(r: RunReport) -> float | None:
    t = r.headline.get("execution_time_s")
    slowest = _slowest(r)
    if not t or slowest is None or not comparison.comparable(r) or r.status != "completed":
        return None
    return t / slowest["execution_time_s"]


def _words(v: comparison.Verdict, r: RunReport, budget_h: float) -> tuple[str, str]:
    """(the plain sentence, the recommendation) for the run that decides the badge."""
    if v.level == "not_feasible":
        e = r.error or {}
        bs = r.config.get("batch_size")
        largest = (r.memory or {}).get("max_batch_size")
        advice = e.get("suggestion") or "Reduce the batch size or the model, or use a machine with more memory."
        if largest:
            advice = f"The largest batch that fits here is {largest}. " + advice
        if e.get("kind") == "disk_full":  # the disk, not the batch: where it filled
            where = f" while {PHASE_WORDS.get(e['phase'], e['phase'])}" if e.get("phase") else ""
            return f"{combo(r)} could not finish here: the disk filled{where}.", advice
        return (f"{combo(r)} cannot run as configured here: {(e.get('title') or e.get('kind') or 'a resource error').lower()}"
                f" at batch {bs}.", advice)
    if v.level == "incomplete":
        return (f"{combo(r)} has no completed run.", "Run it again to get a verdict.")
    t = r.headline.get("execution_time_s")
    what = "would take" if r.headline.get("kind") == "estimated" else "took"
    if v.level == "not_comparable" or _ratio(r) is None:
        return (f"{combo(r)} {what} {format_duration(t)} here{comparison.backend_words(r)} with a custom protocol, so it "
                "is not compared with the published setups.",
                "For a verdict against the published baseline, estimate or run the published protocol (100 epochs x "
                "60,000 images, batch 64): the quick profile with its default settings, or the full profile.")
    slowest = _slowest(r)
    ratio = _ratio(r)
    gpu = _gpu(slowest["setup"])
    sentence = (f"{times_words(ratio)} than the slowest published RTX setup: the full protocol of {combo(r)} "
                f"{what} about {format_duration(t)} here{comparison.precision_label(r)}{comparison.backend_words(r)} against "
                f"{format_duration(slowest['execution_time_s'])} on an {gpu}.")
    if v.level == "feasible":
        rec = "This machine can run the published protocol as it stands."
    elif v.level == "slow":
        rec = (f"Usable for small experiments and for the protocol if you can wait {format_duration(t)}; "
               f"a GPU like the {gpu} would finish in {format_duration(slowest['execution_time_s'])}.")
    else:
        rec = (f"Longer than your budget of {budget_h:g} h: use a machine with a GPU (an {gpu} takes "
               f"{format_duration(slowest['execution_time_s'])}), or train fewer epochs or on fewer images.")
    return sentence, rec
