"""Fr on 64-bit limbs (numba) against Python integers, on random and edge values."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from numba import njit

from circuits.field import R
from circuits.native import fr_limbs as fr

MONT = 1 << 256
element = st.one_of(st.sampled_from([0, 1, 2, R - 2, R - 1, (1 << 253) % R, MONT % R]), st.integers(0, R - 1))


@njit(cache=False)
def _ops(a, b):
    """mul, add, sub, to_mont, from_mont and redc(mul_wide) of rows 0 and 1 (Montgomery form in, raw out)."""
    x, y = fr.load(a, 0), fr.load(a, 1)
    out = np.empty((6, 4), np.uint64)
    fr.store(out, 0, fr.mul(x, y))
    fr.store(out, 1, fr.add(x, y))
    fr.store(out, 2, fr.sub(x, y))
    fr.store(out, 3, fr.to_mont(x))
    fr.store(out, 4, fr.from_mont(x))
    w = fr.mul_wide(x, y)
    for _ in range(4):  # five products of values < r: the bound redc needs
        w = fr.add_wide(w, fr.mul_wide(x, y))
    fr.store(out, 5, fr.redc(w))
    return out


@given(element, element)
def test_limb_arithmetic_equals_integers(a, b):
    out = fr.from_array(_ops(fr.to_array([a, b]), 0))
    inv = pow(MONT, -1, R)
    assert out == [a * b * inv % R, (a + b) % R, (a - b) % R, a * MONT % R, a * inv % R, 5 * a * b * inv % R]


@given(st.lists(element, max_size=20))
def test_host_conversions_round_trip(values):
    assert fr.from_array(fr.to_array(values)) == values
    assert fr.from_array(fr.mont_array(values)) == [v * MONT % R for v in values]


def test_cache_dir_depends_on_the_kernel_sources(tmp_path, monkeypatch):
    monkeypatch.setenv("ZKDX_NUMBA_CACHE", str(tmp_path))
    path = fr.cache_dir()
    assert path.parent == tmp_path and path.name.startswith("native-")
