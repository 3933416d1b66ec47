"""The window against what other people's files and machines bring: corrupt and hostile reports, exports through
the dialog, the Compare tab, the batch finder, dataset folders, and a data folder it cannot write."""

import json
import time
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from dlbench_gui.core.store.storage import data_dir, reports_dir
from tests.reports import report_dict
from tests.unit.test_dataset_import import real_mnist_folder

HOSTILE_NAME = "<img src='x' onerror='alert(1)'>Evil CPU"


def fill_history(dlbench_home):
    folder = reports_dir()
    (folder / "broken.json").write_text("{ not json")
    (folder / "nan.json").write_text(json.dumps(report_dict()).replace('"seed": 0', '"seed": NaN'))
    (folder / "deep.json").write_text("[" * 50_000 + "]" * 50_000)
    wrong = report_dict(run_id="wrong")
    wrong["timing"]["epochs"] = [{"epoch": "one"}]
    (folder / "wrong.json").write_text(json.dumps(wrong))
    hostile = report_dict(run_id="hostile")
    hostile["hardware"]["cpu"]["brand"] = HOSTILE_NAME
    hostile["hardware"]["hostname"] = "=HYPERLINK(\"http://x\")"
    hostile["data"]["origin"] = "<b>bold</b>"
    (folder / "hostile.json").write_text(json.dumps(hostile))
    second = report_dict(run_id="second", created_at="2026-11-28T23:30:00+00:00")
    (folder / "second.json").write_text(json.dumps(second))


def test_window_opens_with_corrupt_and_hostile_reports_and_shows_them_escaped(make_window, dlbench_home, tmp_path,
                                                                              monkeypatch):
    fill_history(dlbench_home)
    w = make_window()
    w.show()
    assert sorted(r.run_id for r in w.results.reports) == ["hostile", "second"]
    assert "4 unreadable file(s) skipped" in w.status.text()
    for name in ("broken.json", "nan.json", "deep.json", "wrong.json"):
        assert name in w.status.toolTip()
    row = [r.run_id for r in w.results.reports].index("hostile")
    w.results.table.selectRow(row)
    html = w.results.detail.toHtml()
    assert "onerror" not in html.replace("&lt;img src='x' onerror", "")  # shown as text, not as an element
    # the PDF and the CSV of the hostile report, through the export dialog
    for fmt in ("pdf", "csv"):
        target = tmp_path / f"out.{fmt}"
        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, t=target, **k: (str(t), ""))
        w.export_selected(fmt)
        assert target.exists() and target.stat().st_size > 0
    assert (tmp_path / "out.pdf").read_bytes()[:5] == b"%PDF-"
    csv_text = (tmp_path / "out.csv").read_text()
    assert "'=HYPERLINK" in csv_text and "\n=HYPERLINK" not in csv_text and ",=HYPERLINK" not in csv_text


def test_compare_tab_shows_the_selected_runs_side_by_side(make_window, dlbench_home):
    fill_history(dlbench_home)
    w = make_window()
    w.results.table.selectAll()
    w.compare_selected()
    assert w.tabs.currentWidget() is w.compare
    cells = {w.compare.table.item(r, c).text() for r in range(w.compare.table.rowCount())
             for c in range(w.compare.table.columnCount()) if w.compare.table.item(r, c)}
    assert "hostile" in cells and "second" in cells


def test_find_largest_batch_reports_each_probe_and_the_answer_injected_prober(make_window, qtbot, monkeypatch):
    def prober(model, dataset, bs, **kw):  # injected facts: 256 fits, 512 does not (no child is started)
        return {"batch_size": bs, "outcome": "fits" if bs <= 256 else "oom", "error_kind": None if bs <= 256 else "host_oom",
                "error_message": None, "peak_rss_bytes": bs * 2**20}

    shown = []
    monkeypatch.setattr(QInputDialog, "getDouble", lambda *a, **k: (4.0, True))
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: shown.append(a[2]))
    w = make_window(maxbatch_prober=prober)
    with qtbot.waitSignal(w.maxbatch_finished, timeout=30_000) as blocker:
        w.find_max_batch()
    result = blocker.args[0]
    assert result["max_batch_size"] == 256 and result["confirmed"]
    assert "the largest batch that fits is 256" in shown[0]
    assert result["backend"] == "tensorflow"  # the setup's Auto on this machine
    # with JAX chosen in the setup the search runs, and keeps its finding, under JAX (a batch that fits TensorFlow's
    # memory says nothing of JAX's)
    w.setup.backend_combo.setCurrentIndex(w.setup.backend_combo.findData("jax"))
    with qtbot.waitSignal(w.maxbatch_finished, timeout=30_000) as blocker:
        w.find_max_batch()
    assert blocker.args[0]["backend"] == "jax"


