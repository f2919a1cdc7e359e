"""A trade's two signatures are checked as one batch: the same verdicts and the same side named."""

from dataclasses import replace

import pytest

from circuits.native.eddsa import Signature
from rollup import errors as err
from rollup.ledger.demo import funded_world

BTC = 0


def _trade():
    w, _ = funded_world()
    return w, w.trade(BTC, 0, 1, 10, 3_000_000)


def _bump(sig: Signature) -> Signature:
    return Signature(sig.r8, sig.s + 1)


@pytest.mark.parametrize(
    "buyer_bad,seller_bad,named",
    [(True, False, "buyer"), (False, True, "seller"), (True, True, "buyer")],
)
def test_the_first_bad_side_is_named(buyer_bad, seller_bad, named):
    w, tx = _trade()
    before = w.state.root
    bad = replace(
        tx,
        buyer_signature=_bump(tx.buyer_signature) if buyer_bad else tx.buyer_signature,
        seller_signature=_bump(tx.seller_signature) if seller_bad else tx.seller_signature,
    )
    with pytest.raises(err.BadSignature, match=f"^{named}: signature does not verify"):
        w.apply(bad)
    assert w.state.root == before
    w.apply(tx)  # the honest trade still goes through


def test_swapped_or_malformed_signatures_are_refused():
    w, tx = _trade()
    with pytest.raises(err.BadSignature, match="^buyer"):
        w.apply(replace(tx, buyer_signature=tx.seller_signature, seller_signature=tx.buyer_signature))
    with pytest.raises(err.BadSignature, match="^seller"):
        w.apply(replace(tx, seller_signature=(tx.seller_signature.r8, tx.seller_signature.s)))


def test_expiry_is_checked_before_the_signatures():
    w, _ = funded_world()
    tx = w.trade(BTC, 0, 1, 10, 3_000_000, expiry=w.state.time - 1)
    with pytest.raises(err.Expired, match="^buyer: expired"):
        w.apply(replace(tx, seller_signature=_bump(tx.seller_signature)))
