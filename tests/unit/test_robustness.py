"""Bad input, one table: every row gives one line (exit 2 for arguments and paths), never a traceback, and
writes nothing outside the data folder. docs/robustness.md lists the same rows with what each gives."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.reports import report_dict

GOOD = str(ROOT / "tests" / "gui" / "data" / "report_model_a_custom.json")


def prepare(tmp):
    """Files some rows name: a list export, a hostile report, a plain file where a folder is expected."""
    (tmp / "list.json").write_text(json.dumps([report_dict()]))
    (tmp / "nan.json").write_text(json.dumps(report_dict()).replace('"seed": 0', '"seed": NaN'))
    deep = report_dict()
    deep["timing"]["epochs"][0]["loss"] = "<script>"
    (tmp / "wrong-type.json").write_text(json.dumps(deep))
    (tmp / "a-file").write_text("not a folder")
    for name in ("datasets", "maxbatch"):  # a home whose own folders are taken by files (#33 B2)
        (tmp / f"home-{name}").mkdir()
        (tmp / f"home-{name}" / name).write_text("not a folder")
    text = json.dumps(report_dict())
    (tmp / "inf.json").write_text(text.replace('"seed": 0', '"seed": 1e999'))  # json reads it as infinity
    (tmp / "huge.json").write_text(text.replace('"seed": 0', '"seed": ' + "9" * 400))  # no float holds it
    # a quick repeat whose estimate is 1e200 s (#33 B4: three such repeats overflowed the interval, the window did not
    # start and the PDF crashed)
    big = report_dict()
    big["extra"] = {"repeat": {"group": "g", "index": 1, "of": 3}}
    (tmp / "1e200.json").write_text(json.dumps(big).replace('"seed": 0', '"seed": 0, "estimate": '
                                                             '{"execution_time_s": 1e200}'))


BAD_INPUTS = [
    # id, arguments ({tmp} is a scratch folder), DLBENCH_HOME override or None, exit code, words in the one line
    ("unknown model", ["run", "--model", "model_z"], None, 2, "invalid choice"),
    ("unknown backend", ["run", "--backend", "mxnet"], None, 2, "argument --backend: unknown backend 'mxnet': choose "
                                                                 "auto, tensorflow, jax, torch"),
    ("epochs not a number", ["run", "--epochs", "many"], None, 2, "invalid int value"),
    ("full profile changed", ["run", "--profile", "full", "--epochs", "3"], None, 2, "--profile full is the published protocol"),
    ("zero samples", ["run", "--profile", "custom", "--train-samples", "0"], None, 2, "train_samples must be between"),
    ("data folder missing", ["run", "--data", "/nowhere/at/all"], None, 2, "existing folder"),
    ("negative memory limit", ["run", "--host-memory-limit", "-2"], None, 2, "must be above zero"),
    ("several reports to a .json", ["run", "--model", "all", "--output", "{tmp}/one.json"], None, 2, "must be a folder"),
    ("several reports to a file", ["run", "--model", "all", "--output", "{tmp}/a-file"], None, 2, "is a file, not a folder"),
    ("output under /proc", ["run", "--model", "model_a", "--dataset", "mnist", "--data", "synthetic", "--output", "/proc/nope/r.json"], None, 2, "/proc/nope is not a writable folder"),
    ("output under a file", ["run", "--model", "model_a", "--dataset", "mnist", "--data", "synthetic",
      "--output", "{tmp}/a-file/r.json"], None, 2, "a-file is a file, not a folder"),
    ("data folder cannot be created", ["run", "--data", "synthetic"], "/proc/dlbench-home", 2, "set DLBENCH_HOME"),
    ("data folder is a file", ["history"], "{tmp}/a-file", 2, "a-file is a file, not a folder"),
    ("data folder read-only", ["run", "--data", "synthetic"], "/sys/kernel", 2, "cannot write in its data folder"),
    ("import into a read-only data folder", ["import", GOOD], "/sys/kernel", 2, "cannot write in its data folder"),
    # a file where dlbench keeps a folder (#33 B2: the run crashed, or a finished search lost its answer)
    ("a file where the datasets folder goes", ["run", "--data", "synthetic"], "{tmp}/home-datasets", 2,
     "home-datasets/datasets is a file where dlbench keeps a folder; move it away"),
    ("a file where the largest-batch folder goes", ["maxbatch", "--model", "model_a"], "{tmp}/home-maxbatch", 2,
     "home-maxbatch/maxbatch is a file where dlbench keeps a folder; move it away"),
    ("export of a missing file", ["export", "/no/such/report.json", "--output", "{tmp}/x.csv"], None, 2, "report.json: cannot be read"),
    ("export of a JSON list", ["export", "{tmp}/list.json", "--output", "{tmp}/x.csv"], None, 2, "holds a list"),
    ("export of NaN", ["export", "{tmp}/nan.json", "--output", "{tmp}/x.csv"], None, 2, "NaN is not a number a report may hold"),
    ("export of an overflowing number", ["export", "{tmp}/inf.json", "--output", "{tmp}/x.csv"], None, 2,
     "holds a number too large for a float"),
    ("export of a 400-digit integer", ["export", "{tmp}/huge.json", "--output", "{tmp}/x.csv"], None, 2,
     "holds a number too large for a report"),
    ("export of a wrong type", ["export", "{tmp}/wrong-type.json", "--output", "{tmp}/x.csv"], None, 2, "timing.epochs[0].loss"),
    ("export format against extension", ["export", GOOD, "--format", "pdf", "--output", "{tmp}/x.csv"], None, 2,
     "the name ends in .csv but the format chosen is PDF"),
    ("export format unknown", ["export", GOOD, "--output", "{tmp}/x.txt"], None, 2, "cannot tell the format"),
    ("export to a folder, no format", ["export", GOOD, "--output", "{tmp}"], None, 2, "say which format"),
    ("export under /proc", ["export", GOOD, "--output", "/proc/nope/x.csv"], None, 2, "not a writable folder"),
    ("batch search from zero", ["maxbatch", "--model", "model_a", "--start", "0"], None, 2,
     "--start must be a batch size between 1 and 65,536, got 0"),
    # unbounded or unchecked arguments (#33 B5): each refused before any work, where they had grown memory for ever,
    # crashed a started run, or probed and saved a "largest batch"
    ("a hundred billion repeats", ["run", "--repeat", "100000000000"], None, 2,
     "--repeat must be between 1 and 100, got 100,000,000,000"),
    ("negative seed", ["run", "--seed", "-1"], None, 2, "seed must be between 0 and 4,294,967,295, got -1"),
    ("30-digit seed", ["run", "--seed", "1" * 30], None, 2, "seed must be between 0 and 4,294,967,295"),
    ("batch search up to 0", ["maxbatch", "--model", "model_a", "--max", "0"], None, 2,
     "--max must be a batch size between 1 and 65,536, got 0"),
    ("batch search from a negative size", ["maxbatch", "--model", "model_a", "--start", "-8"], None, 2,
     "--start must be a batch size between 1 and 65,536, got -8"),
    ("batch search up to less than its start", ["maxbatch", "--model", "model_a", "--start", "64", "--max", "32"], None,
     2, "--max (32) is below --start (64): nothing to search"),
    ("batch search output under /proc", ["maxbatch", "--model", "model_a", "--output", "/proc/nope/m.json"], None, 2,
     "/proc/nope is not a writable folder"),
    ("a card without a budget", ["card", "--budget", "nan"], None, 2, "--budget must be between 0.5 and 10,000 hours"),
    ("a card with a budget of 1e300 h", ["card", "--budget", "1e300"], None, 2, "got 1e+300"),
    ("unknown command", ["frobnicate"], None, 2, "invalid choice"),
    # a line break in what an error quotes (#33 B6): escaped, so the one line stays one and cannot be followed by a
    # spoofed second line
    ("a line break in DLBENCH_HOME", ["history"], "/proc/nope\ndlbench: all is well", 2,
     "/proc/nope\\ndlbench: all is well"),
    # the cluster list (#26, 18): never an ordinary run in its place, no internal names, ASCII ports, IPv6 bracketed
    ("cluster of commas", ["run", "--profile", "custom", "--cluster", ",,,"], None, 2, "--cluster lists no HOST:PORT"),
    ("cluster port in other digits", ["run", "--profile", "custom", "--cluster", "a:\u0661\u0662\u0663,b:2"], None, 2,
     "is not HOST:PORT"),
    ("cluster port of 5,000 digits", ["run", "--profile", "custom", "--cluster", "a:" + "1" * 5000 + ",b:1"], None, 2,
     "is not HOST:PORT"),
    ("cluster IPv6 unbracketed", ["run", "--profile", "custom", "--cluster", "fe80::1:1234,[::1]:5"], None, 2,
     "an IPv6 address goes in brackets, as in [fe80::1]:1234"),
]


@pytest.mark.parametrize("name,args,home,code,words", BAD_INPUTS, ids=[row[0] for row in BAD_INPUTS])
def test_bad_input_gives_one_line_and_writes_nothing_out_of_place(tmp_path, dlbench_home, name, args, home, code, words):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    prepare(scratch)
    before = sorted(p.name for p in scratch.iterdir())
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    env = {**os.environ, "DLBENCH_HOME": (home or str(dlbench_home)).replace("{tmp}", str(scratch))}
    out = subprocess.run([sys.executable, "-m", "dlbench_gui", *[a.replace("{tmp}", str(scratch)) for a in args]],
                         capture_output=True, text=True, cwd=cwd, env={**env, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert out.returncode == code, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dlbench: error:"), out.stderr
    assert words in lines[0], lines[0]
    assert "Traceback" not in out.stderr + out.stdout
    # refused before any work: nothing written anywhere, no run started (a run's folder is made before its child)
    assert sorted(p.name for p in scratch.iterdir()) == before and not list(cwd.iterdir())
    assert not dlbench_home.exists() or not list((dlbench_home / "reports").glob("*.json"))
    assert not (dlbench_home / "runs").exists() or not list((dlbench_home / "runs").iterdir())


def test_an_unwritable_output_fails_before_any_work(tmp_path, dlbench_home):
    out = subprocess.run([sys.executable, "-m", "dlbench_gui", "run", "--model", "model_a", "--dataset", "mnist",
                          "--data", "synthetic", "--output", "/proc/nope/r.json"],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 2, out.stderr
    assert not dlbench_home.exists()  # refused before the data folder, a run's folder or its child was made


def test_import_and_validate_refuse_a_number_a_float_cannot_hold_and_keep_nothing(tmp_path, dlbench_home):
    """Found by a hostile tester (#26): an overflowing literal was "imported 1 report(s)" as Infinity, then skipped by
    the history as invalid: imported and lost. Now it is refused where it enters, one line each."""
    prepare(tmp_path)
    env = {**os.environ, "DLBENCH_HOME": str(dlbench_home), "PYTHONPATH": str(ROOT)}
    for name, words in (("inf.json", "holds a number too large for a float"),
                        ("huge.json", "holds a number too large for a report"),
                        ("1e200.json", "holds a number too large for a report (10^20 or more")):
        path = str(tmp_path / name)
        imported = subprocess.run([sys.executable, "-m", "dlbench_gui", "import", path], capture_output=True,
                                  text=True, env=env, timeout=120)
        assert imported.returncode == 1 and "imported 0 report(s)" in imported.stdout
        said = imported.stdout + imported.stderr
        assert f"not imported: {name}: {words}" in said and "Traceback" not in said
        valid = subprocess.run([sys.executable, "-m", "dlbench_gui", "validate", path], capture_output=True,
                               text=True, env=env, timeout=120)
        assert valid.returncode == 1 and words in valid.stdout + valid.stderr
    assert not list((dlbench_home / "reports").glob("*.json"))


def test_a_diverging_runs_nan_is_written_as_null_and_the_report_reads_back(tmp_path):
    from dlbench_gui.core.store.report import RunReport, load_report

    d = report_dict()
    d["timing"]["epochs"][0]["loss"] = float("nan")
    d["extra_curve"] = [1.0, float("inf"), float("-inf"), 1e200, 10**21, 3e19]  # what no reader takes is never written
    path = RunReport.from_dict(json.loads(json.dumps(d)), source="test").save(tmp_path / "r.json")
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text
    back = load_report(path)
    assert back.timing["epochs"][0]["loss"] is None and back.extra["extra_curve"] == [1.0, None, None, None, None, 3e19]


def test_numbers_are_said_without_overflow():
    from dlbench_gui.core.durations import format_bytes, format_duration

    assert format_duration(float("inf")) == "—" and format_duration(10**400) == "—"
    assert format_duration(1e300) == "over 31,000 years" and format_bytes(10**400) == "—"
    assert format_duration(90061) == "25 h 01 min"


def test_a_line_break_in_a_csv_cell_never_starts_a_row_or_a_formula(tmp_path):
    """A carriage return before a formula was written unquoted (#26): a spreadsheet read a new row starting with
    a live formula. Cells with a line break are quoted now (CRLF rows), and a line that starts like a formula is
    neutralised."""
    import csv
    import io

    from dlbench_gui.core.store.report import RunReport
    from dlbench_gui.export.csv_export import to_csv_text

    d = report_dict()
    d["status"], d["error"] = "failed", {"kind": "crash", "message": "died\r=cmd|' /C calc'!A0\n+SUM(A1)\r\n@x"}
    text = to_csv_text([RunReport.from_dict(d, source="test")])
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 2  # the header and the one run
    message = rows[1][rows[0].index("error_message")]
    assert message.startswith("died") and all(not line.startswith(("=", "+", "-", "@"))
                                              for line in message.replace("\r", "\n").split("\n"))
    assert '"died\r\'=cmd' in text  # quoted, neutralised


def test_the_worker_child_is_not_handed_what_would_break_it():
    """#33 B6: with PYTHONWARNINGS=error every child "crashed" on a framework's harmless warning, with a cryptic
    message. The child's environment is the user's less what breaks it (the real run with PYTHONWARNINGS=error is in
    integration/test_engine.py)."""
    from dlbench_gui.runner.child import child_environment

    env = child_environment({"PYTHONWARNINGS": "error", "PYTHONINSPECT": "1", "PYTHONDEVMODE": "1",
                             "PYTHONIOENCODING": "ascii", "PATH": "/usr/bin", "PYTHONPATH": "/somewhere"})
    assert not {"PYTHONWARNINGS", "PYTHONINSPECT", "PYTHONDEVMODE"} & set(env)
    assert env["PATH"] == "/usr/bin" and env["PYTHONPATH"] == "/somewhere"  # the rest is the user's, as it was
    assert env["PYTHONIOENCODING"] == "utf-8" and env["PYTHONUNBUFFERED"] == "1"


def test_any_stdout_encoding_gets_every_command_s_output_escaped_never_an_internal_error(tmp_path, dlbench_home):
    """#33 B6: with PYTHONIOENCODING=ascii and LC_ALL=C, `hw`, `history` and exports failed with an internal error
    (an export after its file was written). What the stream cannot encode is written escaped."""
    from tests.reports import valid_report

    valid_report(run_id="r-1").save(dlbench_home / "reports" / "r-1.json")
    env = {**os.environ, "DLBENCH_HOME": str(dlbench_home), "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "ascii",
           "LC_ALL": "C"}
    for args in (["hw"], ["history"], ["export", GOOD, "--output", str(tmp_path / "x.csv")]):
        out = subprocess.run([sys.executable, "-m", "dlbench_gui", *args], capture_output=True, env=env, timeout=120)
        said = (out.stdout + out.stderr).decode("ascii")  # nothing but ASCII reached the streams
        assert out.returncode == 0 and "internal error" not in said, (args, said)


def test_the_scan_for_too_large_numbers_finds_them_and_lets_ids_and_fractions_pass():
    """The C-speed scan decides whether each number is checked as it is parsed (docs/benchmarks.md): it must find
    every number of 10^20 or more, and should not send a report with hexadecimal ids or long fractions (every real
    report) down the slow path."""
    from dlbench_gui.core.store.report import ReportError, parse_report_json
    from dlbench_gui.core.store.storage import may_be_too_large

    for text in ('{"a": 1e20}', '{"a": 1E+20}', '{"a": [1, -2.5e+21]}', '{"a": 123456789012345678901.5}',
                 '{"a": 100000000000000000000}', '{"a": 12e19}', "1e300"):
        assert may_be_too_large(text), text
        with pytest.raises(ReportError, match="too large for a report"):
            parse_report_json(text, "x")
    for text in ('{"id": "3e45-12e44"}', '{"a": -0.00012345678901234567}', '{"a": 1.5e-05}', '{"a": 3e+19}',
                 '{"a": 99999999999999999999}', '{"s": "C++ 12"}', (ROOT / GOOD).read_text()):
        assert not may_be_too_large(text) or text == '{"a": 3e+19}', text  # 3e+19 is looked at, then passes
        parse_report_json(text, "x")


def test_a_deep_or_bloating_unknown_field_is_refused_or_kept_compact(tmp_path, dlbench_home):
    """#33 B3: an unknown field nested 950 deep passed `validate`, then import failed with a RecursionError; one of
    many small items was re-saved 30x larger, and the history then dropped it as too large."""
    from dlbench_gui.core.store.history import load_history
    from dlbench_gui.core.store.importing import import_reports
    from dlbench_gui.core.store.report import ReportError, parse_report_json

    deep = report_dict(run_id="deep")
    nested = 1
    for _ in range(950):
        nested = [nested]
    deep["unknown_deep"] = nested
    (tmp_path / "deep.json").write_text(json.dumps(deep))
    with pytest.raises(ReportError, match="nested too deeply to be a report"):
        parse_report_json((tmp_path / "deep.json").read_text(), "deep.json")
    outcome = import_reports([tmp_path / "deep.json"])
    assert outcome.imported == [] and "nested too deeply" in outcome.problems[0]
    wide = report_dict(run_id="wide")
    wide["unknown_rows"] = [[[0, 0, 0, 0]]] * 150_000  # 2.9 MB as a file; indented, each 0 on its own deep line
    (tmp_path / "wide.json").write_text(json.dumps(wide, separators=(",", ":")))
    assert import_reports([tmp_path / "wide.json"]).imported == ["wide"]
    saved = dlbench_home / "reports" / "wide.json"
    assert saved.stat().st_size < 2 * (tmp_path / "wide.json").stat().st_size  # kept compact, not 30x
    reports, problems = load_history()
    assert [r.run_id for r in reports] == ["wide"] and problems == []
