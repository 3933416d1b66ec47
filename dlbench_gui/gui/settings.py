"""QSettings behind one small wrapper that coerces types; tests point it at a per-test INI file."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings


class Settings:
    def __init__(self, path: str | None = None):
        """`path`: an INI file (tests, benchmarks, `--settings`); None: the platform's own settings store."""
        if path:
            self._s = QSettings(path, QSettings.Format.IniFormat)
        else:
            self._s = QSettings("dlbench", "dlbench")

    def get(self, key: str, default: Any) -> Any:
        value = self._s.value(key, default)
        if value is None:
            return default
        try:
            if isinstance(default, bool):
                return value if isinstance(value, bool) else str(value).lower() in ("true", "1", "yes")
            if isinstance(default, int):
                return int(value)
            if isinstance(default, float):
                return float(value)
            if isinstance(default, list):
                if isinstance(value, str):
                    return [value] if value else []
                return list(value)
        except (TypeError, ValueError):
            return default
        return value

    def set(self, key: str, value: Any) -> None:
        self._s.setValue(key, value)

    def sync(self) -> None:
        self._s.sync()

    @property
    def path(self) -> str:
        return self._s.fileName()
