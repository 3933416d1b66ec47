"""Export: CSV, JSON and PDF (Qt's own PDF writer, no browser). Never imports TensorFlow."""

from __future__ import annotations

import os
from pathlib import Path

from ..core.store.report import RunReport


FORMATS = ("pdf", "csv", "json")


class FormatError(ValueError):
    """The format asked for and the file name disagree, or neither says one."""


def export_format(output: str | os.PathLike, chosen: str | None) -> str:
    """The format to write: the one chosen (--format, the dialog's filter), else the file's extension; a chosen
    format and a known extension that disagree are refused (a file named x.csv never holds PDF bytes)."""
    ext = Path(output).suffix.lower().lstrip(".")
    if chosen is None:
        if ext not in FORMATS:
            raise FormatError(f"cannot tell the format from {Path(output).name!r}: end the name in .pdf, .csv "
                              "or .json, or choose a format")
        return ext
    if ext in FORMATS and ext != chosen:
        raise FormatError(f"the name ends in .{ext} but the format chosen is {chosen.upper()}")
    return chosen


def export_reports(reports: list[RunReport], fmt: str, output: str | os.PathLike, shown=None) -> Path:
    """`shown`: the card as the window shows it (core/view/card.Card): the PDF opens with that very card and the CSV
    carries its figures, never one computed again from the exported runs alone (#33: the card's PDF named another
    run's figures)."""
    if fmt == "csv":
        from .csv_export import write_csv

        return write_csv(reports, output, shown)
    if fmt == "json":
        from .json_export import write_json

        return write_json(reports, output)
    if fmt == "pdf":
        from .pdf_export import write_pdf

        return write_pdf(reports, output, shown)
    raise ValueError(f"unknown export format {fmt!r}")
