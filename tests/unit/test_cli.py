import json
import subprocess
import sys

from tests.conftest import ROOT


def dlbench(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "dlbench_gui", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout)


def test_hw_json_has_cpu_ram_disk_and_says_no_gpu_plainly():
    out = dlbench("hw", "--json")
    assert out.returncode == 0, out.stderr
    hw = json.loads(out.stdout)
    assert hw["cpu"]["logical_cores"] >= 1 and hw["memory"]["total_bytes"] > 0 and hw["disk"]["free_bytes"] > 0
    # the vendor-neutral list (#32): empty here, with the reason
    assert hw["gpu"]["accelerators"] == [] and hw["gpu"]["summary"] == "no GPU or other accelerator found"
    assert hw["gpu"]["accelerators_reason"].startswith("none found: no NVIDIA GPU (NVML: ")
    text = dlbench("hw").stdout
    assert "GPU:    none found: no NVIDIA GPU (NVML: " in text and "RAM:" in text


def test_repeat_summary_gives_mean_spread_each_run_and_the_between_run_interval():
    from dlbench_gui.core.view.present import repeat_summary
    from dlbench_gui.core.store.report import RunReport

    def run(t, status="completed"):
        return RunReport(run_id=f"r{t}", status=status, config={"model": "model_a", "dataset": "mnist",
                                                                 "profile": "custom"},
                         timing={"execution_time_s": t})

    text = repeat_summary([run(100.0), run(110.0), run(120.0), run(5.0, status="failed")])
    assert "3 runs counted (measured execution time): mean 1 min 50 s" in text
    assert "standard deviation 10 s" in text and "each: 1 min 40 s, 1 min 50 s, 2 min 00 s" in text
    # t(2) = 4.303: 110 ± 4.303 x 10 / sqrt(3) = 110 ± 24.8 s
    assert "95% interval of the mean across runs: 1 min 25 s – 2 min 15 s" in text
    assert repeat_summary([run(5.0, status="failed")]) == "  repeats: no completed run"
    assert "DISAGREE" not in text  # measured runs carry no interval to disagree with



def test_two_repeats_give_their_range_never_an_interval_from_0_ms_and_a_disturbed_one_is_named():
    """#26, 2: "95% interval of the mean across runs: 0 ms – 3 d 5 h" with two runs, and the disturbed repeat was
    listed neither as counted nor as not counted."""
    from dlbench_gui.core.store.report import RunReport
    from dlbench_gui.core.view.present import repeat_summary

    def run(t, busy=0.0, i=0):
        findings = {"interference": {"verdict": "interfered" if busy > 0.05 else "quiet", "other_cpu_share": busy}}
        return RunReport(run_id=f"r{i}", status="completed", created_at=f"2026-11-30T10:0{i}:00+00:00",
                         config={"model": "model_a", "dataset": "mnist", "profile": "custom"},
                         timing={"execution_time_s": t}, findings=findings)

    two = repeat_summary([run(20 * 3600 + 37 * 60, i=1), run(10 * 3600 + 56 * 60, i=2)])
    assert "range of the runs: 10 h 56 min – 20 h 37 min" in two and "0 ms" not in two
    spread = repeat_summary([run(100.0, i=1), run(1000.0, i=2), run(5000.0, i=3)])  # a t-interval would reach 0
    assert "range of the runs: 1 min 40 s – 1 h 23 min" in spread and "0 ms" not in spread
    busy = repeat_summary([run(100.0, i=1), run(300.0, busy=0.27, i=2)])
    assert "1 run counted" in busy and "not counted: 5 min 00 s, other programs were busy (27% of the machine)" in busy


def test_repeats_whose_intervals_do_not_overlap_are_said_to_disagree():
    from dlbench_gui.core.view.present import repeat_summary
    from dlbench_gui.core.store.report import RunReport

    def quick(t, lo, hi):
        return RunReport(run_id=f"q{t}", status="completed", config={"model": "model_a", "profile": "quick"},
                         estimate={"execution_time_s": t, "execution_time_ci95_s": [lo, hi]})

    agree = repeat_summary([quick(100.0, 90.0, 110.0), quick(105.0, 95.0, 115.0)])
    assert "DISAGREE" not in agree
    clash = repeat_summary([quick(100.0, 90.0, 110.0), quick(105.0, 95.0, 115.0), quick(190.0, 170.0, 210.0)])
    assert "THE RUNS DISAGREE beyond their intervals: run 1 (1 min 30 s – 1 min 50 s) and run 3" in clash


