"""The report contract (resources/report.schema.json through jsonschema) and everything that reads reports.

The class of bug: a report from elsewhere with a value of the wrong type deep inside crashed the window at every
start. The property tested here: every report either breaks the contract (one clear line, skipped) or can be
shown, summarised, compared, exported and used for estimates without an exception. Each mutation below is one
hostile value put at one place of a real recorded report."""

import copy
import json

import pytest

from dlbench_gui.core.view.card import card
from dlbench_gui.core.measure import comparison, estimate
from dlbench_gui.core.store.contract import validation_errors
from dlbench_gui.core.measure.predict import predict
from dlbench_gui.core.store.report import ReportError, RunReport
from tests.conftest import tiny_config
from tests.reports import report_dict

HOSTILE_VALUES = [None, "x", "=cmd|' /C calc'!A0", "<img src=x onerror=alert(1)>", -1, 0, 1e308, True, [], {},
                  [1, "a"], {"a": [1]}]


def quick_dict():
    """The recorded report as a quick-profile one: an estimate of the published protocol."""
    d = report_dict()
    d["config"]["profile"] = "quick"
    d["estimate"] = {"execution_time_s": 30000.0, "execution_time_ci95_s": [28000.0, 32000.0],
                     "inference_time_s": 12.0, "method": "m", "interval_covers": "the run",
                     "protocol": {"epochs": 100, "batch_size": 64, "train_samples": 60000, "val_samples": 10000,
                                  "inference_batch_size": 32},
                     "protocol_is_published": True, "inputs": {"between_runs": None}}
    return d


def failed_dict():
    d = report_dict(status="failed")
    d["error"] = {"kind": "host_oom", "message": "m", "title": "t", "explanation": "e", "suggestion": "s"}
    return d


def paths(node, prefix=()):
    """Every place in a report: sections, leaves, and the first element of each list."""
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("samples",) and prefix == ("telemetry",):
                v = v[:1]
            yield from paths(v, prefix + (k,))
    elif isinstance(node, list) and node:
        yield from paths(node[0], prefix + (0,))


def mutated(base, path, value):
    d = copy.deepcopy(base)
    node = d
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    return d


def accepted(base, places):
    """(path, value, report) for each hostile mutation at `places` that the contract lets through."""
    for path in places:
        for value in HOSTILE_VALUES:
            try:
                yield path, value, RunReport.from_dict(mutated(base, path, value))
            except ReportError:
                continue


def use_everywhere(r: RunReport):
    """Everything that reads a report outside the GUI widgets: CLI text, detail HTML, CSV, verdicts, estimates."""
    from dlbench_gui.cli.text import summary_text
    from dlbench_gui.export.csv_export import to_csv_text
    from dlbench_gui.export.html_report import detail_html

    summary_text(r)
    detail_html(r)
    to_csv_text([r])
    comparison.verdict(r)
    card([r, r])
    comparison.compare(r)
    estimate.between_run_spread([r], "model_a", 64, r.hardware, False)
    predict(tiny_config(), [r])
    sorted([r, r], key=lambda x: x.created_at)


@pytest.mark.parametrize("base", [report_dict, quick_dict, failed_dict], ids=["custom", "quick", "failed"])
def test_every_hostile_value_anywhere_is_rejected_or_harmless(base):
    original = base()
    assert validation_errors(original) == []
    use_everywhere(RunReport.from_dict(original))
    tried = rejected = 0
    crashes = []
    for path in {p for p in paths(original) if p}:
        for value in HOSTILE_VALUES:
            d = mutated(original, path, value)
            tried += 1
            try:
                r = RunReport.from_dict(d)
            except ReportError:
                rejected += 1
                continue
            except Exception as exc:  # noqa: BLE001 — the contract check itself must never crash
                crashes.append(f"{'.'.join(map(str, path))} = {value!r}: contract check: {type(exc).__name__}: {exc}")
                continue
            try:
                use_everywhere(r)
            except Exception as exc:  # noqa: BLE001 — any exception here is the bug this test exists for
                crashes.append(f"{'.'.join(map(str, path))} = {value!r}: {type(exc).__name__}: {exc}")
    assert not crashes, f"{len(crashes)} of {tried} accepted mutations crash a reader:\n" + "\n".join(crashes[:30])
    assert tried > 1000 and rejected > tried / 4  # the contract really is checked, not waved through


def test_the_schema_says_where_and_what_in_one_line():
    d = report_dict()
    d["timing"]["epochs"][0]["train_s"] = "fast"
    (msg,) = validation_errors(d)
    assert msg.startswith("timing.epochs[0].train_s: 'fast' is not of type 'number'")
    d = report_dict()
    del d["timing"]["inference"]
    assert validation_errors(d) == ["timing lacks 'inference'"]


def test_completed_figures_must_add_up_and_cover_the_epochs_claimed():
    d = report_dict()
    d["timing"]["execution_time_s"] = 100.0
    assert "is not training" in validation_errors(d)[0]
    d = report_dict()
    d["config"]["epochs"] = 3
    assert validation_errors(d) == ["timing.epochs holds 1 epoch(s), config.epochs says 3"]


def test_a_report_this_version_writes_keeps_the_contract(tmp_path):
    from tests.reports import valid_report

    r = valid_report()
    path = r.save(tmp_path / "r.json")
    assert validation_errors(json.loads(path.read_text())) == []
