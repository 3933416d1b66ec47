"""The menu bar and its shortcuts: File, Run, View, Help."""

from __future__ import annotations

from typing import Callable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenuBar, QWidget

Open, Quit = QKeySequence.StandardKey.Open, QKeySequence.StandardKey.Quit
MENUS = [  # (menu, [(key, text, shortcut) or None for a separator])
    ("&File", [("import", "&Import report…", Open), ("import_dataset", "Import &dataset folder…", None),
               ("export", "&Export selected…", "Ctrl+E"), None, ("quit", "&Quit", Quit)]),
    ("&Run", [("start", "&Start", "Ctrl+R"), ("stop", "S&top", "Esc"), None,
              ("maxbatch", "Find largest &batch…", "Ctrl+B")]),
    ("&View", [("tab0", "&Live", "Ctrl+1"), ("tab1", "&Results", "Ctrl+2"), ("tab2", "&Compare", "Ctrl+3"),
               ("log", "Show &log", "Ctrl+L")]),
    ("&Help", [("about", "&About dlbench", None)]),
]


def build_menus(bar: QMenuBar, owner: QWidget, slots: dict[str, Callable]) -> dict[str, QAction]:
    """Every action of MENUS, connected to `slots[key]`; returns the actions by key."""
    actions = {}
    for title, items in MENUS:
        menu = bar.addMenu(title)
        for item in items:
            if item is None:
                menu.addSeparator()
                continue
            key, text, shortcut = item
            action = QAction(text, owner)
            if shortcut is not None:
                action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(slots[key])
            menu.addAction(action)
            actions[key] = action
    return actions
