"""File → Import: reports (quick, validated in core) and dataset folders (hashing and copying ~55 MB runs on a
worker thread; the only question, which dataset an unidentified set is, is asked on the GUI thread)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

from ..core.config import DATASET_NAMES
from ..core.store.dataset_import import DatasetImportOutcome, FileSet, find_sets, import_sets
from ..core.store.idx import DatasetError
from ..core.store.importing import ImportOutcome, import_reports
from . import as_text
from .worker_thread import WorkerThread


def import_report_files(parent: QWidget, paths: list[str]) -> ImportOutcome | None:
    """The same import as `dlbench import` (validated, written only into the reports folder, nothing overwritten);
    anything the user should know in a dialog. None when no file was chosen."""
    if not paths:
        return None
    outcome = import_reports(paths)
    if outcome.problems or outcome.notes:
        box = QMessageBox.warning if outcome.problems else QMessageBox.information
        box(parent, "Import report", as_text("\n".join(outcome.lines())))
    return outcome


class DatasetImporter(QObject):
    """Find the file sets in a folder, ask which dataset any unidentified one is, check and copy them."""

    finished = Signal(object)  # DatasetImportOutcome
    progressed = Signal(str)

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self._parent = parent
        self._job: WorkerThread | None = None

    @property
    def busy(self) -> bool:
        return self._job is not None

    def start(self, folder: str) -> None:
        if self.busy:
            return
        self.progressed.emit(f"Looking for MNIST / Fashion-MNIST files in {folder}…")
        self._run(lambda: find_sets(folder), lambda sets: self._found(folder, sets))

    def _run(self, work: Callable[[], Any], then: Callable[[Any], None]) -> None:
        job = WorkerThread(work, errors=(DatasetError, OSError), parent=self)
        job.result.connect(then)
        job.error.connect(lambda exc: self._finish(DatasetImportOutcome({}, [str(exc)])))
        job.finished.connect(job.deleteLater)
        self._job = job
        job.start()

    def _found(self, folder: str, sets: list[FileSet]) -> None:
        self._job = None
        if not sets:
            self._finish(DatasetImportOutcome({}, [
                f"{folder}: no dataset files found (the four IDX files train-images-idx3-ubyte.gz, "
                "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz, or a .npz)"]))
            return
        choices: dict[Path, str] = {}
        for s in sets:
            if s.dataset is None:
                names = list(DATASET_NAMES.values())
                name, ok = QInputDialog.getItem(
                    self._parent, "Which dataset?",
                    as_text(f"The files in {s.folder} are not the official ones, so dlbench cannot tell which "
                            "dataset they are. Import them as:"), names, 0, False)
                if ok:
                    choices[s.folder] = next(k for k, v in DATASET_NAMES.items() if v == name)
        self.progressed.emit("Checking and copying the dataset files…")
        self._run(lambda: import_sets(sets, choices), self._finish)

    def _finish(self, outcome: DatasetImportOutcome) -> None:
        self._job = None
        lines = [f"Imported {DATASET_NAMES[k]}: {v}." for k, v in outcome.imported.items()] or ["Nothing imported."]
        self.progressed.emit(" ".join(lines))
        if outcome.problems:
            QMessageBox.warning(self._parent, "Import dataset",
                                as_text("\n".join(lines) + "\n\n" + "\n".join(outcome.problems)))
        self.finished.emit(outcome)

    def wait(self, ms: int = 30_000) -> None:
        if self._job is not None:
            self._job.wait(ms)
