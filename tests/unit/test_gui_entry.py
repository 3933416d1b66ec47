"""`dlbench-gui` before any window (#26, 11): --help prints its usage, a machine without a display gets one line
saying what to do (and nothing is written), and its numbers refuse non-finite values. Real processes, no Qt needed."""

import os
import subprocess
import sys

from tests.conftest import ROOT

ENTRY = "import sys; from dlbench_gui.gui.app import entry; sys.argv[0] = 'dlbench-gui'; entry()"


def gui(*args, env):
    return subprocess.run([sys.executable, "-c", ENTRY, *args], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=120)


def headless(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    return {**env, "DLBENCH_HOME": str(tmp_path / "home")}


def test_help_prints_the_usage_and_opens_nothing(tmp_path):
    out = gui("--help", env=headless(tmp_path))
    assert out.returncode == 0 and out.stdout.startswith("usage: dlbench-gui") and "--quit-after SECONDS" in out.stdout
    assert "-platform offscreen" in out.stdout and not (tmp_path / "home").exists()


def test_without_a_display_one_line_says_what_to_do_and_nothing_is_written(tmp_path):
    out = gui(env=headless(tmp_path))
    assert out.returncode == 2 and out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dlbench-gui: no display here") and "QT_QPA_PLATFORM=offscreen" in lines[0]
    assert "dlbench run" in lines[0] and not (tmp_path / "home").exists()  # no log in the data folder either


def test_a_non_finite_number_is_refused_in_one_line(tmp_path):
    # 3e6 s: beyond Qt's longest timer (#33 B4: it raised inside the event loop)
    for value in ("nan", "inf", "-1", "soon", "3000000", "1e12"):
        out = gui("--quit-after", value, env=headless(tmp_path))
        lines = out.stderr.strip().splitlines()
        assert out.returncode == 2 and len(lines) == 1 and lines[0].startswith("dlbench-gui: error: argument --quit-after")


def test_the_display_rule():
    from dlbench_gui.gui.app import no_display_reason

    assert no_display_reason([], environ={}, platform="linux") is not None
    assert no_display_reason([], environ={"DISPLAY": ":0"}, platform="linux") is None
    assert no_display_reason([], environ={"QT_QPA_PLATFORM": "offscreen"}, platform="linux") is None
    assert no_display_reason(["-platform", "offscreen"], environ={}, platform="linux") is None
    assert no_display_reason([], environ={}, platform="win32") is None  # Windows and macOS always have one
