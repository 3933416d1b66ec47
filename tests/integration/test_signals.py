"""Ctrl+C and SIGTERM on `dlbench run`, for real: once is a clean stop with a cancelled report, twice is an
immediate exit; either way no child process is left behind."""

import json
import queue
import signal
import subprocess
import threading
import time

import psutil
import pytest

from tests.conftest import PY, ROOT, children_alive

pytestmark = pytest.mark.slow


def start_long_run(out):
    proc = subprocess.Popen([PY, "-m", "dlbench_gui", "run", "--model", "model_a", "--dataset", "mnist", "--data",
                             "synthetic", "--profile", "custom", "--epochs", "50", "--train-samples", "1280",
                             "--val-samples", "64", "--output", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stderr], daemon=True).start()
    seen = []
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        seen.append(line)
        if line.strip().startswith("step "):
            break
    else:
        proc.kill()
        pytest.fail("training never started: " + "".join(seen)[-2000:])
    children = [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    assert children, "the run has no worker child"
    return proc, children, lines


def rest(lines):
    out = []
    while True:
        try:
            out.append(lines.get(timeout=2))
        except queue.Empty:
            return "".join(out)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_one_interrupt_stops_cleanly_with_a_cancelled_report(tmp_path, sig):
    out = tmp_path / "r.json"
    proc, children, lines = start_long_run(out)
    t0 = time.monotonic()
    proc.send_signal(sig)
    rc = proc.wait(timeout=60)
    elapsed = time.monotonic() - t0
    stderr = rest(lines)
    assert rc == 130, stderr
    assert elapsed < 15 and "stopping…" in stderr and "Traceback" not in stderr
    report = json.loads(out.read_text())
    assert report["status"] == "cancelled" and report["error"]["kind"] == "cancelled"
    assert not children_alive(children)


def test_a_second_ctrl_c_exits_at_once_and_leaves_no_child(tmp_path, dlbench_home):
    proc, children, lines = start_long_run(tmp_path / "r.json")
    proc.send_signal(signal.SIGINT)
    said = []
    while not any("stopping…" in line for line in said):  # the first Ctrl+C was taken: a clean stop is under way
        said.append(lines.get(timeout=60))
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    rc = proc.wait(timeout=60)
    stderr = "".join(said) + rest(lines)
    assert rc == 130 and time.monotonic() - t0 < 5, stderr
    assert "Traceback" not in stderr and stderr.strip().splitlines()[-1] == "dlbench: interrupted"
    assert not children_alive(children)
    (saved,) = [json.loads(p.read_text()) for p in (dlbench_home / "reports").glob("*.json")]
    assert saved["status"] == "cancelled"  # nothing lost: the history keeps the run, not 'running'
