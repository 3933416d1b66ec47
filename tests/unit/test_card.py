"""The result card: the badge from the latest completed run of each model and dataset, one plain sentence against
the slowest published setup, a recommendation, the interval, and the runs set aside listed below it."""

from dlbench_gui.core.view import card as cards
from dlbench_gui.core.store.report import RunReport

PUBLISHED = {"model": "model_a", "dataset": "mnist", "profile": "full", "epochs": 100, "batch_size": 64,
             "train_samples": 60000, "val_samples": 10000}
PROTOCOL = {"epochs": 100, "batch_size": 64, "train_samples": 60000, "val_samples": 10000, "inference_batch_size": 32}


def report(t, when="2026-11-29T10:00:00+00:00", **kw):
    return RunReport(run_id=when, status=kw.pop("status", "completed"), config=kw.pop("config", PUBLISHED),
                     timing={"execution_time_s": t, "inference": {"total_s": 9.0}}, created_at=when, **kw)


def quick(t, interval, when="2026-11-29T10:00:00+00:00", **kw):
    kw.setdefault("config", {**PUBLISHED, "profile": "quick"})
    return report(50.0, when,
                  estimate={"execution_time_s": t, "execution_time_ci95_s": interval, "protocol": PROTOCOL}, **kw)


def test_the_card_says_plainly_how_much_slower_and_what_it_means():
    c = cards.card([quick(17 * 3600, [15 * 3600, 19 * 3600])])  # slowest published Model A / MNIST: 2317 s
    assert c.level == "slow" and c.badge == "Feasible but slow"
    assert c.sentence == ("About 26x slower than the slowest published RTX setup: the full protocol of Model A on MNIST "
                          "would take about 17 h 00 min here against 38 min 37 s on an RTX 2060.")
    assert "RTX 2060 would finish in 38 min 37 s" in c.recommendation
    assert c.interval == "95% interval of the estimate: 15 h 00 min – 19 h 00 min"
    assert c.warning is None and "Feasible but slow" in c.rule  # the rule is kept apart, not in the headline
    fast = cards.card([report(1000.0)])
    assert fast.level == "feasible" and fast.sentence.startswith("About 2.3x faster than the slowest published")


def test_cancelled_and_failed_runs_never_replace_a_completed_verdict_and_are_listed_below():
    done = quick(17 * 3600, [15 * 3600, 19 * 3600], "2026-11-29T10:00:00+00:00")
    stopped = report(None, "2026-11-29T11:00:00+00:00", status="cancelled", error={"kind": "cancelled", "title": "Cancelled"})
    crashed = report(None, "2026-11-29T12:00:00+00:00", status="failed", error={"kind": "crash", "title": "Crashed"})
    c = cards.card([crashed, stopped, done])
    assert c.level == "slow" and len(c.set_aside) == 2
    assert c.set_aside[0].endswith("(failed: crashed)") and c.set_aside[1].endswith("(cancelled)")
    alone = cards.card([stopped])
    assert alone.level == "incomplete" and alone.sentence == "No completed run yet." and alone.set_aside


def test_a_resource_failure_stands_where_no_run_completed_and_advises():
    oom = report(None, status="failed", memory={"max_batch_size": 32},
                 error={"kind": "host_oom", "title": "Out of system memory", "suggestion": "Use a smaller batch."})
    c = cards.card([oom])
    assert c.level == "not_feasible" and "out of system memory at batch 64" in c.sentence
    assert c.recommendation == "The largest batch that fits here is 32. Use a smaller batch."
    # a completed run of the same setup, later or earlier, is what the verdict stands on
    assert cards.card([oom, report(2000.0, "2026-11-29T09:00:00+00:00")]).level == "feasible"


def test_the_worst_combination_decides_and_the_basis_names_each():
    a = report(2000.0)
    b = quick(60 * 3600, [50 * 3600, 70 * 3600], config={**PUBLISHED, "model": "model_b", "profile": "quick"})
    c = cards.card([a, b])
    assert c.level == "too_slow" and "Model B on MNIST" in c.sentence and "budget of 48 h" in c.recommendation
    assert c.basis[0].startswith("2 model x dataset combinations judged, 1 plainly feasible")


