"""JSON export: the full report (one object), or a list of them for several."""

from __future__ import annotations

import os
from pathlib import Path

from ..core.store.report import RunReport
from ..core.store.storage import atomic_write_json


def write_json(reports: list[RunReport], output: str | os.PathLike) -> Path:
    data = reports[0].to_dict() if len(reports) == 1 else [r.to_dict() for r in reports]
    return atomic_write_json(output, data)
