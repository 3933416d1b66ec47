"""The CPU package's energy counter on Linux: RAPL through the powercap sysfs tree (`/sys/class/powercap/intel-rapl:N/
energy_uj`, also on AMD since Linux 5.11). The root path is a parameter, so a test can hand it a fake tree."""

from __future__ import annotations

from pathlib import Path

DEFAULT_ROOT = "/sys/class/powercap"


class RaplReader:
    """Cumulative joules of every CPU package since this reader was made, wrap-around handled (each counter wraps
    at its `max_energy_range_uj`). `available` is False, with `reason` in words, where nothing can be read."""

    def __init__(self, root: str | Path = DEFAULT_ROOT):
        self.root = Path(root)
        self.domains: list[tuple[str, Path, int]] = []  # (name, energy_uj path, wrap range in uJ)
        self.reason: str | None = None
        self._last: dict[Path, int] = {}
        self._total_uj = 0
        try:
            if not self.root.is_dir():
                self.reason = f"no RAPL energy counter: {self.root} does not exist (not Linux, or a VM without it)"
                return
            for d in sorted(self.root.glob("intel-rapl:*")):
                if d.name.count(":") != 1:
                    continue  # a sub-domain (core, uncore, dram) is inside its package's figure
                name = _read_text(d / "name") or d.name
                wrap = _read_int(d / "max_energy_range_uj") or 2**32
                value = _read_int(d / "energy_uj")
                if value is None:
                    continue
                self.domains.append((name, d / "energy_uj", wrap))
                self._last[d / "energy_uj"] = value
        except OSError as exc:
            self.reason = f"the RAPL counters under {self.root} cannot be read ({exc.strerror or exc})"
            return
        if not self.domains and self.reason is None:
            self.reason = (f"no readable RAPL package counter under {self.root} (reading energy_uj needs root on "
                           "Linux 5.10 and later)")

    @property
    def available(self) -> bool:
        return bool(self.domains)

    @property
    def source(self) -> str:
        return "RAPL " + ", ".join(name for name, _, _ in self.domains)

    def read_j(self) -> float | None:
        """Joules since this reader was made, all packages together; None when unavailable."""
        if not self.domains:
            return None
        for _, path, wrap in self.domains:
            now = _read_int(path)
            if now is None:
                continue
            before = self._last[path]
            self._total_uj += now - before if now >= before else now + wrap - before  # wrapped around
            self._last[path] = now
        return self._total_uj / 1e6


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None
