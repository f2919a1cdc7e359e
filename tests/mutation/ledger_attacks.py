"""Adversarial witnesses for the ledger rules of the batch slot: each uses the freedom one dropped
rule gives (a product, a selection, a comparison's answer) on a statement where that freedom turns
an invalid transaction into a satisfying witness, or makes the circuit compute another root.

The statements are in ``tests.mutation.statements``; lane a is the buyer (withdrawer, depositor,
liquidated account), lane b the seller (liquidator)."""

from __future__ import annotations

import functools

from circuits.field import R
from tests.mutation import statements as stmts
from tests.mutation.ledger_values import forged_opening, other_header, queue_head, true_leaf
from tests.mutation.tamper import Tamper, TamperedCS
from tests.mutation.tamperers import Value, bump, const, copy_at, half, repack, setw, solve, times, top_bit

A, B = "slot0.a", "slot0.b"


def _chosen(*rows: tuple[str, str, int]) -> list[tuple[str, Tamper]]:
    """(statement, wire := value) attacks, one a row."""
    return [(statement, setw(wire, const(value))) for statement, wire, value in rows]


def sign_decomposition(prefix: str) -> list[Tamper]:
    """A sign or comparison's answer forced to 1: with the packing row broken, and with the bits
    repacked (a booleanity row broken)."""
    return [top_bit(prefix, 1), top_bit(prefix, 1, absorb=True)]


def healthier(lane: str, grows: str, flips: str, dear: str) -> list[tuple[str, Tamper]]:
    """The StarkEx exemption of one trade side: ``grows`` (the position grows: shrinks fails),
    ``flips`` (it changes sign: same_side fails), ``dear`` (it shrinks at a price that lowers the
    value/risk ratio)."""
    p = f"slot0.{lane}"
    out = [(grows, t) for t in sign_decomposition(f"{p}.shrinks")]
    out += [(flips, t) for t in sign_decomposition(f"{p}.same_side")]
    out += [(dear, t) for t in sign_decomposition(f"{p}.ratio")]
    out += [
        (grows, setw(f"{p}.abs_old", const(10**6))),
        (flips, setw(f"{p}.along", const(100))),
        (grows, setw(f"{p}.reducing", const(1))),
        (grows, setw(f"{p}.may_heal", const(1))),
        (dear, setw(f"{p}.heals", const(1))),
        (dear, setw(f"{p}.unwell", const(0))),
        (dear, setw(f"{p}.ratio_gate", const(0))),
        (dear, setw(f"{p}.v_before_r_after", lambda cs: cs.get(f"{p}.v_after_r_before"))),
        (dear, copy_at(f"{p}.v_before_r_after", f"{p}.v_after_r_before", f"{p}.v_before_r_after")),
    ]
    return out


