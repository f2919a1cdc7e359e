"""Compute backends of the prover: numba kernels (default) and the gmpy2 reference.

``ZKDX_BACKEND=gmpy2`` selects the pure-Python reference (gmpy2 integers, the
formulas of ``prover.curve``); the default is ``numba`` when numba imports, else
gmpy2.  Both expose the same functions (see ``prover.engine``) and every numba
kernel has a differential test against py_ecc.

The numba kernels are compiled once and cached on disk.  The cache lives in a
directory named after a digest of this package's sources, so a changed kernel
file never reuses stale machine code (numba itself only watches the file that
defines a function, not the files it inlines from).  Location:
``$NUMBA_CACHE_DIR`` if set (used as is), else ``$ZKDX_NUMBA_CACHE/<digest>``, else
``<sys.prefix>/share/zkdx-numba/<digest>`` (inside the virtualenv; ``make install`` warms it).
"""

from __future__ import annotations

import hashlib
import os
import sys
import warnings
from pathlib import Path

_HERE = Path(__file__).resolve().parent


KERNEL_FILES = (
    "limbs.py", "field.py", "curve.py", "msm_kernels.py", "ntt.py", "nb_rows.py", "nb_fixed.py", "nb_field.py"
)  # fmt: skip


def source_digest() -> str:
    """SHA-256 (first 16 hex digits) of the files that define or inline into numba kernels."""
    h = hashlib.sha256()
    for name in KERNEL_FILES:
        h.update(name.encode() + b"\0" + (_HERE / name).read_bytes())
    return h.hexdigest()[:16]


def cache_dir() -> Path:
    root = os.environ.get("ZKDX_NUMBA_CACHE")
    base = Path(root) if root else Path(sys.prefix) / "share" / "zkdx-numba"
    return base / source_digest()


def configure_numba_cache() -> None:
    """Point numba's on-disk cache at ``cache_dir()`` (before any kernel module is imported),
    and make idle OpenMP threads sleep rather than spin (``OMP_WAIT_POLICY=PASSIVE`` unless
    set): on a busy 2-core machine spinning tripled the CPU time of a 2^12 proof and its
    wall time (0.74 vs 0.23 s CPU, 2.8 vs 1.0 s wall, load average 14)."""
    import numba

    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    if os.environ.get("NUMBA_CACHE_DIR"):
        return  # the user chose a cache directory
    path = cache_dir()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # numba falls back to its own per-user cache
    numba.config.CACHE_DIR = str(path)


def get_backend():
    """The backend module ``ZKDX_BACKEND`` names (``numba`` by default, ``gmpy2`` as fallback)."""
    name = os.environ.get("ZKDX_BACKEND", "").strip().lower() or "numba"
    if name not in ("numba", "gmpy2"):
        from prover.errors import ConfigError

        raise ConfigError(f"ZKDX_BACKEND={name[:20]!r}: expected 'numba' or 'gmpy2'")
    if name == "numba":
        try:
            from prover.backend import numba_backend

            return numba_backend
        except ImportError as exc:  # numba missing on this platform: the reference still works
            warnings.warn(f"numba backend unavailable ({exc}); proving with the gmpy2 reference", stacklevel=2)
    from prover.backend import gmpy2_backend

    return gmpy2_backend