GOOD = ROOT / "tests" / "gui" / "data" / "report_model_a_custom.json"


def test_validate_prints_one_line_per_file_and_fails_if_any_is_invalid(tmp_path):
    from tests.reports import report_dict

    bad = tmp_path / "bad.json"
    d = report_dict()
    d["config"]["model"] = "model_q"
    bad.write_text(json.dumps(d))
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps([report_dict(), report_dict()]))
    out = dlbench("validate", str(GOOD), str(bad), str(listed))
    assert out.returncode == 1
    lines = out.stdout.strip().splitlines()
    assert lines[0] == f"ok: {GOOD}"
    assert lines[1].startswith(f"invalid: {bad}: ") and "config.model: unknown value 'model_q'" in lines[1]
    assert lines[2] == f"ok: {listed} (2 reports)" and len(lines) == 3
    assert dlbench("validate", str(GOOD)).returncode == 0


def test_import_then_history_shows_the_report_and_names_a_skipped_file(tmp_path, dlbench_home):
    out = dlbench("import", str(GOOD))
    assert out.returncode == 0 and out.stdout.startswith("imported 1 report(s)"), out.stderr
    (dlbench_home / "reports" / "broken.json").write_text("{ not json")
    hist = dlbench("history")
    assert hist.returncode == 0 and "20261128-232357-model_a-mnist-ad8392" in hist.stdout
    (warning,) = hist.stderr.strip().splitlines()
    assert warning.startswith("dlbench: warning: skipped broken.json: not valid JSON")
    again = dlbench("import", str(tmp_path / "missing.json"))
    assert again.returncode == 1 and "not imported: missing.json: cannot be read" in again.stdout


def test_export_takes_the_format_from_the_extension_or_writes_into_a_folder(tmp_path):
    out = dlbench("export", str(GOOD), "--output", str(tmp_path / "x.csv"))
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "x.csv").read_text().startswith("setup,cpu,gpu")
    folder = tmp_path / "exports"
    folder.mkdir()
    out = dlbench("export", str(GOOD), "--format", "json", "--output", str(folder))
    assert out.returncode == 0, out.stderr
    (written,) = folder.iterdir()
    assert written.suffix == ".json" and json.loads(written.read_text())["run_id"]


def test_hw_writes_nothing(tmp_path):
    import os

    home = tmp_path / "never-made"
    out = subprocess.run([sys.executable, "-m", "dlbench_gui", "hw"], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "DLBENCH_HOME": str(home)}, timeout=120)
    assert out.returncode == 0 and "RAM:" in out.stdout
    assert not home.exists()


