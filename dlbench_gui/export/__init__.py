"""Export: CSV, JSON and PDF (Qt's own PDF writer, no browser). Never imports TensorFlow."""

from __future__ import annotations

import os
from pathlib import Path

from ..core.report import RunReport


def export_reports(reports: list[RunReport], fmt: str, output: str | os.PathLike) -> Path:
    if fmt == "csv":
        from .csv_export import write_csv

        return write_csv(reports, output)
    if fmt == "json":
        from .json_export import write_json

        return write_json(reports, output)
    if fmt == "pdf":
        from .pdf_export import write_pdf

        return write_pdf(reports, output)
    raise ValueError(f"unknown export format {fmt!r}")
