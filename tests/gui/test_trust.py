"""An answer a user can trust at a glance (GUI side): the result card, the Machine-load column, honest live plots,
the log, the baseline chart's labels, and every control within reach on a 1024x700 screen."""

import json

from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QAbstractButton, QApplication, QPushButton

from dlbench_gui.core import accelerators
from dlbench_gui.core.wire import events as ev
from dlbench_gui.core.store.storage import reports_dir
from dlbench_gui.gui.log_panel import tensorflow_text
from tests.reports import report_dict

PROTOCOL = {"epochs": 100, "batch_size": 64, "train_samples": 60000, "val_samples": 10000, "inference_batch_size": 32}


def quick_dict(run_id, when, seconds, interval, **changes):
    """The recorded real report presented as a quick estimate of the published protocol."""
    d = report_dict(run_id=run_id, created_at=when, config__profile="quick", **changes)
    d["estimate"] = {"execution_time_s": seconds, "execution_time_ci95_s": interval, "protocol": PROTOCOL,
                     "method": "test", "inputs": {}}
    return d


def save(*reports):
    for d in reports:
        (reports_dir() / f"{d['run_id']}.json").write_text(json.dumps(d))


def test_the_result_card_stands_on_the_latest_completed_run_and_lists_the_rest(make_window, qtbot):
    done = quick_dict("done", "2026-11-29T10:00:00+00:00", 17 * 3600, [15 * 3600, 19 * 3600])
    busy = quick_dict("busy", "2026-11-29T09:00:00+00:00", 30 * 3600, [14 * 3600, 33 * 3600],
                      findings={"interference": {"verdict": "interfered", "other_cpu_share": 0.49}})
    stopped = report_dict(run_id="stopped", created_at="2026-11-29T11:00:00+00:00", status="cancelled",
                          error={"kind": "cancelled", "title": "Cancelled", "message": "stopped"})
    save(done, busy, stopped)
    w = make_window()
    w.show()
    c = w.results.card.card
    assert c.badge == "Feasible but slow" and c.sentence.startswith("About 26x slower than the slowest published")
    assert "17 h 00 min" in w.results.card.body.text() and "What to do:" in w.results.card.body.text()
    assert c.set_aside and "(cancelled)" in c.set_aside[0] and c.warning is None
    # the rule and the runs it stands on are one click away, not in the headline
    assert w.results.card.details.isHidden() and "Rule:" not in w.results.card.body.text()
    w.results.card.why.click()
    assert not w.results.card.details.isHidden() and "Rule:" in w.results.card.details.text()
    assert "Not counted" in w.results.card.details.text()
    # the table says which run was measured on a busy machine
    from dlbench_gui.gui.results import COLUMNS

    rows = {w.results.table.item(r, 0).text(): w.results.table.item(r, COLUMNS.index("Machine load")).text()
            for r in range(w.results.table.rowCount())}
    assert rows["2026-11-29 09:00"] == "UNRELIABLE: 49% busy"
    t = w.results.table  # which precision each run used, beside its profile (#26, 3)
    assert t.horizontalHeaderItem(4).text() == "Precision" and {t.item(r, 4).text() for r in range(t.rowCount())} == {
        "float32"}
    # a tighter budget changes the card at once
    with qtbot.waitSignal(w.results.card.changed, timeout=2000) as blocker:
        w.results.budget.setValue(10)
    assert blocker.args[0].level == "too_slow" and "budget of 10 h" in blocker.args[0].recommendation


def test_the_first_launch_says_what_start_does_and_how_long(make_window, qtbot):
    w = make_window()
    c = w.results.card.card
    assert c.badge == "No verdict yet" and c.recommendation.startswith("Press Start to measure this machine (about ")
    assert "Select a completed quick or full run" in w.results.chart.hint.textItem.toPlainText()
    # the guidance wraps to the chart's width, however narrow (at 1024x700 it ran past both edges)
    from dlbench_gui.gui.baseline_chart import BaselineChart

    narrow = BaselineChart()
    qtbot.addWidget(narrow)
    narrow.show_report(None)
    narrow.resize(300, 240)
    narrow.show()
    assert narrow.hint.textItem.boundingRect().width() <= 300
    assert "Select two or more runs" in w.compare.hint.text()


