"""Running a (possibly tampered) witness through a ledger circuit and judging it against the spec.

The public input is what the verifier (the rollup contract) computes from what the prover claims:
for a batch, SHA-256(Poseidon(stored old root, claimed new root, its own L1 queue heads) ‖ posted
data), with the data (version ‖ batch time ‖ records) read from the circuit's message bits and the
new root from the circuit (or the tamper's claim); for an exit, SHA-256(stored root ‖ claimed
account ‖ claimed amount).  So a witness whose old root, queue or data disagree with L1 fails
``commitment``, and one that agrees is an *attack* when the spec disagrees with the claim: the spec
refused the transactions, replays the posted data to another root, or pays another exit amount.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from circuits.field import R
from circuits.ledger.circuit import BatchCircuit
from circuits.ledger.exit import ExitCircuit, ExitWitness
from circuits.ledger.params import COLLATERAL_BITS, INDEX_BITS, NONCE_BITS, SIZE_BITS, TIME_BITS, VERSION, TxType
from circuits.ledger.records import RECORD_BITS
from circuits.ledger.state import exit_public_input, header, public_input, queue_step
from rollup.errors import BatchDataError, InvalidTransaction
from rollup.ledger.batch import BatchResult, replay_batch
from rollup.ledger.batch_data import HEAD_BYTES, TIME_BYTES
from rollup.ledger.escape import exit_amount
from rollup.ledger.state import LedgerState
from tests.mutation.tamper import HONEST, Tamper, TamperedCS, bits_value, poseidon_output, synthesize_tampered

SIGNED_TYPES = (TxType.WITHDRAW, TxType.TRADE, TxType.FUNDING, TxType.ORACLE, TxType.LIQUIDATION)


@dataclass(frozen=True)
class Outcome:
    circuit: str
    statement: str
    tamper: str
    unsatisfied: tuple[str, ...]
    attack: bool  # the claim differs from what the spec allows
    why: str


@dataclass(frozen=True)
class BatchStatement:
    """A batch as the spec saw it: the true start state, the (possibly forced) spec result, and
    whether the spec refused the transactions."""

    name: str
    start: LedgerState
    res: BatchResult
    refused: bool


@dataclass(frozen=True)
class ExitStatement:
    name: str
    state: LedgerState  # the frozen state (root on L1)
    witness: ExitWitness


def claim(tamper: Tamper, key: str) -> object:
    """What the prover claims on L1 for ``key`` (a value, or a function of nothing computed late)."""
    v = tamper.claims.get(key)
    return v() if callable(v) else v


# ---- batch ----------------------------------------------------------------------------------


def posted_time(cs: TamperedCS) -> int | None:
    """The batch time the SHA-256 message spells: its bits (``batch_time_bits``) when they are
    boolean, else the ``batch_time`` witness they pack to (None if that is not below 2^40)."""
    t = bits_value(cs, "batch_time_bits")
    t = cs.get("batch_time") if t is None else t
    return t if 0 <= t < (1 << TIME_BITS) else None


def posted_data(cs: TamperedCS, batch_size: int) -> bytes | None:
    """version ‖ batch time ‖ records as the circuit's message bits spell them (None if a record
    bit is not boolean or the time does not fit its 5 bytes)."""
    t = posted_time(cs)
    if t is None:
        return None
    out = bytearray([VERSION]) + t.to_bytes(TIME_BYTES, "big")
    for k in range(batch_size):
        bits = [cs.get(f"slot{k}.bit{i}") for i in range(RECORD_BITS)]
        if any(b not in (0, 1) for b in bits):
            return None
        out += int("".join(map(str, bits)), 2).to_bytes(RECORD_BITS // 8, "big")
    return bytes(out)


def record_offsets(data: bytes) -> range:
    """Where each record of a posting starts (after the version byte and the batch time)."""
    return range(HEAD_BYTES, len(data), RECORD_BITS // 8)


def _types(data: bytes) -> list[int]:
    return [data[i] >> 4 for i in record_offsets(data)]


def contract_queue_after(start: LedgerState, data: bytes) -> int | None:
    """The queue head the contract hashes for a posting (None: it has fewer items, it reverts)."""
    k = sum(t in TxType.QUEUED for t in _types(data))
    if k > len(start.pending):
        return None
    head = start.queue_head
    for it in start.pending[:k]:
        head = queue_step(head, it.kind, it.account, it.amount, it.pubkey)
    return head


def _verdict(st: BatchStatement, data: bytes, new_root: int) -> tuple[bool, str]:
    if data == st.res.data:
        if st.refused:
            return True, "the spec refuses these transactions"
        return new_root != st.res.new_root, "claimed root differs from the spec's"
    try:
        root = replay_batch(st.start, data).root
    except (InvalidTransaction, BatchDataError) as exc:
        return True, f"the spec refuses the posted data: {type(exc).__name__}"
    if new_root != root:
        return True, "claimed root differs from the spec's replay of the posted data"
    n = RECORD_BITS // 8
    resigned = [
        i for i in record_offsets(data) if data[i : i + n] != st.res.data[i : i + n] and data[i] >> 4 in SIGNED_TYPES
    ]
    return bool(resigned), "a signed record changed under its signatures"


def lane_b_path(st: BatchStatement, cs: TamperedCS) -> tuple[tuple[int, ...], ...]:
    """Lane b's Merkle siblings in the tree after the circuit's own lane-a write (a prover that
    changes lane a's leaf proves lane b against that tree, as the spec does with its own)."""
    rec = st.res.witness.slots[0].record
    tree = st.start.tree.copy()
    tree.set_leaf(rec.a, (cs.get("slot0.a.leaf_old") + cs.get("slot0.a.written")) % R)
    return tree.path(rec.b % st.start.params.num_accounts).siblings  # the circuit reads the low 2·depth bits


def _consistent(st: BatchStatement, tamper: Tamper) -> Tamper:
    """The tamper, plus lane b's path recomputed from the circuit's lane a (unless the tamper sets it)."""
    if st.start.params.batch_size != 1:
        raise ValueError("the mutation corpus runs batches of one slot")
    cache: dict[int, tuple] = {}

    def sibling(lv: int, j: int) -> Callable:
        def value(cs: TamperedCS, honest: int) -> int:
            if id(cs) not in cache:
                cache.clear()
                cache[id(cs)] = lane_b_path(st, cs)
            return cache[id(cs)][lv][j]

        return value

    names = {f"slot0.b.sib{lv}.{j}": sibling(lv, j) for lv in range(st.start.params.depth) for j in range(3)}
    extra = {n: f for n, f in names.items() if n not in tamper.overrides}
    return Tamper(tamper.label, {**tamper.overrides, **extra}, tamper.hooks, tamper.claims)


def run_batch(st: BatchStatement, tamper: Tamper = HONEST) -> Outcome:
    params = st.start.params
    cs = synthesize_tampered(BatchCircuit(params, st.res.witness, 0), _consistent(st, tamper))
    data = claim(tamper, "data") or posted_data(cs, params.batch_size) or st.res.data
    new_root = claim(tamper, "new_root")
    new_root = poseidon_output(cs, "new_root", 4) if new_root is None else new_root
    qa = contract_queue_after(st.start, data)
    if qa is None:
        return Outcome("batch", st.name, tamper.label, ("commitment",), False, "the contract's queue is shorter")
    cs.set_public(1, public_input(header(st.start.root, new_root, st.start.queue_head, qa), data))
    attack, why = _verdict(st, data, new_root)
    return Outcome("batch", st.name, tamper.label, tuple(cs.unsatisfied()), attack, why)


# ---- exit -----------------------------------------------------------------------------------


def _claimed(cs: TamperedCS, prefix: str, witness: str) -> int:
    v = bits_value(cs, prefix)
    return cs.get(witness) if v is None else v


def _in_range(v: int, bits: int, signed: bool = True) -> bool:
    v = v - R if v > R // 2 else v
    return -(1 << (bits - 1)) <= v < (1 << (bits - 1)) if signed else 0 <= v < (1 << bits)


def leaf_in_range(w: ExitWitness) -> bool:
    """The exit circuit's documented contract: it pays only from leaves whose fields are in range."""
    acct = w.lane.account
    return (
        _in_range(acct.nonce % R, NONCE_BITS, signed=False)
        and _in_range(acct.collateral % R, COLLATERAL_BITS)
        and all(_in_range(s % R, SIZE_BITS) for s in acct.sizes)
        and all(_in_range(c % R, INDEX_BITS) for c in acct.caches)
    )


def run_exit(st: ExitStatement, tamper: Tamper = HONEST) -> Outcome:
    cs = synthesize_tampered(ExitCircuit(st.state.params, st.witness, 0), tamper)
    account, amount = claim(tamper, "account"), claim(tamper, "amount")
    account = _claimed(cs, "account_bits", "account") if account is None else account
    amount = _claimed(cs, "amount_bits", "amount.q") if amount is None else amount
    cs.set_public(1, exit_public_input(st.state.root, account, amount))
    if not 0 <= account < st.state.params.num_accounts:
        attack, why = True, "no such account"
    elif not leaf_in_range(st.witness):
        attack, why = True, "the leaf holds a field out of range"
    else:
        attack, why = amount != exit_amount(st.state, account), "claimed amount differs from the spec's"
    return Outcome("exit", st.name, tamper.label, tuple(cs.unsatisfied()), attack, why)
