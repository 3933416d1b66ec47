"""The mouse wheel over the setup (#26, 6): scrolling the column must not change a setting; a spin box or combo box
takes the wheel only once focused. Real wheel events through Qt, no private attributes."""

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication


def wheel(widget, steps: int = -3) -> None:
    pos = QPointF(widget.rect().center())
    event = QWheelEvent(pos, QPointF(widget.mapToGlobal(pos.toPoint())), QPoint(0, 0), QPoint(0, 120 * steps),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_the_wheel_changes_nothing_until_a_box_is_focused(make_window, qtbot):
    w = make_window()
    w.show()
    qtbot.waitExposed(w)
    s = w.setup
    s.budget.setEnabled(True)
    before = (s.budget.value(), s.profile_combo.currentData(), s.repeat.value(), w.results.budget.value())
    for box in (s.budget, s.profile_combo, s.repeat, w.results.budget):
        assert not box.hasFocus() and box.focusPolicy() == Qt.FocusPolicy.StrongFocus
        wheel(box)
    assert (s.budget.value(), s.profile_combo.currentData(), s.repeat.value(), w.results.budget.value()) == before
    s.repeat.setFocus()
    qtbot.waitUntil(s.repeat.hasFocus, timeout=2000)
    with qtbot.waitSignal(s.repeat.valueChanged, timeout=2000):
        wheel(s.repeat, steps=2)  # focused: the wheel is the person's choice
    assert s.repeat.value() == 3
