"""Reports from elsewhere are untrusted: `import_reports` (behind `dlbench import` and File → Import report)."""

import json

import pytest

from dlbench_gui.core.store.importing import import_reports
from dlbench_gui.core.store.storage import reports_dir
from tests.reports import report_dict


def write(path, data):
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize("run_id", ["../../escaped", "/abs/path/x", ".", "..", "a/b", "a\\b", "x" * 129, "é", "a b"])
def test_a_run_id_that_is_no_safe_file_name_gets_a_fresh_one_and_nothing_escapes(tmp_path, run_id, dlbench_home):
    src = write(tmp_path / "in.json", report_dict(run_id=run_id))
    out = import_reports([src])
    assert len(out.imported) == 1 and out.imported[0] != run_id
    assert "cannot be a file name here" in out.notes[0]
    files = [p for p in dlbench_home.rglob("*") if p.is_file()]
    assert files == [reports_dir() / f"{out.imported[0]}.json"]
    assert not (tmp_path / "escaped.json").exists() and not (dlbench_home.parent / "escaped.json").exists()
    saved = json.loads(files[0].read_text())
    assert saved["imported"]["original_run_id"] == run_id


def test_a_different_report_with_the_same_id_is_never_overwritten(tmp_path):
    local = write(reports_dir() / "same-id.json", report_dict(run_id="same-id"))
    before = local.read_text()
    other = report_dict(run_id="same-id")
    other["timing"]["first_step_s"] = 9.9
    out = import_reports([write(tmp_path / "other.json", other)])
    assert local.read_text() == before
    assert len(out.imported) == 1 and out.imported[0] != "same-id" and "same run id" in out.notes[0]


def test_importing_the_same_report_twice_keeps_one_copy(tmp_path):
    src = write(tmp_path / "r.json", report_dict(run_id="once"))
    assert import_reports([src]).imported == ["once"]
    again = import_reports([src])
    assert again.imported == [] and "already in the history" in again.notes[0]
    assert [p.name for p in reports_dir().glob("*.json")] == ["once.json"]


def test_a_multi_run_export_list_is_imported_item_by_item_with_bad_items_named(tmp_path):
    bad = report_dict(run_id="bad")
    bad["timing"]["epochs"] = "many"
    src = write(tmp_path / "export.json", [report_dict(run_id="one"), bad, report_dict(run_id="two")])
    out = import_reports([src])
    assert sorted(out.imported) == ["one", "two"]
    assert len(out.problems) == 1 and out.problems[0].startswith("export.json[1]: breaks the report contract")


def test_local_only_fields_of_an_imported_report_are_dropped(tmp_path):
    d = report_dict(run_id="far", runner_pid=1, run_dir="/etc", log_path="/etc/shadow")
    out = import_reports([write(tmp_path / "far.json", d)])
    saved = json.loads((reports_dir() / "far.json").read_text())
    assert out.imported == ["far"]
    assert "runner_pid" not in saved and "run_dir" not in saved and saved["log_path"] is None


def test_a_run_still_in_progress_elsewhere_is_refused(tmp_path):
    out = import_reports([write(tmp_path / "live.json", report_dict(status="running"))])
    assert out.imported == [] and "still in progress" in out.problems[0]