def labels_outside(chart) -> list[str]:
    """The baseline chart's bar labels that do not lie whole inside its view."""
    view = chart.getViewBox().viewRange()[0]
    rects = [(item, item.mapRectToView(item.boundingRect())) for item in chart.label_items]
    return [item.toPlainText() for item, r in rects if not (view[0] <= r.left() and r.right() <= view[1] * 1.001)]


def test_the_baseline_chart_labels_are_whole_round_ticked_and_say_how_many_times(make_window, qtbot):
    save(quick_dict("q", "2026-11-29T10:00:00+00:00", 17 * 3600 + 300, [15 * 3600, 19 * 3600]))
    w = make_window()
    w.resize(1600, 1000)
    w.show()
    w.tabs.setCurrentIndex(1)
    qtbot.waitExposed(w)
    w.results.table.selectRow(0)
    chart = w.results.chart
    assert chart.bars[0][0] == "This machine (estimated)" and len(chart.bars) == 5
    assert chart.labels[0] == "17 h 05 min"  # whole, never "17 h 05 r"
    assert chart.labels[1] == "38 min 37 s (26.5x faster)"  # RTX 2060's bar says how many times faster it is
    ticks = chart.axis_ticks
    assert chart.getAxis("bottom").labelText == "full protocol (h)" and all(t == round(t) for t in ticks)
    assert ticks[:3] == [0, 5, 10]
    # every label lies inside the view at this width, and at 1024x700 (where the chart is narrow and a label
    # drawn inside this machine's bar ran out past the axis)
    for size in ((1600, 1000), (1024, 700)):
        w.resize(*size)
        qtbot.waitUntil(lambda: (w.width(), w.height()) == size)
        qtbot.waitUntil(lambda: labels_outside(chart) == [])  # laid out again once its view has the new width
    # as narrow as the chart was beside the run's details at 1024x700 (a 12 h run, its interval to 22 h)
    from dlbench_gui.core.store.report import RunReport
    from dlbench_gui.gui.baseline_chart import BaselineChart

    narrow = BaselineChart()
    qtbot.addWidget(narrow)
    narrow.show_report(RunReport.from_dict(quick_dict("n", "2026-11-29T10:00:00+00:00", 12 * 3600, [3600, 22 * 3600])))
    for width in (330, 300, 280):
        narrow.resize(width, 240)
        narrow.show()
        qtbot.waitUntil(lambda: narrow.width() == width)
        qtbot.waitUntil(lambda: labels_outside(narrow) == [])


def test_every_control_is_reachable_at_1024x700(make_window, qtbot):
    save(quick_dict("q", "2026-11-29T10:00:00+00:00", 17 * 3600, [15 * 3600, 19 * 3600]))
    w = make_window()
    w.resize(1024, 700)
    w.show()
    qtbot.waitExposed(w)
    assert w.minimumSizeHint().width() <= 1024 and w.minimumSizeHint().height() <= 700
    assert (w.width(), w.height()) == (1024, 700)
    frame = w.rect()
    for button in (w.setup.start_button, w.setup.stop_button):  # outside the scrolling column: always in view
        top_left = button.mapTo(w, button.rect().topLeft())
        assert frame.contains(top_left) and frame.contains(button.mapTo(w, button.rect().bottomRight()))
        assert not button.visibleRegion().isEmpty()
    w.machine.setChecked(False)  # the hardware panel folds away to one line
    assert w.machine.body.isHidden() and not w.machine.summary.isHidden() and "CPU threads" in w.machine.summary.text()
    for index in range(3):
        w.tabs.setCurrentIndex(index)
        QApplication.processEvents()  # the tab's pending layout requests
        for b in w.findChildren(QPushButton):
            if b.isVisible():
                assert b.width() >= b.minimumSizeHint().width(), f"{b.text()!r} is clipped on tab {index}"
                assert frame.contains(b.mapTo(w, b.rect().bottomRight())), f"{b.text()!r} is out of the window"
    assert all(isinstance(b, QAbstractButton) for b in [w.results.card.why])
    # the Results tab at 1024x700 (#26, 7): the window stays the screen's size whatever tab is shown, the table keeps
    # room for several rows, and the card scrolls in its own area instead of losing its lines
    w.tabs.setCurrentIndex(1)
    QApplication.processEvents()
    assert (w.width(), w.height()) == (1024, 700)
    assert w.results.table.height() >= 3 * w.results.table.verticalHeader().defaultSectionSize()
    card_area = w.results.card.parentWidget().parentWidget()
    card = w.results.card  # its word-wrapped lines whole: as tall as its width needs, scrolled in its area
    assert card_area.__class__.__name__ == "QScrollArea" and card.height() >= card.layout().totalHeightForWidth(card.width())
    # "Why this verdict?" opened (#26, 14: the rule's last line was clipped): the card grows to hold the rule whole, at
    # this size and at the large one; its area scrolls to the rule's last line
    card.why.setChecked(True)
    for size in ((1024, 700), (1600, 1000)):
        w.resize(*size)
        qtbot.waitUntil(lambda: (w.width(), w.height()) == size)
        QApplication.processEvents()  # the card's own layout, after the window's
        assert card.details.isVisible() and "rule" in card.details.text().lower()
        assert card.height() >= card.layout().totalHeightForWidth(card.width()), size
        assert card.details.height() >= card.details.heightForWidth(card.details.width()), size
        card_area.ensureWidgetVisible(card.details)
        QApplication.processEvents()
        bottom = card.details.mapTo(card_area.viewport(), card.details.rect().bottomLeft()).y()
        assert bottom <= card_area.viewport().height(), size


