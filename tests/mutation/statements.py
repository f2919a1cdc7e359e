"""The invalid (and a few valid) statements the corpus is built on, from the soundness tests.

Every forced case of ``tests/test_batch_circuit.py`` and ``tests/test_soundness_attacks.py`` is
rebuilt here from those modules' own tables and helpers, plus a fixed sample of the differential
test's forced cases, so a case added there is picked up here.  A statement is built once per run.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace

from circuits.field import R
from circuits.ledger.params import LedgerParams
from rollup import errors as err
from rollup.ledger import transition
from rollup.ledger.batch import process_batch
from rollup.ledger.demo import FAR, World, funded_world
from rollup.ledger.escape import exit_for
from rollup.ledger.types import ForcedExit, Transaction
from tests import test_batch_circuit as tbc
from tests import test_batch_differential as tdiff
from tests import test_soundness_attacks as tsa
from tests.batch_circuit_helpers import force_through
from tests.mutation.judge import BatchStatement, ExitStatement
from tests.mutation.price_attacks import STATEMENTS as PRICE_AGES
from tests.mutation.record_attacks import FORGED as RECORD_FORGED
from tests.mutation.scenarios import FORGED, SCENARIOS

SMALL = LedgerParams(depth=2, batch_size=1)
BTC = 0


@contextmanager
def patched(obj: object, attr: str, value: object) -> Iterator[None]:
    original = getattr(obj, attr)
    setattr(obj, attr, value)
    try:
        yield
    finally:
        setattr(obj, attr, original)


def batch(name: str, w: World, tx: Transaction) -> BatchStatement:
    """The spec's verdict on tx from w's state; when it refuses, the witness with the refusing rules
    forced off one by one (as the differential test does)."""
    start = w.state.copy()
    res, off = force_through(start, tx)
    if res is None:
        raise AssertionError(f"{name}: the spec cannot even build a witness")
    return BatchStatement(name, start, res, bool(off))


def scenario(name: str) -> BatchStatement:
    """A scenario of ``tests.mutation.scenarios``; its name says whether the spec accepts it."""
    w, tx = SCENARIOS[name]()
    st = batch(name, w, tx)
    if st.refused != name.startswith("refused_"):
        raise AssertionError(f"{name}: the spec {'refuses' if st.refused else 'accepts'} it")
    return st


def forged(st: BatchStatement, name: str, slot_changes: dict) -> BatchStatement:
    """The statement with its witness's slot changed (a record or a lane the spec never produced)."""
    slot = replace(st.res.witness.slots[0], **slot_changes)
    res = replace(st.res, witness=replace(st.res.witness, slots=(slot,)))
    return BatchStatement(name, st.start, res, st.refused)


# ---- from tests/test_batch_circuit.py ---------------------------------------------------------


def _batch_circuit_case(key: str) -> BatchStatement:
    prepare, make, error, _ = tbc.CASES[key]
    w, _ = funded_world(SMALL)
    if prepare:
        prepare(w)
    return batch(key, w, make(w))


def _trade() -> BatchStatement:
    w, _ = funded_world(SMALL)
    return batch("trade", w, w.trade(BTC, 0, 1, 10, 3_000_000))


def _queue_mismatch() -> BatchStatement:
    w, _ = funded_world(SMALL)
    queued = w.enqueue_deposit(3, 5)
    return batch("deposit_not_the_queue_item", w, replace(queued, amount=50))


def _forced_exit(delta: int) -> BatchStatement:
    w, _ = funded_world(SMALL)
    w.enqueue_forced_exit(1)
    st = batch("forced_exit", w, ForcedExit(1))
    rec = st.res.witness.slots[0].record
    return forged(st, f"forced_exit_pays{delta:+d}", {"record": replace(rec, amount=rec.amount + delta)})


# ---- from tests/test_soundness_attacks.py -----------------------------------------------------


def _unhealthy_seller(amount: int, price: int) -> BatchStatement:
    w, _ = funded_world(SMALL)
    tsa._unhealthy_long(w)
    return batch(f"unhealthy_seller_{amount}_at_{price}", w, w.trade(BTC, 2, 0, amount, price))


