"""The data binding's SHA-256 (``public_data``): a prover that claims other public data and writes
the digest of that claim into the last block's output words.  Every bit stays boolean; only the
sums that produce the final state words (``sha256/b#.h#.sum``) fail, so without them (or without
the whole gadget) the proof commits to data the transitions never saw."""

from __future__ import annotations

from collections.abc import Callable

from circuits.ledger.records import RECORD_BITS
from circuits.ledger.state import exit_public_input, header, public_input
from rollup.ledger.batch_data import HEAD_BYTES
from rollup.ledger.escape import exit_amount
from tests.mutation import statements as stmts
from tests.mutation.judge import contract_queue_after
from tests.mutation.tamper import Tamper, TamperedCS, TamperError, poseidon_output

PREFIX = "public_data.sha256"


def _last_block(cs: TamperedCS) -> int:
    k = 0
    while cs.has(f"{PREFIX}/b{k + 1}.h0.s0"):
        k += 1
    if not cs.has(f"{PREFIX}/b{k}.h0.s0"):
        raise TamperError("the SHA-256 gadget was not synthesized")
    return k


def write_digest(cs: TamperedCS, value: int) -> None:
    """Set the final state words' bits so the digest, mod 2^253, reads ``value`` (top 3 bits kept)."""
    blk = _last_block(cs)
    for d in range(3, 256):
        word, i = divmod(d, 32)
        cs.set(f"{PREFIX}/b{blk}.h{word}.s{31 - i}", (value >> (255 - d)) & 1)


def _digest(label: str, target: Callable[[TamperedCS], int], claims: dict) -> Tamper:
    """At the commitment row, the digest of the claim; the gadget is synthesized in full (an
    unchanged first sum bit reaches into it, so the native shortcut is off)."""

    def hook(cs: TamperedCS, a: object, b: object, c: object) -> None:
        write_digest(cs, target(cs))

    full = {f"{PREFIX}/b0.h0.s0": lambda cs, honest: honest}
    return Tamper(label, overrides=full, hooks={"commitment": hook}, claims=claims)


def other_batch_data(name: str) -> tuple[str, Tamper]:
    """The statement's records posted with the first slot's amount field one higher."""
    st = stmts.batch_statement(name)
    data = bytearray(st.res.data)
    data[HEAD_BYTES + RECORD_BITS // 8 - 1] ^= 1  # the record's last byte: amount/price low bits
    claimed = bytes(data)

    def target(cs: TamperedCS) -> int:
        new_root = poseidon_output(cs, "new_root", 4)
        qa = contract_queue_after(st.start, claimed)
        return public_input(header(st.start.root, new_root, st.start.queue_head, qa), claimed)

    return name, _digest("SHA-256 digest of other posted data", target, {"data": claimed})


def other_exit_amount(name: str, account: int) -> tuple[str, Tamper]:
    """The exit of ``account`` with one more unit paid than the spec's amount."""
    st = stmts.exit_statement(name)
    more = exit_amount(st.state, account) + 1

    def target(cs: TamperedCS) -> int:
        return exit_public_input(st.state.root, account, more)

    return name, _digest("SHA-256 digest of another amount", target, {"amount": more})


def attacks() -> dict[str, list[tuple[str, Tamper]]]:
    return {"batch": [other_batch_data("valid_withdraw")], "exit": [other_exit_amount("exit_1", 1)]}