def test_live_plots_show_validation_the_current_speed_and_a_synthetic_banner(make_window, qtbot):
    w = make_window()
    w.show()
    plots = w.plots
    plots.set_data_source({"source": "synthetic", "attempts": ["keras: download failed (offline)",
                                                                "no imported files in /data"]})
    assert plots.banner.isVisible() and "SYNTHETIC" in plots.banner.text()
    assert "download failed (offline)" in plots.banner.text() and "accuracy is meaningless" in plots.banner.text()
    plots.add_steps([[1, i, 0.3, 2.0 - 0.01 * i, 0.1] for i in range(1, 21)], 64)
    plots.add_epoch(ev.EpochEnd(epoch=1, epochs=3, train_s=6.0, val_s=1.0, extra={"val_loss": 1.5, "val_accuracy": 0.3}))
    # a quick run's validation sample: drawn as validation points, not as an epoch boundary
    plots.add_epoch(ev.EpochEnd(epoch=1, epochs=1, train_s=6.0, val_s=1.0,
                                extra={"val_loss": 1.4, "val_accuracy": 0.35, "measured_pass": True}))
    plots.redraw()
    assert plots.point_count("val_loss") == 2 and plots.point_count("val_acc") == 2
    assert [label for _, label in plots.epoch_ticks] == ["1"]
    assert plots.readout.text().startswith("Now: <b>213 images/s</b> · step time 300 ms")
    # legends have their own row, outside the plotted data
    assert plots.loss_plot.legend_item.parentItem() is plots.loss_plot.getPlotItem()
    assert not plots.loss_plot.getViewBox().sceneBoundingRect().intersects(plots.loss_plot.legend_item.sceneBoundingRect())
    x_before = plots.loss_plot.viewRange()[0]
    assert x_before[1] > 1  # the first run's 20 steps
    plots.show_verdict("<b>Feasible</b> — preliminary")
    plots.reset()  # the next run starts (#26, 13): its own axes and words, nothing of the last run's
    assert not plots.banner.isVisible() and plots.readout.text() == "Waiting for the first steps…"
    assert plots.loss_plot.viewRange()[0] == [0, 1] and plots.acc_plot.viewRange()[1] == [0, 1]
    assert plots.verdict.isHidden()


def test_before_any_run_the_live_tab_says_what_to_do(make_window):
    plots = make_window().plots
    assert plots.readout.text().startswith("No run yet.") and "press Start (Ctrl+R)" in plots.readout.text()


def test_many_epochs_never_crowd_the_epoch_axis(make_window):
    w = make_window()
    plots = w.plots
    for e in range(1, 101):
        plots.add_steps([[e, 1, 0.3, 1.0, 0.5]], 64)
        plots.add_epoch(ev.EpochEnd(epoch=e, epochs=100, train_s=1.0, val_s=0.1, extra={}))
    labels = [label for _, label in plots.epoch_ticks]
    assert 6 <= len(labels) <= 8 and labels[-1] == "100"


