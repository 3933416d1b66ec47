"""Export through a save dialog: one function per format behind `export.export_reports`, errors in a dialog."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from ..core.report import RunReport
from . import as_text

FILTERS = {"pdf": "PDF (*.pdf)", "csv": "CSV (*.csv)", "json": "JSON (*.json)"}


def export_with_dialog(parent: QWidget, reports: list[RunReport], fmt: str) -> Path | None:
    """Ask where, then write; None when there is nothing to export, the user cancels, or writing fails (said)."""
    from ..export import export_reports

    if not reports:
        QMessageBox.information(parent, "Export", "There is no run to export yet.")
        return None
    path, _ = QFileDialog.getSaveFileName(parent, f"Export {fmt.upper()}", f"dlbench-{reports[0].run_id}.{fmt}",
                                          FILTERS[fmt])
    if not path:
        return None
    try:
        return export_reports(reports, fmt, path)
    except OSError as exc:
        QMessageBox.critical(parent, "Export", as_text(f"Could not write {path}:\n{exc}"))
        return None
