"""A slot's record in circuit: its 160 bits (which go into SHA-256 as posted), the
field values read from them, the one-hot type and market flags, and the rule that
fields a type does not use are zero (``circuits.ledger.records``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from circuits.gadgets.basic import alloc_bit, lc
from circuits.ledger.params import LedgerParams, TxType
from circuits.ledger.records import LAYOUT, RECORD_BITS, USES, Record
from circuits.r1cs import ConstraintSystem, LinearCombination, Variable

LC = LinearCombination
MARKET_TYPES = (TxType.TRADE, TxType.FUNDING, TxType.ORACLE, TxType.LIQUIDATION, TxType.FORCED_CLOSE)


@dataclass
class RecordWires:
    bits: list[Variable]  # big-endian, as posted
    fields: dict[str, LC]  # name -> value
    field_bits: dict[str, list[Variable]]  # name -> little-endian bits
    t: list[Variable]  # t[k] = [type == k]
    mflags: list[Variable]  # mflags[m] = [the record's market is m]; all 0 for types without a market

    def any_of(self, *types: int) -> LC:
        out = LC({})
        for k in types:
            out = out + self.t[k]
        return out

    def as_int(self) -> LC:
        """The 160-bit record as one field element (what signatures sign)."""
        out = LC({})
        for b in self.bits:
            out = out * 2 + b
        return out


def record_wires(cs: ConstraintSystem, p: LedgerParams, rec: Callable[[], Record], name: str) -> RecordWires:
    top = RECORD_BITS - 1
    bits = [alloc_bit(cs, f"{name}.bit{i}", lambda i=i: (rec().to_int() >> (top - i)) & 1) for i in range(RECORD_BITS)]
    fields, field_bits, pos = {}, {}, 0
    for fname, width in LAYOUT:
        chunk = bits[pos : pos + width]
        pos += width
        field_bits[fname] = chunk[::-1]
        value = LC({})
        for b in chunk:
            value = value * 2 + b
        fields[fname] = value
    w = RecordWires(bits, fields, field_bits, _type_flags(cs, fields["tx_type"], rec, name), [])
    w.mflags = _market_flags(cs, p, w, rec, name)
    _unused_zero(cs, w, name)
    return w


def _type_flags(cs: ConstraintSystem, tx_type: LC, rec: Callable[[], Record], name: str) -> list[Variable]:
    """One boolean per type; exactly one is set and it matches the type field (so codes 8..15 fail)."""
    t = [alloc_bit(cs, f"{name}.t{k}", lambda k=k: int(rec().tx_type == k)) for k in TxType.ALL]
    total, code = LC({}), LC({})
    for k, f in zip(TxType.ALL, t):
        total, code = total + f, code + lc(f) * k
    cs.enforce(total, cs.one(), 1, f"{name}.one_type")
    cs.enforce(code, cs.one(), tx_type, f"{name}.type_code")
    return t


def _market_flags(cs: ConstraintSystem, p: LedgerParams, w: RecordWires, rec: Callable[[], Record], name: str) -> list:
    """One boolean per market; one is set iff the type has a market, and it matches the market field."""
    uses = w.any_of(*MARKET_TYPES)
    f = [
        alloc_bit(cs, f"{name}.m{m}", lambda m=m: int(rec().tx_type in MARKET_TYPES and rec().market == m))
        for m in range(len(p.markets))
    ]
    total, code = LC({}), LC({})
    for m, fm in enumerate(f):
        total, code = total + fm, code + lc(fm) * m
    cs.enforce(total, cs.one(), uses, f"{name}.one_market")
    cs.enforce(code, cs.one(), w.fields["market"], f"{name}.market_code")
    return f


def _unused_zero(cs: ConstraintSystem, w: RecordWires, name: str) -> None:
    for fname in ("a", "b", "amount", "price"):
        users = w.any_of(*(k for k in TxType.ALL if fname in USES[k]))
        cs.enforce(1 - users, w.fields[fname], 0, f"{name}.unused_{fname}")


def index_bits(cs: ConstraintSystem, p: LedgerParams, w: RecordWires, which: str, name: str) -> list[Variable]:
    """The account index's Merkle path bits (2 per level); bits beyond the tree must be zero."""
    bits = w.field_bits[which]
    used, high = bits[: 2 * p.depth], bits[2 * p.depth :]
    if high:
        total = LC({})
        for b in high:
            total = total + b
        cs.enforce(total, cs.one(), 0, f"{name}.{which}_in_tree")
    return used
