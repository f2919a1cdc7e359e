"""Poseidon rows inside the ledger circuits: a prover free in one kind of S-box row of a hash
(``tamperers.steer``) makes it output what the attack needs: a forged leaf that still opens to the
true root, a forged start state that hashes to the stored root, another new root or header, the
contract's queue head for a deposit other than the queued one, an old message for a replayed
signature."""

from __future__ import annotations

from tests.mutation import statements as stmts
from tests.mutation.ledger_values import (
    forged_opening,
    other_header,
    queue_head,
    replayed_message,
    true_leaf,
    true_node,
)
from tests.mutation.tamper import Tamper
from tests.mutation.tamperers import bump, steer

KINDS = ("x2", "x4", "x5")
LEAF, MARKETS, MARKET = (
    8,
    3,
    4,
)  # Poseidon inputs of a leaf (2 markets), the markets hash (time, 2 market hashes), a market


def _forged_start(name: str) -> Tamper:
    """A start price one above the stored one (it reaches the new root; the start time no longer
    does: the slots run from the posted batch time)."""
    return bump("start.price0", 1)


def poseidon_attacks() -> list[tuple[str, Tamper]]:
    out = []
    for k in KINDS:
        head, claims = other_header("trade")
        out += [
            ("trade", steer("new_root", 4, None, k)),
            ("trade", steer("new_root.markets", MARKETS, None, k)),
            ("trade", steer("new_root.market0", MARKET, None, k)),
            (
                "trade",
                _forged_start("trade") + steer("old_root", 4, lambda cs: stmts.batch_statement("trade").start.root, k),
            ),
            (
                "trade",
                _forged_start("trade")
                + steer("old_root.markets", MARKETS, lambda cs: stmts.batch_statement("trade").start.markets_hash, k),
            ),
            ("trade", Tamper(f"header for another root ({k})", claims=claims) + steer("header", 4, head, k)),
            (
                "valid_withdraw",
                forged_opening("valid_withdraw", "a")
                + steer("slot0.a.leaf_old", LEAF, true_leaf("valid_withdraw", "a"), k),
            ),
            ("trade", forged_opening("trade", "b") + steer("slot0.b.leaf_old", LEAF, true_leaf("trade", "b"), k)),
            ("valid_withdraw", steer("slot0.a.leaf_new", LEAF, None, k)),
            ("trade", steer("slot0.b.leaf_new", LEAF, None, k)),
            (
                "valid_withdraw",
                forged_opening("valid_withdraw", "a")
                + steer("slot0.a.merkle.old.h0", 4, true_node("valid_withdraw", "a"), k),
            ),
            ("trade", forged_opening("trade", "b") + steer("slot0.b.merkle.old.h0", 4, true_node("trade", "b"), k)),
            ("valid_withdraw", steer("slot0.a.merkle.new.h0", 4, None, k)),
            ("trade", steer("slot0.b.merkle.new.h0", 4, None, k)),
            ("deposit_not_the_queue_item", steer("slot0.hash", 4, queue_head("deposit_not_the_queue_item"), k)),
            ("reused_signature", steer("slot0.hash", 4, replayed_message("reused_signature"), k)),
        ]
    return out