def _funding(key: str) -> BatchStatement:
    make, error, _ = tsa.CASES[key]
    w, _ = funded_world(SMALL)
    tsa._hour_later(w)
    return batch(f"funding_{key.replace(' ', '_')}", w, make(w))


def _funding_replayed() -> BatchStatement:
    w, _ = funded_world(SMALL)
    tsa._hour_later(w)
    tick = w.funding(BTC, 30)
    w.apply(tick)
    tsa._hour_later(w)
    return batch("funding_replayed", w, tick)


def _funding_before_price() -> BatchStatement:
    w = World(SMALL)
    w.apply(w.enqueue_deposit(0, 10))
    return batch("funding_before_first_price", w, tsa.funding_tick(w.state, tsa.ORACLE, BTC, 0))


def _credited(fits: bool) -> Callable:
    credited = transition._credited
    return lambda *a: (credited(*a)[0], fits)


def _overflow_credited() -> BatchStatement:
    w = World(SMALL)
    tx = tsa._overflowing_deposit(w)
    with patched(transition, "_credited", _credited(True)):
        return batch("overflowing_deposit_credited", w, tx)


def _fitting_refunded() -> BatchStatement:
    w = World(SMALL)
    w.apply(w.enqueue_deposit(0, 10))
    tx = w.enqueue_deposit(0, 11)
    with patched(transition, "_credited", _credited(False)):
        st = batch("fitting_deposit_refunded", w, tx)
    return replace(st, refused=True)  # the real spec credits it


def _beyond_range_pays() -> BatchStatement:
    w, _ = funded_world(SMALL)
    tsa._beyond_range(w)
    with patched(transition, "forced_exit_amount", lambda state, account: 5):
        st = batch("forced_exit_beyond_range_pays", w, ForcedExit(0))
    return replace(st, refused=True)


def _exit_refused_on_forged_account() -> BatchStatement:
    w, _ = funded_world(SMALL)
    w.enqueue_forced_exit(1)
    st = batch("forced_exit", w, ForcedExit(1))
    slot = st.res.witness.slots[0]
    lane = replace(slot.lane_a, account=replace(slot.lane_a.account, collateral=-(1 << 70)))
    return forged(
        st, "forced_exit_refused_on_forged_account", {"lane_a": lane, "record": replace(slot.record, amount=0)}
    )


# ---- the differential test's forced cases (a fixed sample) -------------------------------------


def _differential(seed: int) -> BatchStatement | None:
    """One forced case of tests/test_batch_differential.py, drawn from its own action builders."""
    rng = random.Random(seed)
    acct, market, amount = (lambda: rng.randrange(4)), (lambda: rng.randrange(2)), rng.choice
    amounts = [0, 1, 10, 300, 999_999, 1_000_001, 10**12, (1 << 47) - 1, 1 << 47, (1 << 63) - 1]
    builders = [
        lambda: tdiff._withdraw(acct(), amount(amounts), acct(), rng.choice([FAR, 0])),
        lambda: tdiff._trade(market(), acct(), acct(), amount(amounts), rng.choice([0, 1, 3_000_000]), FAR),
        lambda: tdiff._liquidate(market(), acct(), acct(), amount(amounts), acct()),
        lambda: tdiff._deposit(acct(), amount(amounts), rng.random() < 0.5),
        lambda: tdiff._oracle(market(), rng.choice([0, 1, 3_000_000]), rng.choice([-5, 0, 5]), rng.random() < 0.5),
    ]
    w, _ = funded_world(SMALL)
    w.clock += 3600
    if rng.random() < 0.5:
        w.apply(w.trade(0, 0, 1, 300, 3_000_000))
        w.apply(w.tick(0, 2_700_000))
    else:
        w.apply(w.tick(0, 3_000_000))
    tx = rng.choice(builders)()(w)
    start = w.state.copy()
    if tx is None:
        return None
    try:
        process_batch(start, [tx])
        return None
    except err.InvalidTransaction:
        res, off = force_through(start, tx)
    return None if res is None else BatchStatement(f"differential_{seed}", start, res, True)


