"""numba for the vector engine's compiled code: one decorator and one on-disk cache.

numba checks a cached function against its own source file only, so a kernel that calls a compiled
rule would keep the rule's old code after `sim/core/rules.py` changed, and a cache written without
bounds checking would be loaded by a debugging run that asks for it. The cache therefore lives in a
folder named after a hash of every module with compiled code, numba's version and the settings that
change the machine code: a change to any of them compiles afresh (once; later processes load the
cache in well under a second). The folder sits in `sim/engines/vector/__pycache__`, or under
NUMBA_CACHE_DIR if that is set; old folders are left behind (`make clean` removes them).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numba

_HERE = Path(__file__).resolve().parent
_SIM = _HERE.parents[1]
# every module whose code numba compiles, relative to the package `sim`
_COMPILED_MODULES = (
    "engines/vector/jit.py",
    "core/codes.py",  # the status and origin codes, constants in the kernels
    "core/rules.py",
    "core/levers.py",
    "engines/vector/bundles.py",  # the bundles' fields, types of the kernels' arguments
    "engines/vector/soa.py",
    "engines/vector/compiled_rules.py",
    "engines/vector/kernels.py",
    "engines/vector/entry_kernels.py",
)
_SETTINGS = ("BOUNDSCHECK", "OPT", "DEBUG", "DEBUGINFO_DEFAULT", "FASTMATH")


def _cache_dir() -> Path:
    digest = hashlib.sha256(numba.__version__.encode())
    for name in _COMPILED_MODULES:
        digest.update((_SIM / name).read_bytes())
    for name in _SETTINGS:
        digest.update(f"{name}={getattr(numba.config, name, None)!r}".encode())
    root = Path(os.environ["NUMBA_CACHE_DIR"]) if os.environ.get("NUMBA_CACHE_DIR") else None
    return (root or _HERE / "__pycache__") / f"numba-{digest.hexdigest()[:16]}"


numba.config.CACHE_DIR = str(_cache_dir())

OPTIONS = {"cache": True, "nogil": True, "error_model": "numpy", "boundscheck": False}


def jit(*signature, **extra):
    """`numba.njit` with the engine's options (cached, no GIL, NumPy's float error model)."""
    return numba.njit(*signature, **{**OPTIONS, **extra})
