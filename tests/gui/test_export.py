"""Exports a person hands on: the PDF renders with the figures in it, the CSV round-trips, JSON is the report."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dlbench_gui.core.measure.comparison import verdict
from dlbench_gui.core.durations import format_duration
from dlbench_gui.core.store.report import RunReport, load_report
from dlbench_gui.export import export_reports
from dlbench_gui.core.view.card import card
from dlbench_gui.export.csv_export import COLUMNS, card_cells, read_csv, row_of
from tests.conftest import ROOT

DATA = Path(__file__).parent / "data"


@pytest.fixture
def real_report():
    return load_report(DATA / "report_model_a_custom.json")


@pytest.fixture
def quick_report(real_report):
    # the same run presented as a quick estimate of the published protocol, as a quick run records it
    cfg = {**real_report.config, "profile": "quick", "epochs": 100, "train_samples": 60000, "val_samples": 10000}
    est = {"execution_time_s": 30_000.0, "execution_time_ci95_s": [29_000.0, 31_000.0], "inference_time_s": 20.0,
           "method": "test", "inputs": {}}
    return real_report.with_changes(run_id="quick-1", config=cfg, estimate=est)


def test_pdf_has_the_pages_and_the_key_figures(real_report, quick_report, tmp_path):
    from pypdf import PdfReader

    path = export_reports([quick_report, real_report], "pdf", tmp_path / "r.pdf")
    reader = PdfReader(str(path))
    assert len(reader.pages) >= 2
    first = " ".join(reader.pages[0].extract_text().split())
    c = card([quick_report, real_report])
    assert c.badge.upper() in first and c.sentence[:60] in first  # the result card opens the PDF
    assert "What to do:" in first and "95% interval of the estimate" in first
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())  # pypdf separates words with tabs
    assert "what ran (measured)" in text and "what it estimates" in text  # the configuration says both
    assert "dlbench report" in text
    assert verdict(quick_report).text.split(" — ")[0] in text
    assert format_duration(30_000.0) in text  # the estimate
    assert format_duration(real_report.timing["execution_time_s"]) in text  # the measured time
    assert "Setup 1" in text and "RTX 2060" in text  # the baseline
    assert "Method notes" in text and "estimate" in text
    assert "Synthetic data" in text


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="pdftoppm (poppler-utils) not installed")
def test_pdf_pages_render(real_report, tmp_path):
    path = export_reports([real_report], "pdf", tmp_path / "r.pdf")
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) >= 2 and all(p.stat().st_size > 2000 for p in pages)
    # the document flows: every page but the last is at least half used (inked rows down to below the middle)
    for page in pages[:-1]:
        assert last_inked_row(page) > 0.5, f"{page.name} is mostly empty"


def last_inked_row(png) -> float:
    """How far down a rendered page the last non-white row is, as a fraction of the page height."""
    from PySide6.QtGui import QImage

    img = QImage(str(png))
    h, w = img.height(), img.width()
    for y in range(h - 1, -1, -1):
        if any(img.pixelColor(x, y).lightness() < 200 for x in range(0, w, 2)):
            return y / h
    return 0.0


def test_csv_round_trips(real_report, quick_report, tmp_path):
    path = export_reports([real_report, quick_report], "csv", tmp_path / "r.csv")
    rows = read_csv(path)
    assert list(rows[0]) == COLUMNS and len(rows) == 2
    for got, report in zip(rows, [real_report, quick_report]):
        want = {**row_of(report), **card_cells(card([real_report, quick_report]), report)}
        for key in COLUMNS:
            if want[key] is None:
                assert got[key] == ""
            elif isinstance(want[key], float):
                assert float(got[key]) == pytest.approx(want[key], abs=1e-4)  # rounded to 0.1 ms
            else:
                assert got[key] == str(want[key])
    assert rows[1]["figures"] == "estimated" and rows[0]["figures"] == "measured"
    # the answer in words next to the figures: the verdict, readable times, the machine by name
    assert rows[1]["verdict"] == verdict(quick_report).level and rows[1]["verdict_text"] == verdict(quick_report).text
    assert rows[1]["execution_time"] == format_duration(30_000.0) and " – " in rows[1]["execution_time_ci95"]
    assert rows[0]["setup"].endswith(real_report.hardware["cpu"]["brand"])
    assert all(len(v.split(".")[-1]) <= 4 for v in rows[0].values() if "." in v and v.replace(".", "").isdigit())


def test_csv_marks_an_interfered_run_unreliable(quick_report, tmp_path):
    busy = quick_report.with_changes(findings={"interference": {"verdict": "interfered", "other_cpu_share": 0.49}})
    rows = read_csv(export_reports([busy, quick_report], "csv", tmp_path / "r.csv"))
    assert rows[0]["reliability"].startswith("UNRELIABLE") and rows[0]["other_cpu_share"] == "0.49"
    assert rows[1]["reliability"] in ("quiet", "not measured")


def test_json_export_is_the_full_report(real_report, tmp_path):
    path = export_reports([real_report], "json", tmp_path / "r.json")
    assert RunReport.from_dict(json.loads(path.read_text())) == real_report


def test_cli_export_writes_a_pdf(tmp_path):
    out = tmp_path / "cli.pdf"
    p = subprocess.run([sys.executable, "-m", "dlbench_gui", "export", str(DATA / "report_model_a_custom.json"),
                        "--format", "pdf", "--output", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert out.read_bytes()[:5] == b"%PDF-"


def test_cli_export_rejects_a_malformed_report_in_one_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2, 3]")
    p = subprocess.run([sys.executable, "-m", "dlbench_gui", "export", str(bad), "--format", "csv", "--output",
                        str(tmp_path / "x.csv")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and p.stderr.strip().count("\n") == 0 and "bad.json: holds a list" in p.stderr
    assert not (tmp_path / "x.csv").exists()


def test_the_card_on_screen_its_pdf_its_csv_and_the_cli_say_the_same(make_window, dlbench_home, monkeypatch, tmp_path):
    """#33: the card's own Export PDF showed another run's interference figure and another "Not counted" list than
    the screen: it computed a card again from the runs it exported. It now exports the card on screen, so every
    line of it is in the PDF, and a card computed from the exported runs alone differs from it here. The card's CSV
    carries the same figures on every row, with each run's part in it, and `dlbench card` prints the same card."""
    import unicodedata

    from pypdf import PdfReader
    from PySide6.QtWidgets import QFileDialog

    from dlbench_gui.cli.text import card_text
    from tests.reports import report_dict

    folder = dlbench_home / "reports"
    folder.mkdir(parents=True)
    for i, share in enumerate((0.62, 0.55, 0.0)):  # three repeats of one setup: two disturbed, one quiet
        d = report_dict(run_id=f"rep-{i}", created_at=f"2026-12-03T10:0{i}:00+00:00")
        d["repeat"] = {"group": "g1", "index": i + 1, "of": 3}
        d["findings"]["interference"] = {"verdict": "interfered" if share else "quiet", "other_cpu_share": share,
                                         "threshold": 0.1, "samples": 40}
        (folder / f"rep-{i}.json").write_text(json.dumps(d))
    w = make_window()
    shown = w.results.card.card
    assert shown is not None
    target = tmp_path / "card.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    w.results.export_requested.emit("pdf")
    pages = " ".join(p.extract_text() for p in PdfReader(str(target)).pages)
    text = " ".join(unicodedata.normalize("NFKC", pages).split())  # the PDF's "ﬁ" ligature as "fi"
    for line in card_text(shown).splitlines():
        for prefix in ("== ", "What to do: ", "not counted: "):
            line = line.replace(prefix, "", 1).replace(" ==", "")
        words = " ".join(line.split())
        assert words[:50] in text, words
    # what the old export did: a card computed again from the exported runs alone says something else
    assert card_text(card(w.results.card_reports())) != card_text(shown)
    target = tmp_path / "card.csv"
    w.results.export_requested.emit("csv")
    assert [r["run_id"] for r in read_csv(target)] == ["rep-2"]  # what the card stands on: the quiet repeat
    export_reports(w.results.reports, "csv", target, shown)  # every run, with the card on screen
    rows = read_csv(target)
    for r in rows:
        assert (r["card_verdict"], r["card_badge"], r["card_sentence"]) == (shown.level, shown.badge, shown.sentence)
        assert (r["card_interval"], r["card_warning"]) == (shown.interval or "", shown.warning or "")
    roles = {r["run_id"]: r["card_role"] for r in rows}
    assert roles == {"rep-2": "counted", "rep-0": "not counted", "rep-1": "not counted"}  # the quiet one decides
    cli = subprocess.run([sys.executable, "-m", "dlbench_gui", "card"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert cli.returncode == 0 and cli.stdout.rstrip("\n") == card_text(shown), cli.stderr
