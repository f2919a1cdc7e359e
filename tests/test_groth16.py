"""Groth16 end to end: a toy proof checked in the exponent, random circuits, tampering."""

import dataclasses
import warnings

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from py_ecc.optimized_bn128 import G1 as PG1
from py_ecc.optimized_bn128 import G2 as PG2
from py_ecc.optimized_bn128 import add, curve_order, eq, multiply

from circuits.examples import CubicCircuit, synthesize
from circuits.field import R
from circuits.r1cs import ConstraintSystem, Mode
from prover.errors import KeyMismatch, SetupError, UnsatisfiedConstraint
from prover.points import fr_array
from prover.prove import create_proof, prove_arrays
from prover.qap import domain_for, qap_coefficients, witness_map
from prover.setup import InsecureSetupWarning, Trapdoor, setup
from tests.conftest import dev_setup
from verifier import Proof, verify_proof

TOY = Trapdoor(tau=2, alpha=3, beta=5, gamma=7, delta=11)


def _lagrange_naive(points, j, x):
    """L_j(x) = prod_{k != j} (x - w_k) / (w_j - w_k), straight from the definition."""
    num = den = 1
    for k, w in enumerate(points):
        if k != j:
            num, den = num * (x - w) % R, den * (points[j] - w) % R
    return num * pow(den, -1, R) % R


def test_toy_proof_in_the_exponent():
    """Cubic circuit, x = 3, trapdoor (τ, α, β, γ, δ) = (2, 3, 5, 7, 11), r = 1, s = 2.

    Every proof point must be the generator times the scalar the paper's formulas give.
    """
    cs = synthesize(CubicCircuit(3))
    m, z = cs.to_matrices(), cs.assignment()  # z = [1, 35, 3, 9, 27]
    assert z == [1, 35, 3, 9, 27]
    pk = dev_setup(m, trapdoor=TOY, workers=1)
    d = domain_for(m)
    pts = d.elements()
    lag = [_lagrange_naive(pts, j, 2) for j in range(d.size)]
    # rows: 0: x*x = sq, 1: sq*x = cube, 2: (cube + x + 5)*1 = out, 3-4: input rows z_0, z_1
    u = [5 * lag[2] + lag[3], lag[4], lag[0] + lag[2], lag[1], lag[2]]
    v = [lag[2], 0, lag[0] + lag[1], 0, 0]
    w = [0, lag[2], 0, lag[0], lag[1]]
    h = witness_map(m, z, d)
    h_tau = sum(c * pow(2, i, R) for i, c in enumerate(h)) % R
    z_tau = (pow(2, d.size, R) - 1) % R
    r, s, alpha, beta, gamma, delta = 1, 2, 3, 5, 7, 11
    dot = lambda vec: sum(a * b for a, b in zip(vec, z, strict=True)) % R  # noqa: E731
    a_exp = (alpha + dot(u) + r * delta) % R
    b_exp = (beta + dot(v) + s * delta) % R
    priv = sum(z[i] * (beta * u[i] + alpha * v[i] + w[i]) for i in range(2, 5))
    c_exp = ((priv + h_tau * z_tau) * pow(delta, -1, R) + s * a_exp + r * b_exp - r * s * delta) % R
    proof = create_proof(pk, m, z, r=r, s=s, workers=1)
    assert eq(proof.a, multiply(PG1, a_exp))
    assert eq(proof.b, multiply(PG2, b_exp))
    assert eq(proof.c, multiply(PG1, c_exp))
    # the verification equation in the exponent: A·B = α·β + Σ_pub z_i(βu_i + αv_i + w_i) + C·δ
    pub = sum(z[i] * (beta * u[i] + alpha * v[i] + w[i]) for i in range(2))
    assert a_exp * b_exp % R == (alpha * beta + pub + c_exp * delta) % R
    for i in range(2):  # gamma_abc_g1[i] = (βu_i + αv_i + w_i)/γ
        ic = (beta * u[i] + alpha * v[i] + w[i]) * pow(gamma, -1, R) % R
        assert eq(pk.vk.gamma_abc_g1[i], multiply(PG1, ic))
    assert verify_proof(pk.vk, [35], proof)
    assert not verify_proof(pk.vk, [36], proof)


def test_setup_warns_loudly_once(capsys):
    m = synthesize(CubicCircuit(), Mode.SETUP).to_matrices()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        setup(m, workers=1)
        setup(m, workers=1, quiet=True)  # for callers that show it themselves (the CLI)
    assert [w.category for w in caught] == [InsecureSetupWarning] and "INSECURE" in str(caught[0].message)
    assert capsys.readouterr().err == ""  # not printed a second time beside the warning


def test_setup_rejects_degenerate_trapdoors():
    m = synthesize(CubicCircuit(), Mode.SETUP).to_matrices()
    with pytest.raises(SetupError):
        dev_setup(m, trapdoor=Trapdoor(2, 3, 5, 0, 11))
    with pytest.raises(SetupError):
        dev_setup(m, trapdoor=Trapdoor(1, 3, 5, 7, 11))  # τ = ω^0 lies in the domain


