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
