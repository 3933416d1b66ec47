import json

import pytest

from dlbench_gui.core.report import SCHEMA_VERSION, ReportError, RunReport, load_report


def make(**kw):
    base = dict(run_id="r1", status="completed", config={"model": "model_a", "dataset": "mnist", "profile": "custom"},
                timing={"execution_time_s": 12.0, "inference": {"total_s": 3.0}})
    base.update(kw)
    return RunReport(**base)


def test_saved_report_loads_back_identical(tmp_path):
    r = make(extra={"added_by_a_later_version": [1, 2]})
    path = r.save(tmp_path / "r.json")
    back = load_report(path)
    assert back == r
    assert json.loads(path.read_text())["schema_version"] == SCHEMA_VERSION


def test_headline_says_measured_or_estimated():
    assert make().headline == {"execution_time_s": 12.0, "execution_time_ci95_s": None, "inference_time_s": 3.0,
                               "kind": "measured"}
    est = make(estimate={"execution_time_s": 100.0, "execution_time_ci95_s": [90, 110], "inference_time_s": 4.0})
    assert est.headline["kind"] == "estimated" and est.headline["execution_time_s"] == 100.0


@pytest.mark.parametrize("content,words", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "holds a list"),
    ('{"hello": 1}', "not a dlbench report"),
    ('{"schema_version": 99, "run_id": "x", "status": "completed", "config": {}}', "newer dlbench"),
    ('{"schema_version": 1, "run_id": "x", "status": "exploded", "config": {"model": "a", "dataset": "b"}}', "unknown status"),
    ('{"schema_version": 1, "run_id": "x", "status": "completed", "config": {"model": "a"}}', "config lacks 'dataset'"),
    ('{"schema_version": 1, "run_id": "x", "status": "completed", "config": {"model": "a", "dataset": "b"}, "timing": 3}',
     "'timing' must be an object"),
])
def test_a_malformed_file_is_rejected_with_its_problem_named(tmp_path, content, words):
    p = tmp_path / "bad.json"
    p.write_text(content)
    with pytest.raises(ReportError, match=words) as info:
        load_report(p)
    assert "bad.json" in str(info.value)


def test_binary_file_is_rejected(tmp_path):
    p = tmp_path / "x.json"
    p.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ReportError, match="x.json"):
        load_report(p)


def test_an_error_event_may_carry_a_field_called_kind():
    from dlbench_gui.core import events as ev

    e = ev.decode(ev.encode(ev.ERROR, kind="data_error", message="x.gz: truncated"))
    assert e["type"] == "error" and e["kind"] == "data_error"
