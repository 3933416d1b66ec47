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


def a_null_device(tmp_path):
    """A character device like /dev/null (major 1, minor 3) made in TMP_PATH, so that a wrong write replaces this
    copy, never the system's; needs root (mknod), as the hostile tester's `--output /dev/null` did."""
    import stat

    node = tmp_path / "null"
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("mknod needs root here")
    return node


def test_a_character_device_is_written_through_never_replaced(tmp_path):
    import stat

    node = a_null_device(tmp_path)
    assert storage.atomic_write_json(node, {"v": 1}) == node
    assert stat.S_ISCHR(os.stat(node).st_mode) and [p.name for p in tmp_path.iterdir()] == ["null"]


def test_a_pipe_is_written_through_to_its_reader_and_a_pipe_nobody_reads_is_refused_at_once(tmp_path):
    import stat
    import threading

    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="a pipe that nobody reads: nothing was written"):
        storage.atomic_write_bytes(fifo, b"x")
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    # the reader opens the pipe in its own time: until then the write is refused, and it is tried again
    from tests.conftest import wait_until

    def written():
        try:
            storage.atomic_write_bytes(fifo, b"a report")
            return True
        except OSError:
            return False

    wait_until(written, timeout_s=30)
    reader.join(30)
    assert got == [b"a report"] and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_socket_is_refused_before_any_work_and_stays(tmp_path):
    import socket
    import stat

    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(path))
        with pytest.raises(storage.NotARegularFileError, match="is a socket, not a file"):
            storage.check_output_file(path)
        with pytest.raises(storage.NotARegularFileError):
            storage.atomic_write_json(path, {"v": 1})
        assert stat.S_ISSOCK(os.stat(path).st_mode)