ATTACKS: list[tuple[str, Tamper]] = [
    # opening a lane: the leaf product, funding settlement, the selected size
    ("valid_withdraw", forged_opening("valid_withdraw", "a") + setw(f"{A}.leaf_old", true_leaf("valid_withdraw", "a"))),
    ("trade", forged_opening("trade", "b") + setw(f"{B}.leaf_old", true_leaf("trade", "b"))),
    ("valid_liquidation", setw(f"{A}.size_sel0", const(-300))),  # the long claims to be short
    ("refused_underwater_seller_grows", setw(f"{B}.size_sel0", const(10))),  # the short claims a long of 10
    # pairing rules
    ("refused_deposit_with_another_key", setw("slot0.deposit_existing", const(0))),  # key replaced
    # quote and moves
    ("valid_liquidation", bump("slot0.oracle_price0")),
    ("valid_liquidation", bump("slot0.q_price")),
    ("valid_liquidation", setw("slot0.liq_sigma", const(half()))),  # σ = 0: the liquidation moves nothing
    ("trade", bump("slot0.quote")),
    ("trade", bump("slot0.q_notional", 100)),
    ("trade", bump("slot0.d_size")),
    # margins
    *[("healthy_liquidation", t) for t in sign_decomposition("slot0.margin_a")],
    *[("refused_poor_liquidator", t) for t in sign_decomposition("slot0.margin_b")],
    ("healthy_liquidation", setw(f"{A}.notional0", const(0))),
    ("healthy_liquidation", times(f"{A}.abs_notional0", 10)),
    ("refused_poor_liquidator", times(f"{B}.notional0", 10)),
    ("refused_poor_liquidator", setw(f"{B}.abs_notional0", const(0))),
    ("healthy_liquidation", solve("slot0.margin_a.pack", "slot0.ma_gate", {"slot0.margin_a.b112": const(1)})),
    ("refused_poor_liquidator", solve("slot0.margin_b.pack", "slot0.mb_gate", {"slot0.margin_b.b112": const(1)})),
    ("refused_over_liquidation", setw(f"{A}.along", const(100))),
    *healthier(
        "a",
        "refused_underwater_buyer_grows",
        "refused_underwater_short_flips_by_buying",
        "refused_squeezed_short_buys_back_dear",
    ),
    *healthier(
        "b",
        "refused_underwater_seller_grows",
        "refused_underwater_long_flips_by_selling",
        "unhealthy_seller_100_at_2600000",
    ),
]


def _pk(wallet: int, j: int) -> int:
    from rollup.ledger.demo import World

    return World(stmts.SMALL).wallets[wallet].pubkey[j]


def _mallory(j: int) -> int:
    from rollup.ledger.signing import Wallet

    return Wallet(b"mallory").pubkey[j]


def _dummy_key(j: int) -> int:
    from circuits.ledger.witness import dummy_signature

    return dummy_signature()[0][j]


def _record_bit(i: int) -> Tamper:
    """Record bit i (big-endian) set: a field the slot's type does not use becomes nonzero."""
    return setw(f"slot0.bit{i}", const(1))


def _noop_as_funding() -> Tamper:
    """A posted no-op proven as a signed funding tick of 0 (the funding clock moves)."""
    from tests.mutation.scenarios import NOOP_AS_FUNDING

    return Tamper(
        "no-op flagged as a funding tick",
        overrides={
            "slot0.t0": lambda cs, h: 0,
            "slot0.t4": lambda cs, h: 1,
            "slot0.m0": lambda cs, h: 1,
            "slot0.expiry": lambda cs, h: NOOP_AS_FUNDING()["expiry"],
            "slot0.sig_a.r8_0": lambda cs, h: NOOP_AS_FUNDING()["r8"][0],
            "slot0.sig_a.r8_1": lambda cs, h: NOOP_AS_FUNDING()["r8"][1],
            "slot0.sig_a.s": lambda cs, h: NOOP_AS_FUNDING()["s"],
        },
    )


def _zero_fields_existing(lane: str) -> Tamper:
    """Every field of the lane zero while exists = leaf / Poseidon(zeros) (a non-boolean exists)."""
    from circuits.native.poseidon import poseidon

    fields = ("pk_x", "pk_y", "nonce", "collateral", "size0", "cache0", "size1", "cache1")
    zero_leaf = poseidon([0] * len(fields))
    t = Tamper(f"lane {lane} opens as zeros", overrides={f"slot0.{lane}.{f}": lambda cs, h: 0 for f in fields})
    leaf = true_leaf("forged_valid_fe_closed_pays0", lane)
    return t + setw(f"slot0.{lane}.exists", lambda cs: leaf(cs) * pow(zero_leaf, -1, R))


def _funding_allowance_cap(cs: TamperedCS, a: object, b: object, c: object) -> None:
    """At the funding-used row: cap·price scaled so that the allowance equals what is used."""
    used = cs.get("slot0.funding_used")
    cap, allowance = cs.get("slot0.funding_cap_price"), cs.get("slot0.funding_allowance")
    cs.set("slot0.funding_cap_price", used * cap * pow(allowance, -1, R))
    cs.set("slot0.funding_allowance", used)


