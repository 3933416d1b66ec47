"""Export through a save dialog: one function per format behind `export.export_reports`, errors in a dialog."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from ..core.store.report import RunReport
from ..core.store.storage import data_dir
from . import as_text
from .settings import Settings

FILTERS = {"pdf": "PDF (*.pdf)", "csv": "CSV (*.csv)", "json": "JSON (*.json)"}
FOLDER_KEY = "export/folder"  # the folder the last export went to


def suggested_name(reports: list[RunReport], card: bool = False) -> str:
    """A name for what is exported, without its extension: the run (model, dataset, date), the card, or N runs."""
    day = max((r.created_at or "")[:10] for r in reports) or "runs"
    if card:
        return f"dlbench-card-{len(reports)}-run{'s' if len(reports) > 1 else ''}-{day}"
    if len(reports) == 1:
        return f"dlbench-{reports[0].model}-{reports[0].dataset}-{day}"
    return f"dlbench-{len(reports)}-runs-{day}"


def with_format(path: str, fmt: str) -> str:
    """The name with the chosen format's extension: added where it has none, put in place of another format's."""
    p = Path(path)
    if p.suffix.lower() == f".{fmt}":
        return path
    if p.suffix.lower().lstrip(".") in FILTERS:
        return str(p.with_suffix(f".{fmt}"))
    return f"{path}.{fmt}"


def export_with_dialog(parent: QWidget, reports: list[RunReport], fmt: str, settings: Settings | None = None,
                       card: bool = False, shown=None) -> Path | None:
    """Ask where and as what (the three formats; `fmt` is preselected; in the folder of the last export, else the data
    folder; a name for what is exported), then write. The chosen filter decides the format and the extension.
    None when there is nothing to export, the user cancels, or the file cannot be written (said)."""
    from ..export import FormatError, export_format, export_reports

    if not reports:
        QMessageBox.information(parent, "Export", "There is no run to export yet.")
        return None
    folder = settings.get(FOLDER_KEY, "") if settings is not None else ""
    if not folder or not Path(folder).is_dir():
        folder = str(data_dir())
    start = str(Path(folder) / f"{suggested_name(reports, card)}.{fmt}")
    path, chosen_filter = QFileDialog.getSaveFileName(parent, "Export", start, ";;".join(FILTERS.values()),
                                                      FILTERS[fmt])
    if not path:
        return None
    chosen = next((k for k, v in FILTERS.items() if v == chosen_filter), None)
    if chosen:
        path = with_format(path, chosen)
    try:
        out = export_reports(reports, export_format(path, chosen), path, shown)
    except FormatError as exc:
        QMessageBox.warning(parent, "Export", as_text(f"Not exported: {exc}."))
        return None
    except OSError as exc:
        QMessageBox.critical(parent, "Export", as_text(f"Could not write {path}:\n{exc}"))
        return None
    if settings is not None:
        settings.set(FOLDER_KEY, str(Path(path).resolve().parent))
    return out
