"""A run's checkpoint is removed when the run no longer needs it: one place that deletes, only in the runs folder."""

from __future__ import annotations

from pathlib import Path

from ..core.store import storage

CHECKPOINT_NAME = "best_model.keras"


def checkpoint_path(run_dir: Path) -> str:
    return str(Path(run_dir) / CHECKPOINT_NAME)


def remove_checkpoints(run_dir: Path) -> None:
    """The run's checkpoint and any half-written temporary one, only ever inside dlbench's runs folder."""
    try:
        folder = Path(run_dir).resolve()
        if folder.parent != storage.runs_dir().resolve():
            return
        for path in folder.glob(CHECKPOINT_NAME + "*"):
            path.unlink()
    except OSError:
        pass