def _replayed_funding_time(cs: TamperedCS) -> int:
    """The funding time the replayed tick was signed over: BTC's first oracle time in funded_world."""
    return _first_btc_time()


@functools.cache
def _first_btc_time() -> int:
    from rollup.ledger.demo import funded_world

    return funded_world(stmts.SMALL)[0].state.markets[0].funding_time


def _queued_packed(statement: str) -> Value:
    """The hash input the L1 queue item packs, minus the record the slot would sign (the select's
    product that makes the slot hash the L1 item)."""

    def value(cs: TamperedCS) -> int:
        st = stmts.batch_statement(statement)
        it = st.start.pending[0]
        return it.kind + (it.account << 8) + (it.amount << 32) - st.res.witness.slots[0].record.to_int()

    return value


ATTACKS += [
    ("healthy_liquidation", times(f"{A}.abs_notional0", 100)),
    ("healthy_liquidation", solve("slot0.ma_gate", "slot0.a_liquidatable", {"slot0.ma_gate": const(0)})),
    ("refused_squeezed_seller_grows", setw(f"{B}.size_sel0", const(10))),
    ("valid_liquidation_small", top_bit("slot0.liq_sign", half() * 3, absorb=True)),  # σ = 2
    ("forged_valid_fe_closed_pays0", _zero_fields_existing("a")),
    ("valid_deposit_new", setw(f"{A}.collateral", const(10**6))),  # a phantom field of a new account
    ("valid_deposit_new", setw(f"{A}.nonce", const(5))),
    ("valid_deposit_new", setw(f"{A}.size0", const(7))),
    # withdrawals and collateral ranges
    ("overdraft", setw("slot0.overdraft_gate", const(0))),
    ("overflowing_deposit_credited", setw(f"{A}.in_range.ok", const(1))),
    (
        "overflowing_deposit_credited",
        setw(f"{A}.in_range.high.inv", const(0)) + setw(f"{A}.in_range.high.out", const(1)),
    ),
    ("fitting_deposit_refunded", setw(f"{A}.in_range.high.out", const(0))),
    ("fitting_deposit_refunded", top_bit(f"{A}.in_range.bits", 0)),
    ("fitting_deposit_refunded", top_bit(f"{A}.in_range.bits", 0, absorb=True)),
    # forced-exit payout: max(collateral, 0) of a closed account
    ("forged_valid_fe_closed_pays+1", bump("slot0.fe_pay", 1)),
    ("forged_valid_fe_closed_pays-1", bump("slot0.fe_pay", -1)),
    ("forged_valid_fe_closed_pays0", setw("slot0.fe_positive", const(0))),
    ("forged_valid_fe_high_long_pays0", setw("slot0.fe_pay", const(0))),
    ("forged_valid_fe_low_short_pays1", setw("slot0.fe_positive", const(1)) + solve("slot0.fe_pay", "slot0.fe_pay")),
    # forced exits leave no closable position; forced closes shrink both sides, take all they can and
    # round for the exiting account: each wire set to a value its row does not allow
    *_chosen(
        ("refused_fe_position_open", "slot0.fe_held0", 0),
        ("refused_fe_position_open", "slot0.fe_may_stay0", 1),
        ("refused_fe_position_open", "slot0.fe_high", 1),
        ("refused_fe_high_short", "slot0.fe_held1", 0),
        ("refused_fe_high_short", "slot0.fe_may_stay1", 1),
        ("refused_fe_low_long", "slot0.fe_may_stay0", 1),
        ("refused_fe_just_below_high_long", "slot0.fe_high", 1),
        ("refused_close_counterparty_same_side", f"{B}.reducing", 1),
        ("refused_close_counterparty_same_side", "slot0.close_b_gate", 0),
        ("refused_close_counterparty_same_side", "slot0.backstop", 1),
        ("refused_close_counterparty_flips", f"{B}.reducing", 1),
        ("refused_close_counterparty_flips", "slot0.close_b_gate", 0),
        ("refused_close_partial", "slot0.close_rest", 0),
        ("refused_close_partial", "slot0.close_whole_gate", 0),
        ("refused_close_backstop_partial", "slot0.close_may_stay", 1),
        ("refused_close_backstop_partial", "slot0.close_rest", 0),
        ("refused_close_rich_partial", "slot0.close_stay_backstop", 1),
        ("refused_close_flips", f"{A}.reducing", 1),
        ("refused_close_short_flips", f"{A}.reducing", 1),
        ("valid_forced_close_odd", "slot0.close_round_up", 0),
        ("valid_forced_close_odd", "slot0.close_long", 0),
        ("valid_forced_close", "slot0.close_exact.out", 0),
        ("valid_forced_close_short_odd", "slot0.close_long", 1),
        ("valid_forced_close_short_odd", "slot0.close_round_up", 1),
    ),
    *[("refused_fe_high_short", t) for t in sign_decomposition(f"{A}.sign1")],
    ("valid_forced_close_odd", setw("slot0.close_exact.inv", const(0)) + setw("slot0.close_exact.out", const(1))),
    # funding, the index, the clock
    ("funding_beyond_the_cap", setw("slot0.funding_gate", const(0))),
    ("funding_beyond_the_cap", setw("slot0.funding_used", const(0))),
    ("funding_beyond_the_cap", setw("slot0.funding_abs", const(30))),  # |Δ| taken as 1
    ("funding_beyond_the_cap", copy_at("slot0.funding_used", "slot0.funding_allowance", "slot0.funding_used")),
    ("funding_beyond_the_cap", Tamper("cap·price scaled", hooks={"slot0.funding_used": _funding_allowance_cap})),
    ("funding_replayed", setw("slot0.expiry", _replayed_funding_time)),
    ("refused_index_overflows", setw("slot0.index_gate", const(0))),
    ("refused_index_overflows", setw("slot0.index_sel0", const(0))),
    ("stale_oracle", setw("slot0.oracle_gate", const(0))),
    ("expired", setw("slot0.expiry_gate", const(0))),
    ("valid_oracle", setw("slot0.ftime_sel0", const(0))),  # the funding clock restarts
    ("valid_oracle", setw("slot0.ftime_unset.inv", const(0)) + setw("slot0.ftime_unset.out", const(1))),
    ("valid_first_oracle", setw("slot0.ftime_unset.out", const(0))),  # the clock does not start
    # signatures: which key, which message, which nonces
    ("reused_signature", bump("slot0.nonce_a", -1)),
    ("refused_replayed_liquidation", bump("slot0.nonce_b", -1)),
    (
        "refused_signed_by_another",
        Tamper(
            "account 1's key",
            overrides={f"slot0.sig_a.key{j}": (lambda cs, h, j=j: _pk(1, j) - _dummy_key(j)) for j in range(2)},
        ),
    ),
    (
        "unsigned_oracle",
        Tamper(
            "mallory's key",
            overrides={
                f"slot0.oracle_key{j}": (lambda cs, h, j=j: _mallory(j) - cs.get(f"slot0.a.pk_{'xy'[j]}"))
                for j in range(2)
            },
        ),
    ),
    # the L1 queue
    ("deposit_not_the_queue_item", setw("slot0.queue_amount", const(5))),
    ("deposit_not_the_queue_item", setw("slot0.hash_in1", _queued_packed("deposit_not_the_queue_item"))),
    (
        "refused_other_key_new_account",
        Tamper("the L1 key hashed", overrides={f"slot0.queue_pk{j}": (lambda cs, h, j=j: _pk(3, j)) for j in range(2)}),
    ),
    # the record
    ("valid_noop", _record_bit(31)),  # a = 1
    ("valid_noop", _record_bit(55)),  # b = 1
    ("valid_noop", _record_bit(119)),  # amount = 1
    ("valid_noop", _record_bit(159)),  # price = 1
    ("valid_noop", _noop_as_funding()),
    ("forged_deposit_to_aliased_account", _record_bit(27)),  # a = 1 + 16
    ("valid_trade_eth", setw("slot0.m0", const(1)) + setw("slot0.m1", const(0))),  # executed on BTC
    ("valid_trade_tiny", setw("slot0.m0", const(0))),  # executed on no market (market_priced stops it too)
    ("valid_oracle", setw("slot0.m0", const(0))),  # a tick that prices no market
]