def test_the_log_keeps_dlbenchs_words_and_filters_tensorflows_noise():
    raw = "\n".join([
        "2026-11-29 12:00:01.1: E external/local_xla/xla/stream_executor/cuda/cuda_driver.cc:152] failed call to "
        "cuInit: INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)",
        "2026-11-29 12:00:01.2: I tensorflow/core/util/port.cc:153] oneDNN custom operations are on. You may see...",
        "Downloading data from https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
        "W0000 00:00:1 something TensorFlow says that matters",
    ])
    assert tensorflow_text(raw) == "W0000 00:00:1 something TensorFlow says that matters"


def test_compare_measures_against_the_first_completed_run_and_labels_precision_and_status_once():
    """A cancelled first run is never the reference (every ratio was "—"); a bfloat16 run stands among float32 runs
    under its label; a cancelled run's status is said once (#33, A4)."""
    from dlbench_gui.core.store.report import RunReport
    from dlbench_gui.gui.compare import compare_rows

    c = report_dict(run_id="c", created_at="2026-11-29T09:00:00+00:00", status="cancelled",
                    error={"kind": "cancelled", "title": "Cancelled", "message": "stopped"})
    a = quick_dict("a", "2026-11-29T10:00:00+00:00", 10 * 3600, [9 * 3600, 11 * 3600])
    b = quick_dict("b", "2026-11-29T11:00:00+00:00", 5 * 3600, [4 * 3600, 6 * 3600], config__precision="mixed_bfloat16")
    rows = dict(compare_rows([RunReport.from_dict(d) for d in (c, a, b)]))
    assert rows["Against the first completed run"] == ["—", "reference", "0.50x (faster)"]
    assert rows["Precision"] == ["float32", "float32", "mixed_bfloat16 (the published figures are float32)"]
    assert rows["Status"][0] == "cancelled" and rows["Backend"][1] == "TensorFlow"


def test_compare_labels_runs_by_date_machine_and_status_and_charts_only_completed_ones(make_window):
    a = quick_dict("a", "2026-11-29T10:00:00+00:00", 10 * 3600, [9 * 3600, 11 * 3600], hardware__hostname="alpha")
    b = quick_dict("b", "2026-11-29T11:00:00+00:00", 20 * 3600, [18 * 3600, 22 * 3600], hardware__hostname="beta")
    c = report_dict(run_id="c", created_at="2026-11-29T12:00:00+00:00", status="cancelled",
                    error={"kind": "cancelled", "title": "Cancelled", "message": "stopped"})
    save(a, b, c)
    w = make_window()
    assert not w.compare.split.isVisibleTo(w.compare)  # empty: guidance instead of blank axes
    by_id = {r.run_id: r for r in w.results.reports}
    w.compare.show_reports([by_id["a"], by_id["b"], by_id["c"]])
    t = w.compare.table
    headers = [t.horizontalHeaderItem(j).text() for j in range(t.columnCount())]
    assert headers[0] == "2026-11-29 10:00\nalpha · completed" and headers[2].endswith("· cancelled")
    names = [t.verticalHeaderItem(i).text() for i in range(t.rowCount())]
    ratio = [t.item(names.index("Against the first completed run"), j).text() for j in range(3)]
    assert "ratios are to the first completed one (2026-11-29 10:00)" in w.compare.hint.text()
    assert ratio == ["reference", "2.00x (slower)", "—"]
    assert t.item(names.index("95% interval"), 1).text() == "18 h 00 min – 22 h 00 min"
    # the cancelled run is not a 0-second bar; the axis is in hours with round ticks
    assert [label for label, _ in w.compare.bars] == ["2026-11-29 10:00\nalpha", "2026-11-29 11:00\nbeta"]
    # on two lines, so that four names fit side by side at 1024x700 (#26, 7); the axis is tall enough for both
    bottom = w.compare.chart.getAxis("bottom")
    assert bottom.minimumHeight() >= 2 * QFontMetrics(w.compare.chart.font()).lineSpacing()
    ticks = w.compare.axis_ticks
    assert w.compare.chart.getAxis("left").labelText == "execution time (h)" and ticks[:3] == [0, 10, 20]
    # each bar's label sits above its interval's top, never struck through by the error bar (#26, 14)
    assert w.compare.label_positions == [(0, 11.0), (1, 22.0)] and ticks[-1] >= 22.0


