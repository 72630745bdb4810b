"""Which bytecode state a benchmark measured: every bench/ script prints this line first.

This machine sets PYTHONDONTWRITEBYTECODE=1, so a module without a .pyc is compiled again in
every process; a figure is only comparable with one taken in the same state.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _share(folder: Path) -> tuple[int, int]:
    sources = [p for p in folder.rglob("*.py") if "__pycache__" not in p.parts]
    tag = sys.implementation.cache_tag
    compiled = sum(1 for p in sources if (p.parent / "__pycache__" / f"{p.stem}.{tag}.pyc").exists())
    return compiled, len(sources)


def state() -> str:
    site_done, site_all = _share(Path(sysconfig.get_paths()["purelib"]))
    src_done, src_all = _share(ROOT / "src")
    write = "off" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "on"
    return (
        f"bytecode: site-packages {site_done}/{site_all} .py compiled, src {src_done}/{src_all}; "
        f"writing .pyc {write} (PYTHONDONTWRITEBYTECODE)"
    )


if __name__ == "__main__":
    print(state())
