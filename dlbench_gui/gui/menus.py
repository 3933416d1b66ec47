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
              ("maxbatch", "Find largest &batch…", "Ctrl+B"),
              ("frameworks", "Check which devices each &framework sees", None)]),
    ("&View", [("tab0", "&Live", "Ctrl+1"), ("tab1", "&Results", "Ctrl+2"), ("tab2", "&Compare", "Ctrl+3"),
               ("log", "Show &log", "Ctrl+L")]),
    ("&Help", [("how", "&How dlbench measures", "F1"), ("shortcuts", "&Keyboard shortcuts", "Ctrl+/"), None,
               ("about", "&About dlbench", None)]),
]


def shortcuts_html() -> str:
    """Every menu action that has a shortcut, as a table (Help → Keyboard shortcuts)."""
    rows = []
    for title, items in MENUS:
        for item in items:
            if item is None or item[2] is None:
                continue
            key = QKeySequence(item[2]).toString(QKeySequence.SequenceFormat.NativeText)
            rows.append(f"<tr><td><b>{key}</b></td><td>{title.replace('&', '')} → {item[1].replace('&', '')}</td></tr>")
    return ("<table cellpadding='3'>" + "".join(rows) + "</table><p>Setup's spin and combo boxes take the mouse wheel "
            "only once clicked (scrolling the column changes nothing).</p>")


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