def test_dataset_folder_import_asks_which_dataset_and_copies_off_the_gui_thread(make_window, qtbot, tmp_path,
                                                                                monkeypatch):
    folder = real_mnist_folder(tmp_path / "digits")
    asked = []
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: (asked.append(a[2]), ("MNIST", True))[1])
    w = make_window()
    with qtbot.waitSignal(w.dataset_importer.finished, timeout=60_000) as blocker:
        w.import_dataset_folder(str(folder))
    outcome = blocker.args[0]
    assert asked and "cannot tell" in asked[0] and list(outcome.imported) == ["mnist"] and not outcome.problems
    assert "Imported MNIST: 4,000 training + 1,000 test images" in w.status.text()
    assert w.setup.dataset_state["mnist"].text().startswith("imported files")


def test_an_unwritable_data_folder_opens_the_window_says_so_and_starts_nothing(make_window, monkeypatch):
    monkeypatch.setenv("DLBENCH_HOME", "/sys/kernel")  # exists, and nobody can write there
    w = make_window()
    assert "cannot write in its data folder /sys/kernel" in w.status.text()
    assert not w.setup.start_button.isEnabled() and not w.act_start.isEnabled()
    w.start()
    assert not w.running


def test_the_pdf_draws_whatever_a_valid_report_holds_in_its_chart_inputs(qtbot):
    """The chart inputs (telemetry samples, epochs, step log) with each hostile value: the PDF's HTML and its
    chart images are still built (the contract rejects some; the rest must draw)."""
    from dlbench_gui.export.pdf_export import build_html
    from tests.unit.test_contract import accepted, paths

    base = report_dict()
    base["timing"]["epochs"] = [dict(base["timing"]["epochs"][0], epoch=n) for n in (1, 2)]
    base["config"]["epochs"] = 2
    base["step_log"] = [[0, 2.3, 0.1], [1, 2.2, 0.12]]
    places = [p for p in paths(base)
              if p and p[0] in ("telemetry", "step_log", "hardware", "software", "config", "memory", "findings")
              or p[:2] == ("timing", "epochs")]
    drawn = 0
    for path, _value, r in accepted(base, places):
        assert "<h1>dlbench report</h1>" in build_html([r], {}), path
        drawn += 1
    assert drawn > 100


def test_the_results_view_shows_whatever_a_valid_report_holds_in_its_figures(qtbot):
    """The figures the Results tab draws (headline, estimate, timings) with each hostile value: the table row,
    the detail pane and the baseline chart must all show it."""
    from dlbench_gui.gui.results import ResultsView
    from tests.unit.test_contract import accepted, paths, quick_dict

    view = ResultsView()
    qtbot.addWidget(view)
    view.show()
    base = quick_dict()
    places = [p for p in paths(base) if p and p[0] in ("timing", "estimate", "created_at", "run_id", "error", "config")
              and "epochs" not in p]
    shown = 0
    for _path, _value, r in accepted(base, places):
        view.set_reports([r])
        view.table.selectRow(0)
        assert view.selected_reports() == [r]
        view.chart.repaint()
        shown += 1
    assert shown > 100


def test_the_export_dialog_suggests_a_name_and_a_folder_and_the_chosen_format_sets_the_extension(
        make_window, dlbench_home, tmp_path, monkeypatch):
    """#33: a name for what is exported, the data folder (then the folder of the last export, never the source tree),
    and the chosen filter's extension put in place of another format's instead of a refusal."""
    fill_history(dlbench_home)
    w = make_window()
    starts = []
    answers = iter([(str(tmp_path / "x.csv"), "PDF (*.pdf)"), (str(tmp_path / "plain"), "CSV (*.csv)")])

    def dialog(parent, title, start, filters, selected):
        starts.append((start, selected))
        return next(answers)

    monkeypatch.setattr(QFileDialog, "getSaveFileName", dialog)
    w.export_selected("pdf")  # Ctrl+E: PDF preselected, but the user typed x.csv
    assert (tmp_path / "x.pdf").read_bytes().startswith(b"%PDF") and not (tmp_path / "x.csv").exists()
    w.export_selected("csv", card=True)  # the card's export: a name without an extension, the CSV filter chosen
    assert (tmp_path / "plain.csv").read_text().startswith("setup,cpu,gpu")
    (first, pdf), (second, csv) = starts
    r = w.results.reports[0]
    assert Path(first).parent == data_dir() and pdf == "PDF (*.pdf)"
    assert Path(first).name == f"dlbench-{r.model}-{r.dataset}-{r.created_at[:10]}.pdf"
    assert Path(second).parent == tmp_path and Path(second).name.startswith("dlbench-card-") and csv == "CSV (*.csv)"


