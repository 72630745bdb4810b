"""Which bytecode state a benchmark measured: every bench/ script prints this line first.

This machine sets PYTHONDONTWRITEBYTECODE=1, so a module without a .pyc is compiled again in
every process; a figure is only comparable with one taken in the same state.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _fresh(source: Path, pyc: Path) -> bool:
    """Whether ``pyc`` is the bytecode of ``source`` as it is now: a .pyc left from before an edit
    is recompiled (and, with writing off, not saved) by every process, so it does not count."""
    try:
        header = pyc.read_bytes()[:16]
    except OSError:
        return False
    if len(header) < 16 or header[:4] != importlib.util.MAGIC_NUMBER:
        return False
    if int.from_bytes(header[4:8], "little") & 1:  # hash-based: checked against the source itself
        return True
    stat = source.stat()
    mtime, size = int.from_bytes(header[8:12], "little"), int.from_bytes(header[12:16], "little")
    return mtime == int(stat.st_mtime) & 0xFFFFFFFF and size == stat.st_size & 0xFFFFFFFF


def _share(folder: Path) -> tuple[int, int]:
    sources = [p for p in folder.rglob("*.py") if "__pycache__" not in p.parts]
    tag = sys.implementation.cache_tag
    compiled = sum(1 for p in sources if _fresh(p, p.parent / "__pycache__" / f"{p.stem}.{tag}.pyc"))
    return compiled, len(sources)


def state() -> str:
    site_done, site_all = _share(Path(sysconfig.get_paths()["purelib"]))
    src_done, src_all = _share(ROOT / "src")
    write = "off" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "on"
    return (
        f"bytecode: site-packages {site_done}/{site_all} .py compiled (up to date), src {src_done}/{src_all}; "
        f"writing .pyc {write} (PYTHONDONTWRITEBYTECODE)"
    )


if __name__ == "__main__":
    print(state())