def test_repeated_runs_that_disagree_are_said_to_in_red(make_window):
    from dlbench_gui.core.store.report import RunReport

    def quick(t, lo, hi):
        return RunReport(run_id=f"q{t}", status="completed", config={"model": "model_a", "dataset": "mnist",
                                                                     "profile": "quick"},
                         estimate={"execution_time_s": t, "execution_time_ci95_s": [lo, hi]})

    w = make_window()
    w.results.show_repeats([[quick(100.0, 90.0, 110.0), quick(190.0, 170.0, 210.0)]])
    text = w.results.repeats.text()
    assert not w.results.repeats.isHidden() and "THE RUNS DISAGREE beyond their intervals" in text
    assert "#cf222e" in text and "Repeated runs, Model A on MNIST" in text
    w.results.show_repeats([])
    assert w.results.repeats.isHidden()


def test_precision_is_chosen_in_the_window_and_remembered(make_window):
    w = make_window()
    assert w.setup.precision_combo.currentData() == "float32"  # as published, by default
    w.setup.precision_combo.setCurrentIndex(w.setup.precision_combo.findData("mixed_bfloat16"))
    assert {c.precision for c in w.setup.runs()} == {"mixed_bfloat16"}
    w.close()
    assert make_window().setup.precision_combo.currentData() == "mixed_bfloat16"


def test_devices_in_the_setup_make_a_distributed_config_and_say_n_of_m(make_window, qtbot):
    from dlbench_gui.hardware import detect

    w = make_window()  # this machine: no GPU, so more than one device splits the CPU
    s = w.setup
    assert s.devices.value() == 1 and not s.scaling_combo.isEnabled() and "as published" in s.devices_note.text()
    with qtbot.waitSignal(s.changed, timeout=2000):
        s.devices.setValue(2)
    c = s.configs()[0]
    assert (c.devices, c.cpu_devices, c.scaling) == (2, 2, "strong") and s.scaling_combo.isEnabled()
    assert "CPU split into 2 logical devices" in s.devices_note.text()
    s.scaling_combo.setCurrentIndex(s.scaling_combo.findData("weak"))
    assert s.configs()[0].scaling == "weak"
    # injected facts: a machine whose NVML lists four GPUs (no GPU ran this)
    hw = detect.detect()
    nvidia = [{"name": f"NVIDIA H200 #{i}"} for i in range(4)]
    hw["gpu"] = {**hw["gpu"], "nvidia": nvidia, "accelerators": accelerators.from_nvml(nvidia)}
    g = make_window(hardware=hw)
    assert g.setup.devices.maximum() == 4
    g.setup.devices.setValue(2)
    assert "2 of 4 GPUs" in g.setup.devices_note.text() and g.setup.configs()[0].cpu_devices == 0
    # the Live tab draws one utilisation curve per GPU and names each one's reading (injected NVML samples)
    g.plots.add_sample({"t": 1.0, "cpu_percent": 50, "ram_percent": 40, "gpus": [
        {"util_percent": 90 - 10 * i, "vram_used_bytes": (i + 1) * 2**30, "vram_total_bytes": 16 * 2**30}
        for i in range(4)]})
    assert {"gpu", "gpu1", "gpu2", "gpu3"} <= set(g.plots.curves)
    assert "GPU 3: 60% busy" in g.plots.gpu_label.text()


def test_a_clusters_imported_reports_sit_together_chief_first_with_how_each_ended(make_window):
    def worker(i, when, status="completed"):
        d = report_dict(run_id=f"w{i}", created_at=when, status=status)
        d["distribution"] = {"strategy": "MultiWorkerMirroredStrategy", "replicas": 2, "workers": 2,
                             "global_batch_size": 64, "scaling": "strong", "keras_package": "tf_keras",
                             "cluster": ["10.0.0.1:2222", "10.0.0.2:2222"], "task_index": i, "chief": i == 0,
                             "cluster_run": 42}
        if status == "failed":
            d["error"] = {"kind": "worker_lost", "title": "A worker of the cluster was lost", "message": "worker 0 lost"}
        return d
    other = report_dict(run_id="between", created_at="2026-11-29T10:00:30+00:00")
    save(worker(1, "2026-11-29T10:00:40+00:00", "failed"), other, worker(0, "2026-11-29T10:00:00+00:00"))
    w = make_window()
    t = w.results.table
    from dlbench_gui.gui.results import COLUMNS

    col = COLUMNS.index("Devices")
    devices = [t.item(r, col).text() for r in range(t.rowCount())]
    assert devices == ["2 replicas, 2 machines, worker 0", "2 replicas, 2 machines, worker 1", "1"]
    assert "worker 0: completed; worker 1: failed" in t.item(1, col).toolTip()
    assert t.item(1, COLUMNS.index("Error")).text() == "A worker of the cluster was lost"