# ---- exits ------------------------------------------------------------------------------------


def _exit(account: int, field: str | None = None, value: object = None) -> ExitStatement:
    w, _ = funded_world(SMALL)
    if field is not None:
        w.state.write(account, replace(w.state.accounts[account], **{field: value}), True)
    name = f"exit_{account}" + (f"_{field}_out_of_range" if field else "")
    return ExitStatement(name, w.state, exit_for(w.state, account).witness)


def _exit_drain(x: int) -> ExitStatement:
    st = _exit(2)
    acct = st.witness.lane.account
    acct = replace(acct, nonce=(acct.nonce - x * (1 << 32)) % R, collateral=acct.collateral + x)
    return replace(st, name=f"exit_drain_{x}", witness=replace(st.witness, lane=replace(st.witness.lane, account=acct)))


BATCH: dict[str, Callable[[], BatchStatement | None]] = {
    **{k: functools.partial(_batch_circuit_case, k) for k in sorted(tbc.CASES)},
    "trade": _trade,
    **{name: functools.partial(scenario, name) for name in SCENARIOS},
    **FORGED,
    "deposit_not_the_queue_item": _queue_mismatch,
    "forced_exit_pays+1": functools.partial(_forced_exit, 1),
    "forced_exit_pays-1": functools.partial(_forced_exit, -1),
    **{f"unhealthy_seller_{a}_at_{p}": functools.partial(_unhealthy_seller, a, p) for a, p in tsa.SELLER_CASES},
    **{f"funding_{k.replace(' ', '_')}": functools.partial(_funding, k) for k in sorted(tsa.CASES)},
    "funding_replayed": _funding_replayed,
    "funding_before_first_price": _funding_before_price,
    "overflowing_deposit_credited": _overflow_credited,
    "fitting_deposit_refunded": _fitting_refunded,
    "forced_exit_beyond_range_pays": _beyond_range_pays,
    "forced_exit_refused_on_forged_account": _exit_refused_on_forged_account,
    **{f"differential_{s}": functools.partial(_differential, s) for s in range(40)},
    **RECORD_FORGED,
    **PRICE_AGES,
}


def _exit_odd() -> ExitStatement:
    """Account 1 short 77 with the BTC price at 30,000.13: its value ends in 990 (of D = 1000)."""
    w, _ = funded_world(SMALL)
    w.apply(w.trade(BTC, 0, 1, 77, 3_000_000))
    w.apply(w.tick(BTC, 3_000_013))
    return ExitStatement("exit_1_odd", w.state, exit_for(w.state, 1).witness)


EXIT: dict[str, Callable[[], ExitStatement]] = {
    **{f"exit_{a}": functools.partial(_exit, a) for a in range(4)},
    "exit_1_odd": _exit_odd,
    **{f"exit_drain_{x}": functools.partial(_exit_drain, x) for x in (1, 1 << 40)},
    "exit_2_collateral_out_of_range": functools.partial(_exit, 2, "collateral", 1 << 70),
    "exit_2_nonce_out_of_range": functools.partial(_exit, 2, "nonce", 1 << 32),
    "exit_2_sizes_out_of_range": functools.partial(_exit, 2, "sizes", (1 << 47, 0)),
    "exit_2_caches_out_of_range": functools.partial(_exit, 2, "caches", (1 << 63, 0)),
}


@functools.cache
def batch_statement(name: str) -> BatchStatement | None:
    if name.startswith(("forged_sig_", "other_msg_", "other_key_")):
        from tests.mutation.sig_attacks import STATEMENTS

        return STATEMENTS[name]()
    return BATCH[name]()


@functools.cache
def exit_statement(name: str) -> ExitStatement:
    return EXIT[name]()


@functools.cache
def bounds():
    from circuits.ledger.bounds import Bounds

    return Bounds.of(SMALL)