def _other_header_bits(statement: str) -> Tamper:
    """The header's bits spell the header of another new root (which the prover then claims)."""

    value, claims = other_header(statement)

    def hook(cs: TamperedCS, a: object, b: object, c: object) -> None:
        h = value(cs)
        for i in range(254):
            cs.set(f"header_bits.b{i}", (h >> i) & 1)

    return Tamper("header bits of another root", hooks={"header_bits.pack": hook}, claims=claims)


def _contract_head(statement: str) -> Value:
    return queue_head(statement)


def _quote(d: int) -> Tamper:
    """quote + d with the remainder moved by -d·scale (BTC: 100): a quote one unit off."""
    return bump("slot0.quote", d) + bump("slot0.quote_rem", -d * 100)


# products and selections whose value flows into the new root: any other value is another root
BUMPED = [
    ("valid_withdraw", "slot0.a.funding0"),
    ("trade", "slot0.b.funding0"),
    ("valid_withdraw", "slot0.d_quote"),
    ("valid_withdraw", "slot0.d_amount"),
    ("valid_withdraw", "slot0.fe_payout"),
    ("valid_withdraw", "slot0.fe_gate"),
    ("valid_withdraw", "slot0.a.dsize0"),
    ("valid_withdraw", "slot0.a.new_pk0"),
    ("valid_withdraw", "slot0.a.created"),
    ("valid_withdraw", "slot0.a.leaf_new"),
    ("valid_withdraw", "slot0.a.written"),
    ("trade", "slot0.b.dsize0"),
    ("trade", "slot0.b.leaf_new"),
    ("trade", "slot0.b.written"),
    ("trade", "slot0.time"),
    ("valid_withdraw", "slot0.oracle_m0"),
    ("trade", "slot0.funding_m0"),
    ("trade", "slot0.clock_m0"),
    ("trade", "slot0.price0"),
    ("trade", "slot0.index0"),
    ("trade", "slot0.ftime0"),
    ("valid_withdraw", "slot0.a.merkle.root.out"),
    ("trade", "slot0.b.merkle.root.out"),
    ("valid_withdraw", "slot0.a.merkle.new.l0.d0"),
    ("trade", "slot0.b.merkle.new.l0.d0"),
]