def test_a_preliminary_verdict_shows_after_the_first_run_and_the_final_one_at_the_end(make_window, qtbot):
    """A session of two quick runs replayed through the window: the first report makes the card (and the Live tab)
    say 'preliminary' and what is still to come; the end of the session makes it final."""
    from dlbench_gui.core.config import BenchmarkConfig
    from dlbench_gui.core.store.report import RunReport
    from dlbench_gui.core.progress import RunSession

    w = make_window()
    w.show()
    configs = [BenchmarkConfig(model="model_a", dataset=d, profile="quick", data="synthetic")
               for d in ("mnist", "fashion_mnist")]
    adapter = w.bind_session(RunSession(configs, [60.0, 60.0]))
    adapter.handle(ev.RunStarted(run_id="one", config=configs[0].to_dict()))
    first = RunReport.from_dict(quick_dict("one", "2026-11-29T10:00:00+00:00", 17 * 3600, [15 * 3600, 19 * 3600]))
    with qtbot.waitSignal(w.results.card.changed, timeout=2000) as blocker:
        adapter.add_report(first)
    c = blocker.args[0]
    assert c.badge == "Feasible but slow (preliminary)"
    assert c.preliminary.startswith("Preliminary: 1 run of this session still to come (Model A on Fashion-MNIST)")
    assert "preliminary" in w.results.card.head.text().lower()  # among the essentials, never below the fold
    assert w.plots.verdict.isVisible() and "Feasible but slow (preliminary)" in w.plots.verdict.text()
    with qtbot.waitSignal(adapter.finished):
        adapter.finish()
    assert w.results.card.card.preliminary is None and "preliminary" not in w.results.card.card.badge
    assert not w.plots.verdict.isVisible()


def test_a_new_result_opens_the_card_at_its_top_on_a_short_screen(make_window, qtbot):
    """#33: the card scrolls inside its own area at 1024x700; a new result is read from its top, not from where the
    last one was left."""
    from dlbench_gui.core.store.report import RunReport

    save(quick_dict("q", "2026-11-29T10:00:00+00:00", 17 * 3600, [15 * 3600, 19 * 3600]))
    w = make_window()
    w.resize(1024, 700)
    w.show()
    qtbot.waitExposed(w)
    w.tabs.setCurrentWidget(w.results)
    w.results.card.setMinimumHeight(2000)  # taller than its area at this size: it scrolls
    bar = w.results.card_area.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(bar.maximum())
    w.results.add_report(RunReport.from_dict(quick_dict("new", "2026-11-29T11:00:00+00:00", 16 * 3600,
                                                        [15 * 3600, 17 * 3600])))
    assert bar.value() == 0


def test_compare_at_1024x700_cuts_no_column_name(make_window, qtbot):
    """#33, A6: four runs side by side at 1024x700 had their column names clipped ("026-12-03 19:1"); each name is
    now on short lines, and a column is never narrower than its name (the table scrolls sideways instead)."""
    runs = [quick_dict(f"r{i}", f"2026-11-29T1{i}:00:00+00:00", 10 * 3600, [9 * 3600, 11 * 3600],
                       software__backend="torch" if i % 2 else "tensorflow", hardware__hostname="workstation-01")
            for i in range(4)]
    runs[1]["findings"]["interference"] = {"verdict": "interfered", "other_cpu_share": 0.62}  # "UNRELIABLE: …"
    save(*runs)
    w = make_window()
    w.resize(1024, 700)
    w.show()
    qtbot.waitExposed(w)
    w.tabs.setCurrentWidget(w.compare)
    w.compare.show_reports(w.results.reports[:4])
    QApplication.processEvents()
    header = w.compare.table.horizontalHeader()
    metrics = header.fontMetrics()
    for j in range(w.compare.table.columnCount()):
        name = w.compare.table.horizontalHeaderItem(j).text()
        assert max(metrics.horizontalAdvance(line) for line in name.splitlines()) < header.sectionSize(j), name
    assert any("PyTorch backend" in w.compare.table.horizontalHeaderItem(j).text() for j in range(4))
    # and no cell is cut either (#33 A6: "UNRELIA…"): measured, each cell's text wrapped at its column's width is
    # no taller than its row, and no word of it wider than the column
    from PySide6.QtCore import QRect, Qt

    t = w.compare.table
    qtbot.waitUntil(lambda: t.columnWidth(0) >= header.sectionSize(0) > 0)
    cells = [(i, j, t.item(i, j).text()) for i in range(t.rowCount()) for j in range(t.columnCount()) if t.item(i, j)]
    assert any("UNRELIABLE" in text for _, _, text in cells)
    fm, pad = t.fontMetrics(), 8  # the cell's margins
    for i, j, text in cells:
        room = t.columnWidth(j) - pad
        box = fm.boundingRect(QRect(0, 0, room, 10_000), int(Qt.TextFlag.TextWordWrap), text)
        assert box.height() <= t.rowHeight(i) and max(fm.horizontalAdvance(x) for x in text.split()) <= room, text