def test_an_interfered_run_is_marked_unreliable_on_the_card():
    f = {"interference": {"verdict": "interfered", "other_cpu_share": 0.48, "other_gpu_share": None}}
    c = cards.card([quick(17 * 3600, [8 * 3600, 19 * 3600], findings=f)])
    assert c.warning.startswith("UNRELIABLE: other programs used 48% of the CPU while this run was timed")


def test_the_first_launch_says_what_start_does_and_how_long_it_takes():
    c = cards.card([], first_run_s=480)
    assert c.level == "incomplete" and c.recommendation.startswith("Press Start to measure this machine (about 8 min 00 s)")


def test_a_later_custom_run_does_not_replace_a_published_protocols_verdict():
    estimate = quick(17 * 3600, [15 * 3600, 19 * 3600], "2026-11-29T10:00:00+00:00")
    custom = report(9.0, "2026-11-29T11:00:00+00:00", config={**PUBLISHED, "profile": "custom", "epochs": 1})
    assert cards.card([custom, estimate]).level == "slow"
    assert cards.card([custom]).level == "not_comparable"  # alone, it is what there is


def test_a_disturbed_run_does_not_replace_a_quiet_one_but_stands_when_it_is_all_there_is():
    busy = {"interference": {"verdict": "interfered", "other_cpu_share": 0.49}}
    quiet = quick(9 * 3600, [8 * 3600, 10 * 3600], "2026-11-29T10:00:00+00:00")
    later_busy = quick(17 * 3600, [7 * 3600, 19 * 3600], "2026-11-29T11:00:00+00:00", findings=busy)
    c = cards.card([later_busy, quiet])
    assert "9 h 00 min here" in c.sentence and c.warning is None
    assert c.set_aside == ["Model A on MNIST, quick profile, 2026-11-29 11:00 (completed, unreliable: other programs "
                           "were busy)"]
    alone = cards.card([later_busy])
    assert "17 h 00 min here" in alone.sentence and alone.warning.startswith("UNRELIABLE")


def test_a_run_at_another_precision_is_compared_only_under_its_label():
    from dlbench_gui.core.measure import comparison

    bf16 = quick(8 * 3600, [7 * 3600, 9 * 3600], config={**PUBLISHED, "profile": "quick", "precision": "mixed_bfloat16"})
    alone = cards.card([bf16])  # the badge stands on float32 runs only (#26, 3): the bf16 run has its own line
    assert alone.level == "incomplete" and "No float32 run yet" in alone.sentence
    assert alone.precisions == ["In mixed_bfloat16: Model A on MNIST would take 8 h 00 min here: about 12x slower than "
                                "the slowest published RTX setup (float32)"]
    assert comparison.verdict(bf16).text.endswith("; at mixed_bfloat16 precision (the published figures are float32)")
    assert "precision" not in cards.card([quick(8 * 3600, [7 * 3600, 9 * 3600])]).sentence


def test_a_later_run_in_another_precision_never_replaces_the_float32_one_on_the_badge():
    """#26, 3: after a bf16 run the card was "based on" the bf16 MNIST run and the float32 one vanished."""
    f32 = quick(20 * 3600, [18 * 3600, 22 * 3600])
    bf16 = quick(8 * 3600, [7 * 3600, 9 * 3600], "2026-11-30T10:00:00+00:00",
                 config={**PUBLISHED, "profile": "quick", "precision": "mixed_bfloat16"})
    c = cards.card([f32, bf16])
    assert "20 h 00 min" in c.sentence and "8 h 00 min" not in c.sentence and "mixed_bfloat16" not in " ".join(c.basis)
    assert len(c.precisions) == 1 and c.precisions[0].startswith("In mixed_bfloat16: Model A on MNIST would take 8 h")


def test_when_every_counted_run_was_disturbed_the_card_says_no_quiet_run_exists():
    """#26, 4: "a completed run on a quiet machine decides" contradicted a card standing on disturbed runs only."""
    from dlbench_gui.cli.text import card_text
    from dlbench_gui.export.html_report import card_details_html

    busy = quick(17 * 3600, [15 * 3600, 19 * 3600],
                 findings={"interference": {"verdict": "interfered", "other_cpu_share": 0.27}})
    c = cards.card([busy])
    assert c.all_disturbed and "No run on a quiet machine exists yet" in card_details_html(c)
    assert "a completed run on a quiet machine decides" not in card_details_html(c)
    assert "No run on a quiet machine exists yet" in card_text(c)
    assert not cards.card([quick(17 * 3600, [15 * 3600, 19 * 3600])]).all_disturbed


