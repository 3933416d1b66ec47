import json

import pytest

from dlbench_gui.core.store.report import SCHEMA_VERSION, ReportError, RunReport, load_report
from tests.reports import report_dict


def make(**kw):
    base = dict(run_id="r1", status="completed", config={"model": "model_a", "dataset": "mnist", "profile": "custom"},
                timing={"execution_time_s": 12.0, "inference": {"total_s": 3.0}})
    base.update(kw)
    return RunReport(**base)


def test_saved_report_loads_back_identical(tmp_path):
    from tests.reports import valid_report

    r = valid_report(added_by_a_later_version=[1, 2])
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
    (json.dumps(report_dict(status="exploded")), "status: unknown value 'exploded'"),
    (json.dumps({**report_dict(), "config": {"model": "model_a"}}), "config lacks 'dataset'"),
    (json.dumps(report_dict(timing=3)), "timing: 3 is not of type 'object'"),
    ('{"schema_version": 1, "t": NaN}', "NaN is not a number a report may hold"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
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
    from dlbench_gui.core.wire import events as ev

    e = ev.from_json(ev.Error(kind="data_error", message="x.gz: truncated").to_json())
    assert isinstance(e, ev.Error) and e.kind == "data_error" and e.message == "x.gz: truncated"


def test_a_pipe_or_a_device_named_like_a_report_is_refused_without_reading(tmp_path):
    import os

    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)  # reading it would block forever
    (tmp_path / "zero.json").symlink_to("/dev/zero")  # reading it would never end
    for name in ("pipe.json", "zero.json"):
        with pytest.raises(ReportError, match="not a regular file"):
            load_report(tmp_path / name)