def test_a_window_saved_on_a_large_screen_reopens_fitted_to_a_small_one(make_window, qtbot):
    """#33, A6: a window saved at 1600x1000 reopened as 964x466 on a 1024x700 screen. Restored, it is as large as it
    was or as the screen allows, and inside the screen (the test's offscreen screen is smaller than 1600x1000)."""
    first = make_window()
    first.resize(1600, 1000)
    first.show()
    qtbot.waitExposed(first)
    first.close()  # closing saves the settings
    second = make_window()
    screen = second.screen().availableGeometry()
    assert (second.width(), second.height()) == (min(1600, screen.width()), min(1000, screen.height()))
    assert screen.contains(second.geometry().topLeft()) and second.geometry().bottom() <= screen.bottom() + 1


def test_at_1024x700_the_cards_essentials_are_whole_and_its_repeats_stay(make_window, qtbot):
    """#33, A6 and A2: at 1024x700 the card had about 175 px, its interval line was cut and its UNRELIABLE warning
    sat below the fold; the "Repeated runs" block was the last session's and vanished after the next one. Measured:
    the card's essentials (badge, sentence, interval, warning) lie whole inside its area's view, unscrolled; the
    repeated runs the card stands on are shown from the history, and still after a run of another setup."""
    from PySide6.QtCore import QPoint, QRect

    from dlbench_gui.core.store.report import RunReport

    for i, share in enumerate((0.62, 0.55, 0.48)):  # three repeats, every one disturbed: the longest card there is
        d = quick_dict(f"q{i}", f"2026-12-03T10:0{i}:00+00:00", 17 * 3600 + 600 * i, [15 * 3600, 19 * 3600],
                       findings={"interference": {"verdict": "interfered", "other_cpu_share": share}})
        d["repeat"] = {"group": "g1", "index": i + 1, "of": 3}
        save(d)
    w = make_window()
    w.resize(1024, 700)
    w.show()
    qtbot.waitExposed(w)
    w.tabs.setCurrentWidget(w.results)
    area, head = w.results.card_area, w.results.card.head
    c = w.results.card.card
    assert c.interval and c.warning and c.warning.split(";")[0] in head.text()  # the essentials are the head's

    def whole() -> bool:
        box = QRect(head.mapTo(area.viewport(), QPoint(0, 0)), head.size())
        return (area.verticalScrollBar().value() == 0 and area.viewport().rect().contains(box)
                and head.height() >= head.heightForWidth(head.width()))

    qtbot.waitUntil(whole)
    assert (w.width(), w.height()) == (1024, 700) and w.results.table.height() >= w.results.table.minimumHeight()
    text = w.results.repeats.text()
    assert not w.results.repeats.isHidden() and "the figure stands on the latest disturbed run" in text
    # the next session ran another setup: the card still stands on the repeats, and the block stays
    w.results.add_report(RunReport.from_dict(quick_dict("other", "2026-12-03T11:00:00+00:00", 9 * 3600,
                                                        [8 * 3600, 10 * 3600], config__dataset="fashion_mnist")))
    assert not w.results.repeats.isHidden() and w.results.repeats.text() == text
    qtbot.waitUntil(whole)
