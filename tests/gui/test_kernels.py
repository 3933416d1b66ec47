"""The simple kernels in the window and the exports (#25): chosen in Setup's Profile selector, their own verdict on
the result card beside the models', their figures on the Compare tab, in the PDF and in the CSV. The report is a real
one (tests/gui/data/report_kernels_quick_float32.json: `dlbench run --profile kernels --precision float32 --data
synthetic --quick-budget 20` on the development machine)."""

import json
from pathlib import Path

from dlbench_gui.core.config import kernels_config
from dlbench_gui.core.store.report import load_report
from dlbench_gui.core.store.storage import reports_dir
from dlbench_gui.core.view.card import card
from dlbench_gui.export import export_reports
from dlbench_gui.gui.compare import compare_rows

DATA = Path(__file__).parent / "data"
KERNELS = DATA / "report_kernels_quick_float32.json"


def test_simple_kernels_are_a_profile_of_the_setup_with_their_published_precision(make_window, qtbot):
    s = make_window().setup
    with qtbot.waitSignal(s.changed, timeout=2000):
        s.profile_combo.setCurrentIndex(s.profile_combo.findData("kernels"))
    assert s.runs() == [kernels_config(data=s.data, quick_budget_s=float(s.budget.value()), backend="auto")]
    assert s.precision_combo.currentData() == "mixed_float16" and s.budget.isEnabled()
    assert not any(b.isEnabled() for b in (*s.model_boxes.values(), *s.dataset_boxes.values()))
    assert s.epochs.value() == 10 and "1 run" in s.prediction.text()
    with qtbot.waitSignal(s.changed, timeout=2000):
        s.profile_combo.setCurrentIndex(s.profile_combo.findData("kernels_full"))
    assert s.runs()[0].profile == "full" and not s.budget.isEnabled()
    with qtbot.waitSignal(s.changed, timeout=2000):
        s.profile_combo.setCurrentIndex(s.profile_combo.findData("quick"))
    assert s.precision_combo.currentData() == "float32" and all(b.isEnabled() for b in s.model_boxes.values())
    assert {c.model for c in s.runs()} == {"model_a", "model_b"} and s.epochs.value() == 100


def test_the_card_gives_the_kernels_their_own_verdict_and_compare_shows_their_parts(make_window, qtbot):
    (reports_dir() / "k.json").write_text(KERNELS.read_text())
    w = make_window()
    w.show()
    c = w.results.card.card
    assert c.badge == "No verdict yet" and "simple kernels below are a test of their own" in c.sentence
    assert c.kernels[0].startswith("This machine runs the simple kernels about")
    assert "Simple kernels" in w.results.card.body.text() and c.kernels[0] in w.results.card.body.text()
    w.results.card.why.click()  # each part, and what it judges, one click away
    assert "judges the CPU" in w.results.card.details.text() and "judges the CPU" not in w.results.card.body.text()
    rows = dict(compare_rows([load_report(KERNELS)]))
    assert rows["Simple kernels: dense_matmul"][0].endswith("x Setup 1)")
    assert rows["Simple kernels: verdict"][0] == c.kernels[0]


def test_the_pdf_opens_with_the_kernels_verdict_and_lists_every_product(tmp_path):
    from pypdf import PdfReader

    r = load_report(KERNELS)
    reader = PdfReader(str(export_reports([r], "pdf", tmp_path / "k.pdf")))
    first = " ".join(reader.pages[0].extract_text().split())
    assert "Simple kernels" in first and card([r]).kernels[0][:50] in first
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "dense 5124x9124x2560" in text and "sparse 7680x1500x2560, density 0.95" in text
    assert "Setup 4 (RTX 2070, i9-7920X)" in text and "BLAS (threadpoolctl)" in text
    assert json.loads(KERNELS.read_text())["kernels"]["convolve2d"]["how"] == "estimated"


def test_the_buttons_under_the_card_export_every_run_the_card_stands_on(make_window, dlbench_home, tmp_path,
                                                                        monkeypatch):
    """#26, 8: the exports covered only the selected row while their buttons sit under the session's card."""
    from PySide6.QtWidgets import QFileDialog, QPushButton

    from dlbench_gui.export.csv_export import read_csv
    from tests.reports import report_dict

    protocol = {"epochs": 100, "batch_size": 64, "train_samples": 60000, "val_samples": 10000,
                "inference_batch_size": 32}
    for i, dataset in enumerate(("mnist", "fashion_mnist")):
        d = report_dict(run_id=f"quick-{dataset}", created_at=f"2026-11-29T1{i}:00:00+00:00", config__profile="quick",
                        config__dataset=dataset)
        d["estimate"] = {"execution_time_s": 20_000.0 + i, "execution_time_ci95_s": [19_000.0, 21_000.0],
                         "protocol": protocol, "method": "test", "inputs": {}}
        (reports_dir() / f"{d['run_id']}.json").write_text(json.dumps(d))
    (reports_dir() / "k.json").write_text(KERNELS.read_text())
    w = make_window()
    w.results.table.selectRow(0)  # one row selected: the card still stands on three runs
    assert len(w.results.selected_reports()) == 1 and len(w.results.card.card.stands_on) == 3
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "card.csv"), "CSV (*.csv)"))
    [button] = [b for b in w.results.findChildren(QPushButton) if b.text() == "Export CSV…"]
    button.click()
    rows = read_csv(tmp_path / "card.csv")
    assert sorted(r["run_id"] for r in rows) == sorted(["quick-mnist", "quick-fashion_mnist",
                                                        json.loads(KERNELS.read_text())["run_id"]])
    assert "3 run(s), what the card stands on" in w.status.text()
