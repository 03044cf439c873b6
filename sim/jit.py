"""numba for the vector engine's compiled code: one decorator and one on-disk cache.

numba caches a compiled function by its own source file, so a kernel that calls a compiled rule
would keep the rule's old code after `sim/rules.py` changed. The cache therefore lives in a folder
named after a hash of every module with compiled code: a change to any of them compiles afresh
(once; later processes load the cache in milliseconds). NUMBA_CACHE_DIR, if set, wins.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numba

_HERE = Path(__file__).resolve().parent
_COMPILED_MODULES = ("jit.py", "rules.py", "compiled_rules.py", "kernels.py", "entry_kernels.py")


def _cache_dir() -> Path:
    digest = hashlib.sha256()
    for name in _COMPILED_MODULES:
        digest.update((_HERE / name).read_bytes())
    return _HERE / "__pycache__" / f"numba-{digest.hexdigest()[:16]}"


if not os.environ.get("NUMBA_CACHE_DIR"):
    numba.config.CACHE_DIR = str(_cache_dir())

OPTIONS = {"cache": True, "nogil": True, "error_model": "numpy", "boundscheck": False}


def jit(*signature, **extra):
    """`numba.njit` with the engine's options (cached, no GIL, NumPy's float error model)."""
    return numba.njit(*signature, **{**OPTIONS, **extra})
