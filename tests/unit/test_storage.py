import json
import os

import pytest

from dlbench_gui.core.store import storage


def test_atomic_write_replaces_whole_or_not_at_all(tmp_path, monkeypatch):
    target = tmp_path / "report.json"
    storage.atomic_write_json(target, {"v": 1})

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)  # failure injected at the one file-writing function
    with pytest.raises(storage.DiskFullError, match="disk full"):
        storage.atomic_write_json(target, {"v": 2})
    assert json.loads(target.read_text()) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary file left behind


def test_journal_keeps_lines_and_drops_a_torn_last_one(tmp_path):
    j = storage.Journal(tmp_path / "events.jsonl")
    j.append({"type": "epoch", "epoch": 1}, sync=True)
    j.append({"type": "epoch", "epoch": 2})
    j.close()
    with open(tmp_path / "events.jsonl", "a") as fh:
        fh.write('{"type": "epo')
    assert [e["epoch"] for e in storage.read_journal(tmp_path / "events.jsonl")] == [1, 2]


def test_data_dir_honours_dlbench_home(dlbench_home):
    assert storage.reports_dir().parent == dlbench_home
