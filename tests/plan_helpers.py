"""Shared by the plan tests of the CLI and the window: a counter of framework choices, and the children's
environment without any ML framework (the NumPy reference runtime needs none)."""

import threading

from tests.conftest import ROOT

REFERENCE = "numpy_reference"
NO_FRAMEWORKS = str(ROOT / "tests" / "fixtures" / "no_frameworks")


def count_choices(monkeypatch) -> list[tuple[str, str]]:
    """Every framework choice made from now on, as (what was asked, the thread that asked): through the registry's
    one chooser, and through the runner's fallback for a run outside a plan (the only other way a run could choose)."""
    from dlbench_gui.core import backend_choice
    from dlbench_gui.runner import runner

    calls: list[tuple[str, str]] = []
    real = backend_choice.choose_backend

    def counted(requested, hardware, *args, **kwargs):
        calls.append((requested, threading.current_thread().name))
        return real(requested, hardware, *args, **kwargs)

    monkeypatch.setattr(backend_choice, "choose_backend", counted)
    monkeypatch.setattr(runner, "choose_backend", counted)
    return calls