# random circuits ---------------------------------------------------------------
fr = st.integers(min_value=0, max_value=R - 1)


@st.composite
def circuits(draw):
    n_in = draw(st.integers(0, 3))
    n_free = draw(st.integers(1, 3))
    values = [draw(fr) for _ in range(n_in + n_free)]
    products = []
    for k in range(draw(st.integers(1, 5))):
        n_vars = n_in + n_free + k
        lc = st.lists(st.tuples(st.integers(-1, n_vars - 1), fr), min_size=1, max_size=3)
        products.append((draw(lc), draw(lc)))
    return n_in, values, products


def build(spec, mode):
    """Inputs and free witnesses, then witnesses w = <a,z>·<b,z> with constraints a·b = w."""
    n_in, values, products = spec
    cs = ConstraintSystem(mode)
    vars_ = [cs.new_input(f"in{i}", lambda v=v: v) for i, v in enumerate(values[:n_in])]
    vars_ += [cs.new_witness(f"free{i}", lambda v=v: v) for i, v in enumerate(values[n_in:])]

    def lc(terms):
        out = 0
        for idx, coeff in terms:
            out = (cs.one() if idx < 0 else vars_[idx]) * coeff + out
        return out

    for k, (a_terms, b_terms) in enumerate(products):
        a, b = lc(a_terms), lc(b_terms)
        w = cs.new_witness(f"w{k}", lambda a=a, b=b: cs.value(a) * cs.value(b))
        cs.enforce(a, b, w, f"prod{k}")
        vars_.append(w)
    return cs


@settings(max_examples=6, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(spec=circuits(), data=st.data())
def test_random_circuits_prove_verify_and_tampering_fails(spec, data):
    m = build(spec, Mode.SETUP).to_matrices()
    cs = build(spec, Mode.PROVE)
    assert cs.to_matrices() == m
    pk = dev_setup(m, workers=1)
    z, public = cs.assignment(), cs.public_inputs()
    proof = create_proof(pk, m, z, workers=1)
    assert verify_proof(pk.vk, public, proof)
    if public:
        i = data.draw(st.integers(0, len(public) - 1))
        bumped = list(public)
        bumped[i] = (bumped[i] + data.draw(st.integers(1, R - 1))) % R
        assert not verify_proof(pk.vk, bumped, proof)
    which = data.draw(st.sampled_from(["a", "b", "c"]))
    gen = PG2 if which == "b" else PG1
    moved = {k: getattr(proof, k) for k in "abc"}
    moved[which] = add(moved[which], gen)
    assert not verify_proof(pk.vk, public, Proof(**moved))
    # tamper a product witness: the prover refuses by name, and a forced proof fails
    k = data.draw(st.integers(0, len(spec[2]) - 1))
    j = 1 + m.num_inputs + len(spec[1]) - spec[0] + k
    bad = list(z)
    bad[j] = (bad[j] + 1) % R
    with pytest.raises(UnsatisfiedConstraint, match=f"prod{k}"):
        create_proof(pk, m, bad, workers=1)
    unchecked = dataclasses.replace(qap_coefficients(m), has_c=False)  # as from a .zkey: no refusal
    forged = prove_arrays(pk, unchecked, fr_array(bad), workers=1)
    assert not verify_proof(pk.vk, public, forged)


def test_proofs_are_randomized(cubic_key):
    m, pk = cubic_key
    cs = synthesize(CubicCircuit(3))
    p1 = create_proof(pk, m, cs.assignment(), workers=1)
    p2 = create_proof(pk, m, cs.assignment(), workers=1)
    assert not eq(p1.a, p2.a)


def test_key_for_another_circuit_is_refused(cubic_key):
    _, pk = cubic_key
    other = build((1, [3, 4], [([(0, 1)], [(1, 1)])]), Mode.PROVE)
    with pytest.raises(KeyMismatch):
        create_proof(pk, other.to_matrices(), other.assignment(), workers=1)


def test_parallel_workers_give_a_valid_proof(cubic_key):
    m, pk = cubic_key
    cs = synthesize(CubicCircuit(5))
    timings = {}
    proof = create_proof(pk, m, cs.assignment(), workers=2, timings=timings)
    assert verify_proof(pk.vk, cs.public_inputs(), proof)
    assert {"check", "witness_map", "msm_a", "msm_b_g1", "msm_b_g2", "msm_c", "assemble"} <= set(timings)


def test_zero_public_input_and_r_minus_one(cubic_key):
    m, pk = cubic_key
    for x in (0, R - 1):
        cs = synthesize(CubicCircuit(x))
        proof = create_proof(pk, m, cs.assignment(), workers=1)
        assert verify_proof(pk.vk, cs.public_inputs(), proof)
    assert curve_order == R
