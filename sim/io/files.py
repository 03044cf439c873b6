"""Files that are whole or absent, and the provenance written beside results.

Every result file is written through a temporary name in its folder and renamed when complete, so
a reader (or a resumed sweep) never sees half a file; manifests pin the package versions and the
git commit that made a result.
"""

from __future__ import annotations

import functools
import os
import subprocess
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any


@functools.cache
def _umask() -> int:
    """The process umask, read once (reading it means setting it, which is not thread-safe)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: Path, write: Callable[[Path], Any], keep_suffix: bool = False) -> None:
    """Write through a temporary file in the same folder, then rename over `path`.

    The file gets the permissions a plain `open` would give it (0666 less the umask), not
    mkstemp's private 0600, so results stay readable by the group that shares them. The temporary
    name ends in `.tmp`, so that a reader globbing `*.parquet` never sees a half-written file;
    `keep_suffix` keeps `path`'s suffix instead, for writers that pick the format from it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix if keep_suffix else ".tmp"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def package_versions() -> dict[str, str]:
    out = {}
    for name in ("clustersim", "mesa", "numpy", "scipy", "pandas", "pyarrow", "pydantic"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
