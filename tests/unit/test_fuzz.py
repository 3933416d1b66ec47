"""Inputs that cannot break the app (#33 B): every hostile report (tests/fuzz_reports.py: a section of a real report
of any kind replaced by any instance the schema allows, or random JSON at any place) is either refused in one line
where it enters, or goes through every consumer without an exception: validate, import, history, the card (alone
and as a repeat), the repeat summary, the prediction, the between-run spread, the CLI text, the detail HTML, and the
CSV, JSON and PDF exports. The window's start is tests/gui/test_hardening.py's. Derandomized: the same examples on
every machine, so a failure is a bug, not luck. Its first runs found nine crash sites, each fixed where the contract
left a field untyped (the simple kernels' products, comparison rows, convolve2d's interval, the network; a degraded
finding without its drift; a scaling efficiency without its figures) or where a reader assumed a value the schema
allows (a null ratio), and a key with a line break that split the one-line refusal (docs/robustness.md)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings

from dlbench_gui.core.measure import comparison, estimate
from dlbench_gui.core.measure.predict import predict
from dlbench_gui.core.store.contract import validation_errors
from dlbench_gui.core.store.history import load_history
from dlbench_gui.core.store.importing import import_reports
from dlbench_gui.core.store.report import ReportError, RunReport
from dlbench_gui.core.view.card import card
from dlbench_gui.core.view.present import repeat_summary
from tests.conftest import tiny_config
from tests.fuzz_reports import KINDS, hostile_reports, read

FUZZ = settings(derandomize=True, deadline=None, database=None, max_examples=1000,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])


def every_reader(r: RunReport, text: str, folder) -> None:
    """Everything that reads a report, outside the window's widgets."""
    from dlbench_gui.cli.text import summary_text
    from dlbench_gui.export.csv_export import to_csv_text
    from dlbench_gui.export.html_report import detail_html
    from dlbench_gui.export.json_export import write_json

    other = read(json.dumps(KINDS["repeat"]()))  # a sound repeat of the same group beside it
    summary_text(r)
    detail_html(r)
    to_csv_text([r, other])
    write_json([r], folder / "out.json")
    comparison.verdict(r)
    comparison.compare(r)
    card([r, other])
    card([other, r])
    repeat_summary([r, other])
    estimate.between_run_spread([r, other], "model_a", 64, r.hardware, False)
    predict(tiny_config(), [r, other])
    predict(tiny_config(profile="quick"), [r])
    sorted([r, other], key=lambda x: x.created_at)
    # as a file: validate, import, the history
    path = folder / "hostile.json"
    path.write_text(text)
    assert validation_errors(json.loads(text)) == []
    outcome = import_reports([path], folder / "reports")
    outcome.lines()
    load_history(folder / "reports")


@pytest.mark.slow  # 26 s here: CI runs it, `make test-fast` leaves it out
@FUZZ
@given(hostile_reports())
def test_a_hostile_report_is_refused_in_one_line_or_read_everywhere(tmp_path_factory, case):
    what, text = case
    try:
        r = read(text)
    except ReportError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("fuzz.json: "), (what, str(exc))
        return
    every_reader(r, text, tmp_path_factory.mktemp("fuzz"))


@pytest.mark.slow
@settings(FUZZ, max_examples=100)
@given(hostile_reports())
def test_a_hostile_report_that_is_read_exports_to_pdf(tmp_path_factory, case):
    from dlbench_gui.export.pdf_export import write_pdf

    what, text = case
    try:
        r = read(text)
    except ReportError:
        return
    out = write_pdf([r], tmp_path_factory.mktemp("pdf") / "r.pdf")
    assert out.stat().st_size > 1000, what
