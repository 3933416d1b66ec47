"""Repeated runs of one setup (`--repeat N`, Setup → Repeat), combined: the card and the repeat summary stand on
their combination, never on the latest repeat alone. A repeat that other programs disturbed is not counted, and is
named. With two runs the interval is their range (a t-interval of two values is mostly the t factor's 12.7); from
three, the 95% t-interval of the mean, and never one that starts at or below zero."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..durations import format_duration
from ..store.report import RunReport
from . import interference, stats


@dataclass(frozen=True)
class Combined:
    counted: list[RunReport]  # completed, quiet runs of the setup, oldest first
    disturbed: list[RunReport] = field(default_factory=list)  # completed but disturbed: not counted, named
    mean_s: float | None = None
    interval_s: tuple[float, float] | None = None
    interval_kind: str = ""  # "range" (two runs, or a t-interval reaching zero) or "t95"

    @property
    def words(self) -> str:
        """'2 repeats combined: mean 15 h 47 min, range of the runs 10 h 56 min – 20 h 37 min'."""
        if self.mean_s is None:
            return "no completed undisturbed repeat"
        if self.interval_s is None:
            return f"1 undisturbed repeat: {format_duration(self.mean_s)}"
        what = "range of the runs" if self.interval_kind == "range" else "95% interval of the mean across runs"
        return (f"{len(self.counted)} repeats combined: mean {format_duration(self.mean_s)}, {what} "
                f"{format_duration(self.interval_s[0])} – {format_duration(self.interval_s[1])}")


def group_of(report: RunReport) -> str | None:
    tag = report.extra.get("repeat") if isinstance(report.extra.get("repeat"), dict) else None
    return tag.get("group") if tag else None


def combine(group: list[RunReport]) -> Combined:
    """The completed runs of one repeated setup, combined as the module says."""
    done = sorted((r for r in group if r.status == "completed" and r.headline.get("execution_time_s")),
                  key=lambda r: r.created_at)
    counted = [r for r in done if not interference.interfered(r)]
    disturbed = [r for r in done if interference.interfered(r)]
    if not counted:
        return Combined([], disturbed)
    values = [float(r.headline["execution_time_s"]) for r in counted]
    m = stats.mean(values)
    if len(values) == 1:
        return Combined(counted, disturbed, m, None)
    interval, kind = (min(values), max(values)), "range"
    if len(values) >= 3:
        hw = stats.ci95_halfwidth(values)
        if m - hw > 0:
            interval, kind = (m - hw, m + hw), "t95"
    return Combined(counted, disturbed, m, interval, kind)


def combined_report(source: RunReport, reports: list[RunReport]) -> tuple[RunReport, Combined | None]:
    """The run the card stands on for `source`'s setup: `source` itself, or, when it is one of several repeats, a
    copy carrying the combination (its mean as the headline figure, the combined interval) and the Combined."""
    tag = group_of(source)
    if tag is None:
        return source, None
    c = combine([r for r in reports if group_of(r) == tag])
    if len(c.counted) < 2 and not c.disturbed:
        return source, None
    if c.mean_s is None:
        return source, c
    base = c.counted[-1]
    info: dict[str, Any] = {"runs": [r.run_id for r in c.counted], "mean_s": c.mean_s,
                            "interval_kind": c.interval_kind}
    if base.estimate:
        estimate = {**base.estimate, "execution_time_s": c.mean_s, "combined": info,
                    "execution_time_ci95_s": list(c.interval_s) if c.interval_s else None}
        return base.with_changes(estimate=estimate), c
    timing = {**base.timing, "execution_time_s": c.mean_s, "combined": info}
    return base.with_changes(timing=timing), c


def repeated_sets(reports: list[RunReport]) -> list[list[RunReport]]:
    """A session's reports of each repeated setup (by the plan's repeat group), in run order."""
    groups: dict[str, list[RunReport]] = {}
    for r in reports:
        group = group_of(r)
        if group is not None:
            groups.setdefault(group, []).append(r)
    return list(groups.values())


def standing_sets(reports: list[RunReport], run_ids: list[str]) -> list[list[RunReport]]:
    """The repeated setups among `run_ids` (the runs a card stands on), each with every run of its group in
    `reports`, in run order: what the card's "Repeated runs" block shows, from the history, so it stays after the
    next session (#33: it was the last session's and vanished)."""
    ids = set(run_ids)
    wanted = {group_of(r) for r in reports if r.run_id in ids} - {None}
    return repeated_sets(sorted((r for r in reports if group_of(r) in wanted), key=lambda r: r.created_at))
