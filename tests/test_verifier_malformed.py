"""Malformed input raises a typed error; a well-formed false proof returns False."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from py_ecc.optimized_bn128 import FQ, FQ2, G1, G2, Z1, field_modulus, multiply, normalize

from circuits.field import R
from verifier import MalformedKeyError, MalformedPointError, MalformedProofError, Proof, PublicInputError, verify_proof
from verifier.formats import (
    encode_calldata,
    proof_from_calldata,
    proof_from_json,
    proof_to_calldata,
    proof_to_json,
    public_from_json,
    vk_from_json,
    vk_to_json,
)
from verifier.points import g1_from_xy, g2_from_xy


def _g2_off_subgroup():
    """A point on the twist y^2 = x^3 + 3/(9+u) outside the order-r subgroup (cofactor != 1)."""
    b2 = FQ2([3, 0]) / FQ2([9, 1])
    for x in range(1, 100):
        rhs = FQ2([x, 1]) ** 3 + b2
        y = rhs ** ((field_modulus**2 + 15) // 32)  # a square root when one of this form exists
        if y * y == rhs:
            return FQ2([x, 1]), y, FQ2.one()
    raise AssertionError("no twist point found")


def test_g1_points():
    x, y = normalize(multiply(G1, 5))
    assert g1_from_xy(int(x), int(y))
    assert g1_from_xy(0, 0) == Z1
    with pytest.raises(MalformedPointError, match="not on the curve"):
        g1_from_xy(1, 3)
    with pytest.raises(MalformedPointError, match=r"\[0, p\)"):
        g1_from_xy(int(x) + field_modulus, int(y))
    with pytest.raises(MalformedPointError):
        g1_from_xy(-1, int(y))
    with pytest.raises(MalformedPointError):
        g1_from_xy("1", 2)


def test_g2_points():
    x, y = normalize(G2)
    xs, ys = tuple(int(c) for c in x.coeffs), tuple(int(c) for c in y.coeffs)
    assert g2_from_xy(xs, ys)
    with pytest.raises(MalformedPointError, match="twist"):
        g2_from_xy(xs, (ys[0], ys[1] + 1))
    with pytest.raises(MalformedPointError, match=r"\[0, p\)"):
        g2_from_xy((xs[0] + field_modulus, xs[1]), ys)


def test_g2_outside_subgroup_is_rejected():
    pt = _g2_off_subgroup()
    xs = tuple(int(c) for c in pt[0].coeffs)
    ys = tuple(int(c) for c in pt[1].coeffs)
    with pytest.raises(MalformedPointError, match="subgroup"):
        g2_from_xy(xs, ys)


def test_proof_with_bad_points_cannot_be_built(cubic_proof):
    proof, _ = cubic_proof
    with pytest.raises(MalformedProofError):
        Proof((FQ(1), FQ(3), FQ(1)), proof.b, proof.c)
    with pytest.raises(MalformedProofError):
        Proof(proof.a, _g2_off_subgroup(), proof.c)
    with pytest.raises(MalformedProofError):
        Proof(proof.a, proof.a, proof.c)  # a G1 point where G2 belongs


def test_wrong_public_input_count_or_range_raises(cubic_key, cubic_proof):
    _, pk = cubic_key
    proof, public = cubic_proof
    assert verify_proof(pk.vk, public, proof)
    with pytest.raises(PublicInputError, match="expected 1"):
        verify_proof(pk.vk, [], proof)
    with pytest.raises(PublicInputError, match="expected 1"):
        verify_proof(pk.vk, [35, 0], proof)
    with pytest.raises(PublicInputError, match=r"\[0, r\)"):
        verify_proof(pk.vk, [35 + R], proof)  # same value mod r, but not canonical
    with pytest.raises(PublicInputError):
        verify_proof(pk.vk, ["35"], proof)
    with pytest.raises(MalformedProofError):
        verify_proof(pk.vk, public, "proof")
    with pytest.raises(MalformedKeyError):
        verify_proof("vk", public, proof)


def test_snarkjs_json_round_trip(cubic_key, cubic_proof):
    _, pk = cubic_key
    proof, public = cubic_proof
    assert proof_from_json(json.dumps(proof_to_json(proof))) == proof
    assert vk_from_json(json.dumps(vk_to_json(pk.vk))) == pk.vk
    assert public_from_json('["35"]') == [35]
    js = proof_to_json(proof)
    assert js["pi_a"][2] == "1" and js["pi_b"][2] == ["1", "0"]


@pytest.mark.parametrize(
    "mutate,match",
    [
        (lambda p: p.update(pi_a=p["pi_a"][:2]), "list of 3"),
        (lambda p: p.update(pi_a=["1", "3", "1"]), "not on the curve"),
        (lambda p: p.update(pi_a=[str(field_modulus), p["pi_a"][1], "1"]), r"\[0, p\)"),
        (lambda p: p.update(pi_a=["0x1", "2", "1"]), "decimal"),
        (lambda p: p.update(pi_a=[p["pi_a"][0], p["pi_a"][1], "2"]), "Z must be"),
        (lambda p: p.update(pi_b=[["1", "2"], ["3", "4"], ["1", "0"]]), "twist"),
        (lambda p: p.update(protocol="plonk"), "groth16"),
        (lambda p: p.pop("pi_c"), "list of 3"),
    ],
)
def test_malformed_proof_json(cubic_proof, mutate, match):
    js = proof_to_json(cubic_proof[0])
    mutate(js)
    with pytest.raises(MalformedProofError, match=match):
        proof_from_json(json.dumps(js))


def test_malformed_vk_and_public_json(cubic_key):
    js = vk_to_json(cubic_key[1].vk)
    with pytest.raises(MalformedKeyError, match="nPublic"):
        vk_from_json({**js, "nPublic": 2})
    with pytest.raises(MalformedKeyError, match="IC"):
        vk_from_json({**js, "IC": []})
    with pytest.raises(MalformedKeyError, match="not valid JSON"):
        vk_from_json("{")
    with pytest.raises(MalformedKeyError):
        vk_from_json({**js, "vk_gamma_2": js["vk_alpha_1"]})
    with pytest.raises(PublicInputError):
        public_from_json('{"a": 1}')
    with pytest.raises(PublicInputError):
        public_from_json('["-1"]')


@given(st.binary(max_size=200))
def test_garbage_json_never_crashes(blob):
    for parse, err in ((proof_from_json, MalformedProofError), (vk_from_json, MalformedKeyError)):
        with pytest.raises(err):
            parse(blob)


def test_eip197_calldata(cubic_proof):
    proof, public = cubic_proof
    words = proof_to_calldata(proof)
    x, y = normalize(proof.b)
    assert words[2:6] == [int(x.coeffs[1]), int(x.coeffs[0]), int(y.coeffs[1]), int(y.coeffs[0])]  # (c1, c0)
    assert proof_from_calldata(words) == proof
    data = encode_calldata(proof, public)
    assert len(data) == 32 * 9 and int.from_bytes(data[-32:], "big") == 35
    swapped = words[:2] + [words[3], words[2], words[5], words[4]] + words[6:]
    with pytest.raises(MalformedProofError):
        proof_from_calldata(swapped)  # py_ecc order on chain is a different (off-curve) point
    with pytest.raises(MalformedProofError):
        proof_from_calldata(words[:7])