def test_a_probe_failing_for_another_reason_than_memory_is_one_line_and_exit_1(monkeypatch, capsys):
    from dlbench_gui import cli
    from dlbench_gui.runner import maxbatch

    def probe(model, dataset, bs, **kw):  # injected: the child crashed at the first probe
        return {"batch_size": bs, "outcome": "error", "error_kind": "crash", "error_message": "segfault in a kernel"}

    monkeypatch.setattr(maxbatch, "probe", probe)
    assert cli.main(["maxbatch", "--model", "model_a"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == ("dlbench: failed: probe at batch 64 failed for a reason other than memory: crash: "
                       "segfault in a kernel")


def test_models_failing_is_one_line_and_exit_1_with_a_worker_that_dies(monkeypatch, capsys):
    from dlbench_gui import cli
    from dlbench_gui.runner import describe

    real = describe.fetch_model_facts
    dying = [sys.executable, "-c", "import sys; sys.stdin.readline(); sys.exit(3)"]  # injected: a worker that dies
    monkeypatch.setattr(describe, "fetch_model_facts", lambda **kw: real(timeout_s=60, command=dying, **kw))
    assert cli.main(["models"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("dlbench: failed: the worker ended without describing the models")


def test_run_help_gives_a_newcomer_the_defaults():
    """#26, 12: `dlbench run --help` said no defaults."""
    text = " ".join(dlbench("run", "--help").stdout.split())
    for words in ("--model {model_a,model_b,all} default: all (both models)", "default: all (both datasets)",
                  "quick (default): measure briefly", "default: 45 s", "default: 100 as published",
                  "default: 64 as published", "a cap: a run stops sooner"):
        assert words in text, words


def test_history_is_a_table_with_date_verdict_precision_backend_and_load_and_a_cancelled_run_has_no_figures(
        tmp_path):
    """#26, 12 and 5: `dlbench history` had no date, verdict, reliability, precision or backend column and its
    columns did not line up; a cancelled run said "exec — (measured)"."""
    import os

    from tests.reports import report_dict

    reports = tmp_path / "home" / "reports"
    reports.mkdir(parents=True)
    done = report_dict(run_id="done-run", created_at="2026-11-29T10:00:00+00:00", config__precision="mixed_bfloat16",
                       findings={"interference": {"verdict": "interfered", "other_cpu_share": 0.3}})
    stopped = report_dict(run_id="stopped-run", created_at="2026-11-29T11:00:00+00:00", status="cancelled",
                          error={"kind": "cancelled", "title": "Cancelled", "message": "stopped"})
    stopped["timing"] = {"epochs": []}
    for d in (done, stopped):
        (reports / f"{d['run_id']}.json").write_text(json.dumps(d))
    out = subprocess.run([sys.executable, "-m", "dlbench_gui", "history"], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "DLBENCH_HOME": str(tmp_path / "home")}, timeout=120)
    assert out.returncode == 0, out.stderr
    header, *rows = out.stdout.splitlines()
    for column in ("date", "model", "dataset", "profile", "precision", "backend", "status", "execution", "verdict",
                   "machine load", "run id"):
        assert column in header
    assert len(rows) == 2 and all(r.index(r.split()[-1]) == header.index("run id") for r in rows)  # aligned
    by_id = {r.split()[-1]: r for r in rows}
    assert "2026-11-29 10:00" in by_id["done-run"] and "mixed_bfloat16" in by_id["done-run"]
    assert "TensorFlow" in by_id["done-run"] and "UNRELIABLE: 30% busy" in by_id["done-run"]
    assert "not comparable" in by_id["done-run"]  # the recorded run is a custom protocol
    execution = by_id["stopped-run"][header.index("execution"):header.index("verdict")].strip()
    assert execution == "—" and "(measured)" not in by_id["stopped-run"]


def test_the_cli_never_gives_the_windows_advice():
    """#26, 19: after a hang the CLI printed "Press Start"; it names its own command."""
    from dlbench_gui.cli.text import CLI_START, card_text
    from dlbench_gui.core.view.card import card

    assert "Press Start to measure" in card([], first_run_s=300).recommendation  # the window's card
    text = card_text(card([], first_run_s=300, start=CLI_START))
    assert "Press Start" not in text and "Run `dlbench run` to measure this machine (about 5 min 00 s)" in text


def test_an_output_that_is_a_device_is_written_through_and_a_socket_refused_in_one_line(tmp_path):
    """#33 B1: `--output /dev/null` as root replaced the system's /dev/null with a regular file and said "written"."""
    import os
    import socket
    import stat

    from tests.unit.test_storage import a_null_device

    node = a_null_device(tmp_path)
    out = dlbench("export", str(GOOD), "--format", "json", "--output", str(node))
    assert out.returncode == 0, out.stderr
    assert stat.S_ISCHR(os.stat(node).st_mode)
    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(path))
        out = dlbench("maxbatch", "--model", "model_a", "--output", str(path))
    assert out.returncode == 2 and out.stderr.strip() == f"dlbench: error: {path} is a socket, not a file: dlbench " \
                                                          "writes files and never replaces anything else", out.stderr



def test_output_whose_reader_has_gone_ends_quietly_with_exit_0(tmp_path):
    """`dlbench hw | head -1`: the reader closes the pipe before dlbench has written; dlbench ends quietly with 0, not
    "Broken pipe" with 2 (#33). The pipe's read end is closed before the process starts writing."""
    import os

    p = subprocess.Popen([sys.executable, "-m", "dlbench_gui", "hw"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         cwd=ROOT, env={**os.environ, "DLBENCH_HOME": str(tmp_path / "home")})
    p.stdout.close()
    err = p.stderr.read().decode()
    assert p.wait(timeout=120) == 0 and err == ""
