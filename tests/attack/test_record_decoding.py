"""How a slot reads its record: forged witnesses the spec refuses, each stopped by one named rule
(the mutation corpus's kills of ``slot#.b_in_tree``, ``slot#.m#``, ``slot#.bit#``; issue 10).

Each test forces the witness through the batch circuit with the mutation judge (the public input
is what the contract computes from the posted data and the claimed root), asserts that the spec
refuses what the prover claims, names the constraints the honest circuit fails, and rebuilds the
circuit without those rows to show they are all that stands in the way."""

from __future__ import annotations

import pytest

from circuits.field import R
from circuits.ledger.witness import dummy_signature
from circuits.native import babyjubjub as bjj
from tests.mutation import record_attacks as ra
from tests.mutation.groups import Mutant
from tests.mutation.judge import run_batch
from tests.mutation.statements import SMALL, batch_statement
from tests.mutation.tamper import HONEST, rebuilt_without
from tests.mutation.tamperers import const, setw


def _stopped(statement: str, tamper=HONEST) -> tuple[str, ...]:
    out = run_batch(batch_statement(statement), tamper)
    assert out.attack, f"the spec must refuse {statement}: {out.why}"
    return out.unsatisfied


def _accepted_without(statement: str, tamper, rule: str, kind: str | None) -> None:
    with rebuilt_without(Mutant("batch", rule, kind)):
        assert run_batch(batch_statement(statement), tamper).unsatisfied == ()


def test_a_seller_index_beyond_the_tree_is_stopped_by_b_in_tree():
    """A trade signed by accounts 0 and 1 whose record names seller 17 = 16 + 1 (a tree of 16): the
    lane opens account 1 from the index's low bits, the posted data names an account the spec
    does not have (BatchDataError on replay)."""
    st = "forged_trade_seller_aliased"
    assert _stopped(st) == ("slot0.b_in_tree",)
    _accepted_without(st, HONEST, "slot#.b_in_tree", None)


def test_market_flags_off_0_1_are_stopped_by_their_booleanity():
    """A signed trade on market 2 with m1 = 2, m0 = −1: Σ f = 1 and Σ m·f = 2 hold, the slot would
    move both markets at the oracle price 2·p_ETH − p_BTC."""
    st, tamper = "forged_trade_on_market_2", ra.market_flags(-1, 2)
    assert _stopped(st) == ("slot0.one_market", "slot0.market_code", "slot0.market_priced", "slot0.healthier_a")
    assert _stopped(st, tamper) == ("slot0.m0.bit", "slot0.m1.bit")
    _accepted_without(st, tamper, "slot#.m#", "bit")


def test_market_5_is_stopped_by_the_quote_remainder_as_well():
    """The brief's market 5 (m1 = 5, m0 = −4) makes the quote's divisor 4,600 > 2^10: no remainder
    passes both of its range checks."""
    failing = _stopped("forged_trade_on_market_2", ra.market_flags(-4, 5))
    assert {"slot0.m0.bit", "slot0.m1.bit"} < set(failing)
    assert any(r.startswith("slot0.quote_rem") for r in failing)


def test_record_bits_off_0_1_cannot_run_a_signed_eth_trade_on_btc():
    """The ETH trade's record bits moved (``MARKET_TO_A``) so that the slot reads market 0: the SHA-256
    message word (word 9, behind the batch time's low bits) and its σ0 keep their values, so the
    digest of the posted ETH trade still matches, and only the moved bits' booleanity rows fail (each
    leaves 0/1); the claimed root is a BTC execution."""
    out = run_batch(batch_statement("valid_trade_eth"), ra.eth_trade_run_on_btc())
    assert out.attack and out.why == "claimed root differs from the spec's"
    assert out.unsatisfied == tuple(f"slot0.bit{j}.bit" for j in sorted(ra.MARKET_TO_A))
    _accepted_without("valid_trade_eth", ra.eth_trade_run_on_btc(), "slot#.bit#", "bit")


@pytest.mark.parametrize(
    "statement, lane",
    [("refused_buyer_beyond_size_range", "a"), ("refused_seller_beyond_size_range", "b")],
)
def test_a_size_past_2_47_is_stopped_by_the_range_and_the_margin_sign(statement, lane):
    """One side of a well-margined trade at price 1 ends at |size| ≥ 2^47: the size range fails and so
    does the margin's sign decomposition of the same size (why size_range is redundant)."""
    assert _stopped(statement) == (f"slot0.{lane}.size_range.pack", f"slot0.{lane}.sign0.pack")


def test_an_expiry_of_2_64_is_stopped_by_its_64_bit_range_and_gate():
    """expiry − time fits 64 bits, the expiry itself does not (the spec reads it as unsigned 64-bit)."""
    st = "refused_withdraw_expiry_beyond_u64"
    assert _stopped(st) == ("slot0.expiry_u64.pack",)
    assert _stopped(st, setw("slot0.expiry_u64_gate", const(0))) == ("slot0.expiry_u64_gate",)


def test_two_signing_flags_check_sig_a_under_a_key_off_the_curve():
    """one_type's redundancy argument: with two of t2, t4, t5 set the oracle's key enters sig_a with
    active = 2, i.e. as 2·oracle − dummy, which is not a Baby Jubjub point."""
    o, d = SMALL.oracle_key, dummy_signature()[0]
    assert not bjj.on_curve(tuple((2 * o[j] - d[j]) % R for j in range(2)))