ATTACKS += [(st, bump(name)) for st, name in BUMPED]
ATTACKS += [
    ("trade", _other_header_bits("trade")),
    ("deposit_not_the_queue_item", setw("slot0.queue_head.out", _contract_head("deposit_not_the_queue_item"))),
    *[
        ("trade", _quote(d) + t)
        for d, rule in ((1, "quote_rem_range"), (-1, "quote_rem_below_scale"))
        for t in (Tamper(), repack(f"slot0.{rule}"))
    ],
    *[("refused_withdraw_below_margin", t) for t in (top_bit(f"{A}.sign0", 1), top_bit(f"{A}.sign0", 1, absorb=True))],
    *[("refused_poor_liquidator", t) for t in (top_bit(f"{B}.sign0", 0), top_bit(f"{B}.sign0", 0, absorb=True))],
    ("healthy_liquidation", setw(f"{A}.m_coll.out", const(-(10**9)))),
    ("healthy_liquidation", setw(f"{A}.m_size0.out", const(0))),
    ("refused_long_sells_slightly_dear", top_bit(f"{B}.old_sign", 2, absorb=True)),  # σ = 3 overstates the risk before
    ("trade", forged_opening("trade", "b")),  # lane b's old leaf is not under the root
]


def _ratio_met(lane: str, via: str) -> Tamper:
    """At the v_before·r_after row: change ``via`` (the value or risk before the trade, or the sign
    times the risk factor) so that value_after·risk_before = value_before·risk_after exactly."""
    p = f"slot0.{lane}"

    def hook(cs: TamperedCS, a: object, b: object, c: object) -> None:
        vara, vbra, r_after = cs.get(f"{p}.v_after_r_before"), cs.get(f"{p}.v_before_r_after"), cs.value(b)
        if via == "d_value":  # value_before := vara / r_after, so v_before·r_after = vara
            target = vara * pow(r_after, -1, R)
            cs.set(f"{p}.d_value", cs.get(f"{p}.d_value") + cs.value(a) - target)
            cs.set(f"{p}.v_before_r_after", vara)
            return
        d_risk, sigma_crf = cs.get(f"{p}.d_risk"), cs.get(f"{p}.sigma_crf")
        v_after = vara * pow(r_after - d_risk, -1, R)
        new_d_risk = (r_after - vbra * pow(v_after, -1, R)) % R
        if via == "sigma_crf":
            cs.set(f"{p}.sigma_crf", new_d_risk * pow(d_risk * pow(sigma_crf, -1, R), -1, R))
        cs.set(f"{p}.d_risk", new_d_risk)
        cs.set(f"{p}.v_after_r_before", vbra)

    return Tamper(f"{lane}: ratio met through {via}", hooks={f"{p}.v_before_r_after": hook})


