"""The data binding's SHA-256 (``public_data``): a prover that claims other public data and writes
the digest of that claim into the last block's output words.  Every bit stays boolean; only the
sums that produce the final state words (``sha256/b#.h#.sum``) fail, so without them (or without
the whole gadget) the proof commits to data the transitions never saw.  The same claims, reached
through each kind of row inside the compression, are ``sha_rounds``."""

from __future__ import annotations

from collections.abc import Callable

from circuits.ledger.records import RECORD_BITS
from circuits.ledger.state import exit_public_input, header, public_input
from rollup.ledger.batch_data import HEAD_BYTES
from rollup.ledger.escape import exit_amount
from tests.mutation import sha_rounds
from tests.mutation import statements as stmts
from tests.mutation.judge import contract_queue_after, posted_data
from tests.mutation.tamper import Tamper, TamperedCS, TamperError, bits_value, poseidon_output

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


def _claimed_data(st: object) -> bytes:
    """The statement's records posted with the first slot's amount field one higher."""
    data = bytearray(st.res.data)  # type: ignore[attr-defined]
    data[HEAD_BYTES + RECORD_BITS // 8 - 1] ^= 1  # the record's last byte: amount/price low bits
    return bytes(data)


def _batch_header(st: object, cs: TamperedCS, claimed: bytes) -> int:
    new_root = poseidon_output(cs, "new_root", 4)
    qa = contract_queue_after(st.start, claimed)  # type: ignore[attr-defined]
    return header(st.start.root, new_root, st.start.queue_head, qa)  # type: ignore[attr-defined]


def other_batch_data(name: str) -> tuple[str, Tamper]:
    """The statement's records posted with the first slot's amount field one higher."""
    st = stmts.batch_statement(name)
    claimed = _claimed_data(st)

    def target(cs: TamperedCS) -> int:
        return public_input(_batch_header(st, cs, claimed), claimed)

    return name, _digest("SHA-256 digest of other posted data", target, {"data": claimed})


def other_exit_amount(name: str, account: int) -> tuple[str, Tamper]:
    """The exit of ``account`` with one more unit paid than the spec's amount."""
    st = stmts.exit_statement(name)
    more = exit_amount(st.state, account) + 1

    def target(cs: TamperedCS) -> int:
        return exit_public_input(st.state.root, account, more)

    return name, _digest("SHA-256 digest of another amount", target, {"amount": more})


def _word32(v: int) -> bytes:
    return v.to_bytes(32, "big")


def steered_batch(name: str) -> list[tuple[str, Tamper]]:
    """other_batch_data through every inner kind of the compression's rows."""
    st = stmts.batch_statement(name)
    claimed = _claimed_data(st)
    bs = st.start.params.batch_size
    message = lambda cs: _word32(bits_value(cs, "header_bits")) + posted_data(cs, bs)  # noqa: E731
    target = lambda cs: _word32(_batch_header(st, cs, claimed)) + claimed  # noqa: E731
    last = (32 + len(st.res.data) + 8) // 64
    return [(name, sha_rounds.steer(k, last, message, target, {"data": claimed})) for k in sha_rounds.KINDS]


def steered_exit(name: str, account: int) -> list[tuple[str, Tamper]]:
    """other_exit_amount through every inner kind of the compression's rows."""
    st = stmts.exit_statement(name)
    more = exit_amount(st.state, account) + 1
    fields = ("root_bits", "account_bits", "amount_bits")
    message = lambda cs: b"".join(_word32(bits_value(cs, f)) for f in fields)  # noqa: E731
    target = lambda cs: _word32(st.state.root) + _word32(account) + _word32(more)  # noqa: E731
    return [(name, sha_rounds.steer(k, 1, message, target, {"amount": more})) for k in sha_rounds.KINDS]


def attacks() -> dict[str, list[tuple[str, Tamper]]]:
    return {
        "batch": [other_batch_data("valid_withdraw"), *steered_batch("valid_withdraw")],
        "exit": [other_exit_amount("exit_1", 1), *steered_exit("exit_1", 1)],
    }
