"""One account lane of a slot: open the old leaf, apply the slot's deltas, write, margin.

Phases, because the deltas of lane a depend on its old position (liquidation):
  open   : old fields (all zero unless ``exists``), leaf = exists·Poseidon(fields), one hash
           input per field; funding settled (collateral -= Σ size·(index - cache)); the
           selected market's size;
  close  : new fields with the deltas, ranges (the changed size signed 48-bit; collateral
           signed 64-bit unless the slot checks it itself; a nonce that is not exhausted),
           new leaf, and the gated Merkle update of the root;
  margin : value and risk of the old (settled) or new fields, as ``circuits.ledger.params`` defines.

Old fields need no range checks at the opening: every field is its own Poseidon input, so a
leaf opens to exactly the fields it was written with (no packed input whose parts could be
traded against each other, the exit-drain pattern), and every write range-checks what it
changes (collateral, the selected size, the nonce; indices are checked when funding moves them).
The exit circuit, which opens without writing, range-checks every opened field as well.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from circuits.gadgets.basic import alloc_bit, lc, mul, nonzero_if, select
from circuits.gadgets.bits import is_nonnegative, signed_range_check
from circuits.gadgets.merkle import merkle_update_if
from circuits.gadgets.poseidon import poseidon
from circuits.ledger.params import ARITY, COLLATERAL_BITS, NONCE_BITS, RISK_UNIT, SIZE_BITS, LedgerParams
from circuits.ledger.witness import LaneWitness
from circuits.r1cs import ConstraintSystem, LCLike, LinearCombination, Variable

LC = LinearCombination


@dataclass
class MarketWires:
    price: LC
    index: LC  # funding index (a signed residue)
    ftime: LC  # time funding was last paid up to
    ptime: LC  # timestamp of the price's oracle tick (0: never priced)


@dataclass
class Margin:
    value: LC  # value_scaled
    risk: LC  # initial risk_scaled
    excess_initial: LC  # value·RISK_UNIT - initial risk (scaled)
    excess_maintenance: LC
    signs: list[Variable]  # [size_m ≥ 0] for the sizes margined


class AccountLane:
    def __init__(self, cs: ConstraintSystem, params: LedgerParams, name: str, lw: Callable[[], LaneWitness]) -> None:
        self.cs, self.p, self.name, self.lw = cs, params, name, lw

    def _field(self, label: str, k: int) -> Variable:
        return self.cs.new_witness(f"{self.name}.{label}", lambda: self.lw().account.fields()[k])

    def open(self, markets: list[MarketWires], mflags: list[Variable]) -> None:
        cs, n = self.cs, self.name
        self.exists = alloc_bit(cs, f"{n}.exists", lambda: int(self.lw().exists))
        self.labels = ["pk_x", "pk_y", "nonce", "collateral"]
        for m in range(len(markets)):
            self.labels += [f"size{m}", f"cache{m}"]
        self.fields = [lc(self._field(label, k)) for k, label in enumerate(self.labels)]
        for label, f in zip(self.labels, self.fields):
            cs.enforce(1 - lc(self.exists), f, 0, f"{n}.empty.{label}")
        self.pk = (self.fields[0], self.fields[1])
        self.nonce, self.collateral = self.fields[2], self.fields[3]
        self.sizes, self.caches = self.fields[4::2], self.fields[5::2]
        self.leaf_old = mul(cs, self.exists, poseidon(cs, self.fields, f"{n}.leaf_old"), f"{n}.leaf_old")
        paid = LC({})
        for m, (s, c, mk) in enumerate(zip(self.sizes, self.caches, markets)):
            paid = paid + mul(cs, s, mk.index - c, f"{n}.funding{m}")
        self.settled = self.collateral - paid
        self.markets, self.mflags = markets, mflags
        self.size_sel = dot(cs, mflags, self.sizes, f"{n}.size_sel")

    def close(
        self,
        root: LCLike,
        use: tuple[LCLike, LCLike],
        idx_bits: list[Variable],
        deltas: tuple[LCLike, LCLike, LCLike],
        create: tuple[LCLike, tuple[LCLike, LCLike]] | None = None,
        check_collateral: bool = True,
    ) -> Variable:
        """Apply (d_collateral, d_size in the selected market, nonce increment ∈ {0, 1}); return the
        new root.  use = (opened, written): an opened lane's old leaf is proven under root (a lane
        opened to prove a refusal is checked like any other), a written one is replaced by the new
        leaf.  With check_collateral False the caller constrains the new collateral's range."""
        cs, n = self.cs, self.name
        d_coll, d_size, inc = deltas
        self.new_collateral = self.settled + d_coll
        self.new_sizes = [
            s + mul(cs, f, d_size, f"{n}.dsize{m}") for m, (s, f) in enumerate(zip(self.sizes, self.mflags))
        ]
        self.new_size_sel = self.size_sel + d_size
        if check_collateral:
            signed_range_check(cs, self.new_collateral, COLLATERAL_BITS, f"{n}.collateral_range")
        signed_range_check(cs, self.new_size_sel, SIZE_BITS, f"{n}.size_range")
        # the old nonce is below 2^32 (written so); an increment must not reach 2^32
        nonzero_if(cs, inc, self.nonce - ((1 << NONCE_BITS) - 1), f"{n}.nonce_left")
        pk, exists = self.pk, lc(self.exists)
        if create is not None:
            flag, item_pk = create
            pk = tuple(k + mul(cs, flag, lc(i) - k, f"{n}.new_pk{j}") for j, (k, i) in enumerate(zip(pk, item_pk)))
            exists = exists + mul(cs, flag, 1 - exists, f"{n}.created")
        fields = [*pk, self.nonce + inc, self.new_collateral]
        for s, mk in zip(self.new_sizes, self.markets):
            fields += [s, mk.index]
        leaf_new = mul(cs, exists, poseidon(cs, fields, f"{n}.leaf_new"), f"{n}.leaf_new")
        opened, written = use
        if lc(opened).terms != lc(written).terms:  # some types only open this lane
            leaf_new = self.leaf_old + mul(cs, written, leaf_new - self.leaf_old, f"{n}.written")
        sibs = self._siblings()
        return merkle_update_if(cs, opened, root, self.leaf_old, leaf_new, idx_bits, sibs, ARITY, f"{n}.merkle")

    def _siblings(self) -> list[list[Variable]]:
        cs, n = self.cs, self.name
        return [
            [cs.new_witness(f"{n}.sib{lv}.{j}", lambda lv=lv, j=j: self.lw().siblings[lv][j]) for j in range(ARITY - 1)]
            for lv in range(self.p.depth)
        ]

    def margin(self, use_old: LCLike | None) -> Margin:
        """Value and risk on the settled old fields where use_old = 1, else on the new ones."""
        cs, n, p = self.cs, self.name, self.p
        coll, sizes = self.new_collateral, self.new_sizes
        if use_old is not None:
            coll = lc(select(cs, use_old, self.settled, coll, f"{n}.m_coll"))
            sizes = [lc(select(cs, use_old, o, s, f"{n}.m_size{m}")) for m, (o, s) in enumerate(zip(self.sizes, sizes))]
        value, r_init, r_maint, signs = coll * p.scale_lcm, LC({}), LC({}), []
        for m, (s, mk, cfg) in enumerate(zip(sizes, self.markets, p.markets)):
            sp = mul(cs, s, mk.price, f"{n}.notional{m}")
            pos = is_nonnegative(cs, s, SIZE_BITS, f"{n}.sign{m}")
            signs.append(pos)
            abs_sp = mul(cs, lc(pos) * 2 - 1, sp, f"{n}.abs_notional{m}")
            c = p.scale_factor(m)
            value = value + sp * c
            r_init = r_init + abs_sp * (c * cfg.risk_factor_initial)
            r_maint = r_maint + abs_sp * (c * cfg.risk_factor_maintenance)
        return Margin(value, r_init, value * RISK_UNIT - r_init, value * RISK_UNIT - r_maint, signs)


def dot(cs: ConstraintSystem, flags: list[Variable], xs: list[LC], name: str) -> LC:
    """Σ flag_m·x_m (one constraint per term)."""
    out = LC({})
    for m, (f, x) in enumerate(zip(flags, xs)):
        out = out + mul(cs, f, x, f"{name}{m}")
    return out
