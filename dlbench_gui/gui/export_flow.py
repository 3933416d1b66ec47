"""Export through a save dialog: one function per format behind `export.export_reports`, errors in a dialog."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from ..core.store.report import RunReport
from . import as_text

FILTERS = {"pdf": "PDF (*.pdf)", "csv": "CSV (*.csv)", "json": "JSON (*.json)"}


def export_with_dialog(parent: QWidget, reports: list[RunReport], fmt: str) -> Path | None:
    """Ask where and as what (the three formats; `fmt` is preselected), then write. The chosen filter decides the
    format, a name without an extension gets the format's, and a name whose extension disagrees is refused.
    None when there is nothing to export, the user cancels, or the file is refused or cannot be written (said)."""
    from ..export import FormatError, export_format, export_reports

    if not reports:
        QMessageBox.information(parent, "Export", "There is no run to export yet.")
        return None
    path, chosen_filter = QFileDialog.getSaveFileName(parent, "Export", f"dlbench-{reports[0].run_id}.{fmt}",
                                                      ";;".join(FILTERS.values()), FILTERS[fmt])
    if not path:
        return None
    chosen = next((k for k, v in FILTERS.items() if v == chosen_filter), None)
    if chosen and not Path(path).suffix:
        path += f".{chosen}"
    try:
        return export_reports(reports, export_format(path, chosen), path)
    except FormatError as exc:
        QMessageBox.warning(parent, "Export", as_text(f"Not exported: {exc}."))
    except OSError as exc:
        QMessageBox.critical(parent, "Export", as_text(f"Could not write {path}:\n{exc}"))
    return None
