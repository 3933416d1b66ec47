"""Reports for tests that save and load: a real report (a tiny custom run of Model A, recorded) with changes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).resolve().parent / "gui" / "data" / "report_model_a_custom.json"


def report_dict(**changes: Any) -> dict[str, Any]:
    """The recorded report as a dict; a change `a__b=v` sets data['a']['b'] = v (sections are merged, not replaced)."""
    data = copy.deepcopy(json.loads(FIXTURE.read_text()))
    for key, value in changes.items():
        *parents, leaf = key.split("__")
        node = data
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return data


def valid_report(**changes: Any):
    from dlbench_gui.core.store.report import RunReport

    return RunReport.from_dict(report_dict(**changes))
