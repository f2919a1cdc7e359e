"""Adversarial witnesses for the exit circuit: each claims an exit amount the spec does not pay
(or an exit from a leaf that is not under the stored root), using one dropped kind's freedom."""

from __future__ import annotations

from circuits.native.poseidon import poseidon
from tests.mutation import statements as stmts
from tests.mutation.hash_attacks import KINDS, LEAF, MARKET, MARKETS
from tests.mutation.merkle_attacks import CHILD_PRODUCTS, fix_child, free_indicator
from tests.mutation.tamper import Tamper, TamperedCS
from tests.mutation.tamperers import Value, bump, const, repack, setw, steer, top_bit

SIBS = [f"sib0.{j}" for j in range(3)]
FIELDS = ("pk_x", "pk_y", "nonce", "collateral", "size0", "cache0", "size1", "cache1")


def _st(name: str):
    return stmts.exit_statement(name)


def leaf(name: str) -> Value:
    return lambda cs: _st(name).witness.lane.account.leaf(_st(name).witness.lane.exists)


def node(name: str) -> Value:
    def value(cs: TamperedCS) -> int:
        w = _st(name).witness
        children = list(w.lane.siblings[0])
        children.insert(w.account & 3, leaf(name)(cs))
        return poseidon(children)

    return value


def _market_hash(name: str, m: int) -> Value:
    """Market m's hash in the frozen root (what an opening of other market fields must reach)."""
    return lambda cs: poseidon(_st(name).state.markets[m].fields())


def forged(name: str) -> Tamper:
    """The account opens with 1,000,000 more collateral than its leaf holds."""
    return bump("exit.collateral", 10**6)


def _bits(prefix: str, value: Value, n: int, claims: dict | None = None) -> Tamper:
    def hook(cs: TamperedCS, a: object, b: object, c: object) -> None:
        v = value(cs)
        for i in range(n):
            cs.set(f"{prefix}.b{i}", (v >> i) & 1)

    return Tamper(f"{prefix} spells another value", hooks={f"{prefix}.pack": hook}, claims=claims or {})


def _zero_fields() -> Tamper:
    from circuits.field import R

    zero = poseidon([0] * len(FIELDS))
    t = Tamper("the account opens as zeros", overrides={f"exit.{f}": lambda cs, h: 0 for f in FIELDS})
    return t + setw("exit.exists", lambda cs: leaf("exit_1")(cs) * pow(zero, -1, R))


def _amount(name: str, d: int) -> Tamper:
    return bump("amount.q", d) + bump("amount.r", -d * stmts.SMALL.scale_lcm)


def attacks() -> list[tuple[str, Tamper]]:
    price = bump("market0.price", 100_000)  # the root then opens another price (and value)
    out = [
        ("exit_1", forged("exit_1")),  # only membership stops it
        ("exit_1", forged("exit_1") + setw("exit.leaf_old", leaf("exit_1"))),
        ("exit_1", bump("amount.q")),
        *[("exit_1", _amount("exit_1", -1) + t) for t in (Tamper(), repack("amount.r<d"))],
        *[("exit_1_odd", _amount("exit_1_odd", 1) + t) for t in (Tamper(), repack("amount.r"))],
        ("exit_1", _bits("amount_bits", lambda cs: cs.get("amount.q") + 1, stmts.bounds().exit_value_bits)),
        ("exit_1", Tamper("claims one more", claims={"amount": lambda: _claim_more("exit_1")})),
        ("exit_3", setw("exit.collateral", const(10**6))),  # an account that does not exist
        ("exit_3", setw("exit.size0", const(5))),
        ("exit_1", _zero_fields()),
        ("exit_1", bump("exit.funding0")),
        ("exit_1_odd", bump("notional0", 1000)),
        ("exit_1", bump("value_pos", 1000)),
        *[("exit_1", t) for t in (top_bit("value_sign", 0), top_bit("value_sign", 0, absorb=True))],
        ("exit_1_odd", price + _bits("root_bits", lambda cs: _st("exit_1_odd").state.root, 254)),
    ]
    for k in KINDS:
        out += [
            ("exit_1", forged("exit_1") + steer("exit.leaf_old", LEAF, leaf("exit_1"), k)),
            ("exit_1", forged("exit_1") + steer("path.h0", 4, node("exit_1"), k)),
            ("exit_1_odd", price + steer("root", 4, lambda cs: _st("exit_1_odd").state.root, k)),
            ("exit_1_odd", price + steer("root.markets", MARKETS, lambda cs: _st("exit_1_odd").state.markets_hash, k)),
            ("exit_1_odd", price + steer("root.market0", MARKET, _market_hash("exit_1_odd", 0), k)),
        ]
    for a in range(4):  # account a sits at position a of the lowest level
        name = f"exit_{a}"
        forge = forged(name) if a < 3 else setw("exit.exists", const(1)) + setw("exit.collateral", const(10**6))
        true = leaf(name) if a < 3 else const(0)
        out += [(name, forge + fix_child("path.l0", SIBS, a, kind, true)) for kind in CHILD_PRODUCTS[a]]
        if a < 2:
            out.append((name, forge + free_indicator("path.l0.e3", SIBS, a, "exit.leaf_old", true)))
    return out


def _claim_more(name: str) -> int:
    from rollup.ledger.escape import exit_amount

    st = _st(name)
    return exit_amount(st.state, st.witness.account) + 1