ATTACKS += [
    (st, _ratio_met(lane, via))
    for lane, st in (("a", "refused_squeezed_short_buys_back_dear"), ("b", "unhealthy_seller_100_at_2600000"))
    for via in ("d_value", "d_risk", "sigma_crf")
]

ATTACKS += [("refused_squeezed_short_buys_back_dear", times("slot0.d_notional", 2))]


def _phantom_account() -> Tamper:
    """Account 3 (empty) opened as if it existed with the depositor's key and 1,000,000 collateral."""
    return Tamper(
        "account 3 opened as existing",
        overrides={
            "slot0.a.exists": lambda cs, h: 1,
            "slot0.a.pk_x": lambda cs, h: _pk(3, 0),
            "slot0.a.pk_y": lambda cs, h: _pk(3, 1),
            "slot0.a.collateral": lambda cs, h: 10**6,
        },
    )


def _merkle_attacks() -> list[tuple[str, Tamper]]:
    from tests.mutation.merkle_attacks import CHILD_PRODUCTS, fix_child, free_indicator

    out = []
    # (statement, lane, the account's position at level 0)
    cases = [
        ("valid_withdraw", "a", 0),
        ("valid_withdraw_1", "a", 1),
        ("valid_withdraw_2", "a", 2),
        ("valid_deposit_new", "a", 3),
        ("valid_trade_seller_0", "b", 0),
        ("trade", "b", 1),
        ("valid_trade_seller_2", "b", 2),
        ("valid_trade_seller_3", "b", 3),
    ]
    for st, lane, pos in cases:
        p = f"slot0.{lane}"
        sibs = [f"{p}.sib0.{j}" for j in range(3)]
        new = lane == "a" and pos == 3  # a deposit to account 3, which does not exist yet
        forge = _phantom_account() if new else forged_opening(st, lane)
        leaf = const(0) if new else true_leaf(st, lane)
        out += [(st, forge + fix_child(f"{p}.merkle.old.l0", sibs, pos, k, leaf)) for k in CHILD_PRODUCTS[pos]]
        if pos in (0, 1):
            out.append((st, forge + free_indicator(f"{p}.merkle.l0.e3", sibs, pos, f"{p}.leaf_old", leaf)))
    return out


ATTACKS += _merkle_attacks()