def test_the_batch_search_is_exclusive_shows_each_probe_and_stops_on_stop_injected_prober(make_window, qtbot,
                                                                                        monkeypatch):
    def prober(model, dataset, bs, **kw):  # injected facts: every size fits, each probe takes 0.3 s
        time.sleep(0.3)
        return {"batch_size": bs, "outcome": "fits", "error_kind": None, "error_message": None, "seconds": 0.3}

    monkeypatch.setattr(QInputDialog, "getDouble", lambda *a, **k: (0.0, True))
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warned.append(a[2]))
    w = make_window(maxbatch_prober=prober)
    with qtbot.waitSignal(w.maxbatch.progressed, timeout=10_000,
                          check_params_cb=lambda text: text.startswith("Largest batch: probe 1: trying batch 64…")):
        w.find_max_batch()  # while a probe runs, the status names its batch (#33)
    with qtbot.waitSignal(w.maxbatch.progressed, timeout=10_000,
                          check_params_cb=lambda text: text.startswith("Largest batch: probe 2: trying batch 128… "
                                                                       "(probe 1: batch 64 fits")):
        pass
    # while it runs: nothing else starts, and Stop is offered
    assert not w.setup.start_button.isEnabled() and not w.act_start.isEnabled() and not w.act_maxbatch.isEnabled()
    assert w.act_stop.isEnabled() and w.setup.stop_button.isEnabled()
    w.start()
    assert not w.running  # Start (Ctrl+R) during the search does nothing
    with qtbot.waitSignal(w.maxbatch_finished, timeout=10_000) as blocker:
        w.stop()
    found = blocker.args[0]  # what it had found is kept, as a lower bound (#26, 9), said in the status bar
    assert found["lower_bound"] and found["max_batch_size"] >= 64 and "at least" in found["note"] and not warned
    assert f"fits a batch of at least {found['max_batch_size']} (kept)" in w.status.text()
    # the answer stays in the Log once the status bar has moved on (#33)
    assert f"fits a batch of at least {found['max_batch_size']} (kept as a lower bound)" in w.log_panel.text.toPlainText()
    qtbot.waitUntil(lambda: w.setup.start_button.isEnabled() and w.act_maxbatch.isEnabled(), timeout=5_000)
    assert not w.act_stop.isEnabled()


def test_the_window_starts_and_shows_any_hostile_history_the_fuzzer_makes(make_window, qtbot, dlbench_home):
    """#33 B: a history of hostile reports (tests/fuzz_reports.py: schema instances and random JSON in real reports
    of every kind) as files in the reports folder: the window starts, each one refused is counted in the status bar,
    and each one read is shown: its row selected (the card and the detail), all of them compared, the Live tab's
    prediction made from them. Derandomized, a handful of histories: the window costs a second each."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from dlbench_gui.core.store.report import ReportError
    from tests.fuzz_reports import hostile_reports, read

    @settings(derandomize=True, deadline=None, database=None, max_examples=6,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.lists(hostile_reports(), min_size=3, max_size=6))
    def check(cases):
        folder = dlbench_home / "reports"
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.json"):
            old.unlink()
        readable = 0
        for i, (_what, text) in enumerate(cases):
            (folder / f"fuzz-{i}.json").write_text(text)
            try:
                read(text)
                readable += 1
            except ReportError:
                pass
        w = make_window()
        assert len(w.results.reports) <= readable
        for row in range(w.results.table.rowCount()):
            w.results.table.selectRow(row)
        if w.results.table.rowCount() >= 2:  # (with fewer, Compare asks for two in a dialog)
            w.results.table.selectAll()
            w.compare_selected()
        w.close()

    check()
