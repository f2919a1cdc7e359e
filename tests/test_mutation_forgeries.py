"""Forgeries that once survived ``make mutate`` as "open", each stopped by one kind of row only:
EdDSA signatures through S·B8's window products and non-boolean S bits and through the ladder
tail's free products (gadget level), and SHA-256 digests of another exit amount steered through
the compression's inner rows (exit circuit).  Each test names the kind of row that stops it and
checks that the verifier without those rows accepts the forgery."""

from __future__ import annotations

import os

import pytest

from circuits.field import R
from tests.mutation import gadget_eddsa, sha_attacks, sha_native, sha_rounds
from tests.mutation.fr_rational import Rat, zeros
from tests.mutation.gadgets import run_gadget
from tests.mutation.groups import Mutant, accepted_by, split
from tests.mutation.judge import run_exit
from tests.mutation.statements import exit_statement
from tests.mutation.tamper import rebuilt_without

EDDSA = "gadget/eddsa"


def test_rational_zeros_skip_poles():
    x = Rat.x()
    f = (x - 3) * (x - 5) / (x - 5) + (x - 3) * 0  # the pole at 5 cancels in the reduced form
    assert zeros(f) == [3]
    assert zeros((x * x - 4) / (x + 2)) == [2]
    assert zeros(Rat([7])) == []
    assert (x / (x - 1)).at(1) is None and (x / (x - 1)).at(2) == 2


@pytest.mark.parametrize(
    "kind", ["sb/w#.b0b1", "s.b#.bit", "ha/tail#.add.beta", "ha/tail#.add.gamma", "ha/tail#.add.tau"]
)
def test_eddsa_forgery_is_stopped_by_that_kind_only(kind):
    name, tamper = gadget_eddsa._statement(kind)
    out = run_gadget(name, tamper)
    assert out.attack, "eddsa.verify must refuse the forged signature"
    assert out.unsatisfied and {split(r) for r in out.unsatisfied} == {("eddsa", kind)}
    assert Mutant(EDDSA, "eddsa", kind) in accepted_by(EDDSA, out.unsatisfied)
    with rebuilt_without(Mutant(EDDSA, "eddsa", kind)):
        again = run_gadget(name, tamper)
    assert again.attack and not again.unsatisfied  # the mutant proves the forgery


@pytest.mark.parametrize("plan", [sha_native.t1_plan, sha_native.w_plan, sha_native.a_plan])
def test_sha_plans_reach_any_digest(plan):
    for n in (21, 70, 130):  # one, two and three blocks
        message, other = os.urandom(n), os.urandom(n)
        h_in, block = sha_native.chaining(message)
        assert sha_native.compress(h_in, block) == sha_native.digest_words(message)
        assert sha_native.replay(plan(h_in, block, sha_native.digest_words(other))) == sha_native.digest_words(other)


def test_e59_bits_plan_solves_the_linear_system():
    h_in, block = sha_native.chaining(b"zkdx" * 20)
    bits = sha_native.e_bits_plan(h_in, block, sha_native.digest_words(b"other"))
    assert bits is not None and set(bits) == set(sha_native.E_BITS)
    assert all(0 <= v < R for v in bits.values()) and any(v not in (0, 1) for v in bits.values())


@pytest.mark.parametrize("kind", ["r#.e.s#.bit", "r#.ch#"])
def test_exit_digest_steered_inside_sha_is_stopped_by_that_kind_only(kind):
    (name, tamper) = next((n, t) for n, t in sha_attacks.steered_exit("exit_1", 1) if f"[{kind}]" in t.label)
    out = run_exit(exit_statement(name), tamper)
    assert out.attack, "the spec pays another amount"
    assert {split(r) for r in out.unsatisfied} == {("public_data", f"sha256/b#.{kind}")}
    assert Mutant("exit", "public_data", f"sha256/b#.{kind}") in accepted_by("exit", out.unsatisfied)
    assert kind in sha_rounds.KINDS
