"""Run a command, then record its wall time and (for `make package`) the size of the built folder (dist/dlbench,
or the --distpath given to PyInstaller) in a JSON file.

Usage: python tools/timed.py OUT.json -- COMMAND ...   (exit status is the command's)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path


def folder_size(path: Path) -> tuple[int, int]:
    total = files = 0
    for p in path.rglob("*"):
        if p.is_file() and not p.is_symlink():
            total += p.stat().st_size
            files += 1
    return total, files


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    out, cmd = Path(argv[0]), argv[2:]
    t = time.perf_counter()
    code = subprocess.call(cmd)
    wall = time.perf_counter() - t
    # the folder PyInstaller wrote: its --distpath (dist-gpu for the CUDA variant), else dist
    dist_root = cmd[cmd.index("--distpath") + 1] if "--distpath" in cmd[:-1] else "dist"
    dist = Path(dist_root) / "dlbench"
    size, files = folder_size(dist) if dist.is_dir() else (0, 0)
    record = {"command": " ".join(cmd), "exit": code, "wall_s": round(wall, 1), "dist": str(dist),
              "dist_bytes": size, "dist_files": files, "cpus": os.cpu_count(),
              "when": time.strftime("%Y-%m-%d %H:%M:%S")}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"build: exit {code} in {wall:.0f} s; {dist}: {size / 2**20:.0f} MiB in {files} files")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
