import pytest

from dlbench_gui.runner.child import live_children


@pytest.fixture
def settings_path(tmp_path):
    return str(tmp_path / "settings.ini")


@pytest.fixture
def make_window(qtbot, settings_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    # A test that fails mid-run must not leave a modal "stop and quit?" dialog blocking the suite.
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    from dlbench_gui.gui.main_window import MainWindow
    from dlbench_gui.gui.settings import Settings

    made = []

    def make(**kw):
        w = MainWindow(settings=Settings(settings_path), **kw)
        qtbot.addWidget(w)
        made.append(w)
        return w

    yield make
    for w in made:
        w.shutdown()
        qtbot.waitUntil(lambda: w.thread is None, timeout=10_000)  # let the queued 'all finished' slot run
        assert w.thread is None or not w.thread.isRunning(), "a QThread outlived the test"
        for timer in (w.plots.timer, w.log_panel.timer, w.status_line.clock):
            assert not timer.isActive(), "a QTimer outlived the test"
    assert not live_children(), "a worker child outlived the test"


def choose(window, models=("model_a",), datasets=("mnist",), profile="custom", epochs=1, train=128, val=64):
    s = window.setup
    for k, b in s.model_boxes.items():
        b.setChecked(k in models)
    for k, b in s.dataset_boxes.items():
        b.setChecked(k in datasets)
    s.data_combo.setCurrentIndex(s.data_combo.findData("synthetic"))
    s.profile_combo.setCurrentIndex(s.profile_combo.findData(profile))
    if profile == "custom":
        s.epochs.setValue(epochs)
        s.train_samples.setValue(train)
        s.val_samples.setValue(val)


@pytest.fixture(autouse=True)
def _widgets_app(qapp):
    """A QApplication exists before any test runs, whatever the order: the PDF writer would otherwise make a bare
    QGuiApplication (as it does headless in the CLI), on which no window can be made."""
    return qapp
