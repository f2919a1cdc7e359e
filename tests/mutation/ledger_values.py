"""Values the ledger attacks aim at, computed from the statements: the true leaf or node a forged
opening must still reach, the queue head the contract hashes, an old message, another header."""

from __future__ import annotations

from circuits.ledger.state import header, message
from circuits.native.poseidon import poseidon
from tests.mutation import statements as stmts
from tests.mutation.judge import contract_queue_after
from tests.mutation.tamper import Tamper, TamperedCS
from tests.mutation.tamperers import Value, bump


def _slot(name: str):
    return stmts.batch_statement(name).res.witness.slots[0]


def true_leaf(name: str, lane: str) -> Value:
    """The lane's leaf as the spec holds it (what a forged opening must still hash to)."""
    return lambda cs: getattr(_slot(name), f"lane_{lane}").account.leaf()


def forged_opening(name: str, lane: str) -> Tamper:
    """Lane ``lane`` opens with 1,000,000 more collateral than its leaf holds."""
    return bump(f"slot0.{lane}.collateral", 10**6)


def true_node(name: str, lane: str) -> Value:
    """The level-1 node above the lane's true leaf (its level-0 hash as the spec computes it)."""

    def value(cs: TamperedCS) -> int:
        slot = _slot(name)
        lw, index = getattr(slot, f"lane_{lane}"), getattr(slot.record, lane)
        children = list(lw.siblings[0])
        children.insert(index & 3, lw.account.leaf())
        return poseidon(children)

    return value


def queue_head(name: str) -> Value:
    """The queue head the contract hashes after the statement's posting."""

    def value(cs: TamperedCS) -> int:
        st = stmts.batch_statement(name)
        return contract_queue_after(st.start, st.res.data)

    return value


def replayed_message(name: str) -> Value:
    """What a withdrawal signed one nonce earlier signs (the replayed signature's message)."""

    def value(cs: TamperedCS) -> int:
        st = stmts.batch_statement(name)
        slot = st.res.witness.slots[0]
        nonce = st.start.accounts[slot.record.a].nonce - 1
        return message(st.start.domain, slot.record.to_int(), nonce, 0, slot.expiry)

    return value


def other_header(name: str) -> tuple[Value, dict]:
    """A header for another new root, and the claim of that root on L1."""

    def claimed() -> int:
        return stmts.batch_statement(name).res.new_root + 1

    def value(cs: TamperedCS) -> int:
        st = stmts.batch_statement(name)
        qa = contract_queue_after(st.start, st.res.data)
        return header(st.start.root, claimed(), st.start.queue_head, qa)

    return value, {"new_root": claimed}
