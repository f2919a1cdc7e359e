"""Fast Poseidon paths (numba kernel, gmpy2 straight-line code) against the plain permutation."""

import os
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from circuits.errors import BackendError
from circuits.field import R
from circuits.native import backend, poseidon_gmp, poseidon_nb
from circuits.native.poseidon import poseidon, poseidon_permutation
from circuits.poseidon_constants import MAX_WIDTH
from tests.npm_tools import ROOT
from tests.reference import poseidon_plain as plain

EDGES = [0, 1, 2, R - 2, R - 1]
element = st.one_of(st.sampled_from(EDGES), st.integers(0, R - 1))
BACKENDS = {"numba": poseidon_nb, "gmpy2": poseidon_gmp}


@pytest.mark.parametrize("t", range(2, MAX_WIDTH + 1))
@pytest.mark.parametrize("name", BACKENDS)
def test_every_width_equals_the_plain_permutation(name, t):
    impl = BACKENDS[name]
    for state in ([0] * t, [R - 1] * t, [1] * t, [(7**i * 1234567) % R for i in range(t)]):
        want = plain.poseidon_permutation(state)
        assert impl.all_lanes(state) == want
        assert impl.first_lane(state) == want[0]


@given(st.lists(element, min_size=2, max_size=MAX_WIDTH))
def test_backends_agree_on_random_and_edge_states(state):
    want = plain.poseidon_permutation(state)
    assert poseidon_nb.all_lanes(state) == poseidon_gmp.all_lanes(state) == want
    assert poseidon_nb.first_lane(state) == poseidon_gmp.first_lane(state) == want[0]


@given(st.lists(st.integers(-(2**300), 2**300), min_size=1, max_size=MAX_WIDTH - 1), st.integers(-R, 2 * R))
def test_inputs_are_reduced_mod_r(inputs, init):
    assert poseidon(inputs, init) == plain.poseidon([v % R for v in inputs], init % R)
    assert poseidon_permutation([init, *inputs]) == plain.poseidon_permutation([v % R for v in [init, *inputs]])


def test_generated_code_has_no_loops_or_lists_in_the_rounds():
    src, namespace = poseidon_gmp.source(5, 1)
    body = src.split("\n", 1)[1]
    assert " for " not in body and "[" not in body and "sum(" not in body
    assert sum(1 for v in namespace.values() if type(v).__name__ == "mpz") > 200  # constants are mpz


def _choice(monkeypatch, value):
    monkeypatch.setenv("ZKDX_BACKEND", value)
    backend.use_numba.cache_clear()
    return backend.use_numba()


def test_backend_choice_is_validated(monkeypatch):
    try:
        with pytest.raises(BackendError):
            _choice(monkeypatch, "cuda")
        assert _choice(monkeypatch, " GMPY2 ") is False
        assert _choice(monkeypatch, "") is True
    finally:
        backend.use_numba.cache_clear()


def test_gmpy2_backend_is_selected_by_the_environment():
    code = "from circuits.native import poseidon as p; print(p.implementation().__name__, p.poseidon([1, 2]))"
    env = {**os.environ, "ZKDX_BACKEND": "gmpy2"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    module, digest = out.stdout.split()
    assert module == "circuits.native.poseidon_gmp"
    assert int(digest) == 0x115CC0F5E7D690413DF64C6B9662E9CF2A3617F2743245519E19607A4417189A