def test_repeats_are_combined_on_the_card_and_a_disturbed_repeat_is_named_not_counted():
    """#26, 2: with Repeat 2 the headline and "Based on" stood on the latest repeat alone, and the disturbed repeat
    was listed neither as counted nor as not counted."""
    tag = lambda i, n=3: {"group": "repeat-abc", "index": i, "of": n}  # noqa: E731
    a = quick(20 * 3600, [18 * 3600, 22 * 3600], "2026-11-29T10:00:00+00:00", extra={"repeat": tag(1)})
    b = quick(12 * 3600, [11 * 3600, 13 * 3600], "2026-11-29T11:00:00+00:00", extra={"repeat": tag(2)})
    busy = quick(30 * 3600, [28 * 3600, 32 * 3600], "2026-11-29T12:00:00+00:00", extra={"repeat": tag(3)},
                 findings={"interference": {"verdict": "interfered", "other_cpu_share": 0.27}})
    c = cards.card([a, b, busy])
    assert "16 h 00 min" in c.sentence  # the mean of the two quiet repeats, not the latest (12 h) nor the busy one
    assert c.interval == "95% interval of the estimate: 12 h 00 min – 20 h 00 min"  # two runs: their range
    assert "2 repeats combined: mean 16 h 00 min, range of the runs 12 h 00 min – 20 h 00 min" in c.basis[0]
    assert any("a disturbed repeat, not counted" in w and "12:00" in w for w in c.set_aside)
    assert sorted(c.stands_on) == sorted([a.run_id, b.run_id])  # the export under the card covers both repeats
    alone = cards.card([quick(17 * 3600, [15 * 3600, 19 * 3600])])  # a setup run once: as before
    assert "17 h 00 min" in alone.sentence and "combined" not in " ".join(alone.basis)


def test_a_count_of_one_takes_the_singular():
    """'1 steps' was one of the wordings a new user tripped over (#33)."""
    from dlbench_gui.core.view.words import count_words

    assert [count_words(n, "step") for n in (0, 1, 2)] == ["0 steps", "1 step", "2 steps"]


def test_a_duration_near_a_unit_boundary_is_said_in_the_next_unit_once_it_rounds_there():
    """'ETA 60 s' beside '1 min 03 s' (#33): a figure that rounds to 60 s is a minute."""
    from dlbench_gui.core.durations import format_duration

    assert [format_duration(s) for s in (0.9994, 0.9996, 9.94, 9.96, 59.4, 59.6, 63)] == \
        ["999 ms", "1.0 s", "9.9 s", "10 s", "59 s", "1 min 00 s", "1 min 03 s"]


def test_with_every_repeat_disturbed_the_card_and_the_repeat_summary_stand_on_the_same_run():
    """#33 A2: the repeat summary said "no undisturbed run to count" while the card's figure stood on one of those runs,
    and the same run was listed under both "Based on" and "Not counted"."""
    from dlbench_gui.core.store.report import RunReport
    from dlbench_gui.core.view.card import card
    from dlbench_gui.core.view.present import repeat_summary
    from tests.reports import report_dict

    runs = []
    for i, share in enumerate((0.62, 0.55, 0.71)):
        d = report_dict(run_id=f"rep-{i}", created_at=f"2026-12-03T10:0{i}:00+00:00")
        d["repeat"] = {"group": "g1", "index": i + 1, "of": 3}
        d["findings"]["interference"] = {"verdict": "interfered", "other_cpu_share": share, "threshold": 0.1,
                                         "samples": 40}
        runs.append(RunReport.from_dict(d))
    c = card(runs)
    (headline,) = c.stands_on
    assert headline == "rep-2" and c.all_disturbed and "71%" in c.warning
    assert not [line for line in c.set_aside if "10:02" in line]  # never both the figure and not counted
    assert len(c.set_aside) == 2 and all("a disturbed repeat, not counted" in line for line in c.set_aside)
    summary = repeat_summary(runs)
    assert "the figure stands on the latest disturbed run" in summary and "71% of the machine" in summary
    assert summary.count("not counted:") == 2 and "(71% of the machine)" not in summary.split("not counted")[1]
