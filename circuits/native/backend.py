"""Which implementation the native hot paths run: numba kernels (default) or the gmpy2 reference.

``ZKDX_BACKEND=gmpy2`` selects the gmpy2 code everywhere; ``numba`` (the default) is used when
numba imports, else gmpy2.  Both give identical results (differential tests run both).
"""

from __future__ import annotations

import functools
import os

from circuits.errors import BackendError

NAMES = ("numba", "gmpy2")


@functools.cache
def use_numba() -> bool:
    """True when the numba kernels are selected and importable (decided once per process)."""
    name = os.environ.get("ZKDX_BACKEND", "").strip().lower() or "numba"
    if name not in NAMES:
        raise BackendError(f"ZKDX_BACKEND={name[:20]!r}: expected one of {', '.join(NAMES)}")
    if name == "gmpy2":
        return False
    try:
        import numba  # noqa: F401
    except ImportError:  # numba missing on this platform: the reference still works
        return False
    return True
