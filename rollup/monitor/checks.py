"""The monitor's checks on L1 state, each a named condition with its threshold.

``Observed`` accumulates what the events say beyond the ledger replay (claimants, escapes,
forced-exit requests, batch times, oracle ticks, payouts and liquidations per window); each
``*_condition`` reads it and L1 views at the block being checked and says whether its alert
fires.  Critical: ``code_change`` (a code hash or a configured address differs) and
``conservation`` (the token balance does not cover claimable credits, queued deposits and
the positive account values).  Warnings: ``forced_exit_deadline``, ``liveness``,
``oracle_band``, ``oracle_stale``, ``withdrawal_spike``, ``liquidation_spike``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from circuits.ledger.params import TxType
from circuits.ledger.records import Record
from rollup.ledger.escape import exit_amount
from rollup.monitor.chain import ChainReader, Event
from rollup.monitor.config import ExpectConfig, ThresholdConfig

CONTRACTS = ("rollup", "verifier", "exit_verifier", "poseidon", "token")


@dataclass(frozen=True)
class Condition:
    name: str
    severity: str
    firing: bool
    message: str = ""
    details: dict = field(default_factory=dict)


@dataclass
class Observed:
    claimants: set[str] = field(default_factory=set)
    escaped: set[int] = field(default_factory=set)
    forced_exits: set[int] = field(default_factory=set)  # queue indices of forced-exit requests
    queue_times: dict[int, int] = field(default_factory=dict)  # queue index -> L1 time of the request
    last_batch_time: int | None = None
    payouts: deque = field(default_factory=deque)  # (L1 time, collateral units paid out)
    liquidations: deque = field(default_factory=deque)  # (L1 time, size units taken over)
    ticks: dict[int, deque] = field(default_factory=dict)  # market -> (oracle time, price)

    def event(self, ev: Event, time: int) -> None:
        a = ev.args
        if ev.name in ("WithdrawalCredited", "Claimed"):
            self.claimants.add(a["owner"])
        elif ev.name == "DepositRefunded":
            self.claimants.add(a["depositor"])
        elif ev.name == "AccountRegistered":
            self.claimants.add(a["owner"])
        elif ev.name == "Escaped":
            self.escaped.add(a["account"])
        elif ev.name == "QueueItem":
            self.queue_times[a["index"]] = time
            if a["kind"] == TxType.FORCED_EXIT:
                self.forced_exits.add(a["index"])

    def batch(self, records: list[Record], time: int, oracle_interval: int) -> None:
        self.last_batch_time = time
        for rec in records:
            if rec.tx_type in (TxType.WITHDRAW, TxType.FORCED_EXIT) and rec.amount:
                self.payouts.append((time, rec.amount))
            elif rec.tx_type == TxType.LIQUIDATION:
                self.liquidations.append((time, rec.amount))
            elif rec.tx_type == TxType.ORACLE:
                ticks = self.ticks.setdefault(rec.market, deque())
                ticks.append((rec.amount, rec.price))
                while ticks and ticks[0][0] < rec.amount - oracle_interval:
                    ticks.popleft()


# ---- critical ------------------------------------------------------------------------------


def pin_contracts(reader: ChainReader, expect: ExpectConfig) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """{contract: (address, code hash)} to hold the chain to, and the configured addresses it breaks."""
    info = reader.info
    addresses = {"rollup": info.address, "verifier": info.verifier, "exit_verifier": info.exit_verifier}
    addresses |= {"poseidon": info.poseidon, "token": info.token}
    wrong = [
        f"{name}: configured {getattr(expect, name)}, the rollup uses {actual}"
        for name, actual in [*addresses.items(), ("operator", info.operator)]
        if name != "rollup" and getattr(expect, name) and getattr(expect, name).lower() != actual.lower()
    ]
    unknown = sorted(set(expect.code_hashes) - set(CONTRACTS))
    wrong += [f"code_hashes.{name}: no such contract (known: {', '.join(CONTRACTS)})" for name in unknown]
    pinned = {
        name: (addr, str(expect.code_hashes.get(name) or reader.code_hash(addr)).lower().removeprefix("0x"))
        for name, addr in addresses.items()
    }
    return pinned, wrong


def code_condition(reader: ChainReader, pinned: dict, wrong: list[str], block: int) -> Condition:
    changed = {
        name: {"address": addr, "expected": want, "actual": reader.code_hash(addr, block)}
        for name, (addr, want) in pinned.items()
    }
    changed = {k: v for k, v in changed.items() if v["expected"] != v["actual"]}
    msg = "; ".join([*wrong, *(f"{k} code hash changed at {v['address']}" for k, v in changed.items())])
    return Condition("code_change", "critical", bool(changed or wrong), msg, {"changed": changed, "addresses": wrong})


def conservation_condition(reader: ChainReader, state: object, obs: Observed, block: int) -> Condition:
    """balance ≥ Σ claimable + queued deposits + Σ max(0, value) of accounts not escaped."""
    info = reader.info
    claimable = sum(reader.view("claimable", who, block=block) for who in obs.claimants | {info.operator})
    queued = reader.view("queuedDeposits", block=block)
    values = sum(exit_amount(state, i) for i in state.accounts if i not in obs.escaped)
    balance = reader.token_balance(info.address, block)
    owed = claimable + queued + values
    details = {"balance": balance, "claimable": claimable, "queued_deposits": queued, "account_values": values}
    msg = f"token balance {balance} does not cover {owed} owed" if balance < owed else ""
    return Condition("conservation", "critical", balance < owed, msg, details)


# ---- warnings -------------------------------------------------------------------------------


def forced_exit_condition(reader: ChainReader, obs: Observed, margin: int | None, block: int) -> Condition:
    """An unserved forced exit within margin seconds of its deadline (paused time credited)."""
    if margin is None:
        return Condition("forced_exit_deadline", "warning", False)
    now, consumed = reader.block_time(block), reader.view("queueConsumed", block=block)
    paused_total = reader.view("pausedTotal", block=block)
    late = {}
    for index in sorted(i for i in obs.forced_exits if i >= consumed):
        deadline = reader.view("forcedExitDeadline", index, block=block)
        deadline += paused_total - reader.view("pausedBefore", index, block=block)
        if now + margin >= deadline:
            late[index] = deadline - now
    msg = ", ".join(f"queue item {i}: {s} s to its deadline" for i, s in late.items())
    return Condition("forced_exit_deadline", "warning", bool(late), msg, {"seconds_left": late})


def liveness_condition(reader: ChainReader, obs: Observed, limit: int | None, block: int) -> Condition:
    """No batch for longer than limit seconds while L1 queue items wait (counted from the later of
    the last batch and the oldest waiting item)."""
    if limit is None:
        return Condition("liveness", "warning", False)
    consumed, length = reader.view("queueConsumed", block=block), reader.view("queueLength", block=block)
    if consumed >= length:
        return Condition("liveness", "warning", False)
    now = reader.block_time(block)
    since = max(obs.last_batch_time or 0, obs.queue_times.get(consumed, 0))
    idle = now - since
    msg = f"no batch for {idle} s with {length - consumed} L1 queue item(s) waiting" if idle > limit else ""
    return Condition("liveness", "warning", idle > limit, msg, {"idle_seconds": idle, "waiting": length - consumed})


def oracle_band_condition(obs: Observed, th: ThresholdConfig) -> Condition:
    if th.oracle_band_ppm is None:
        return Condition("oracle_band", "warning", False)
    moves = {}
    for market, ticks in obs.ticks.items():
        prices = [p for _, p in ticks]
        low, high = min(prices), max(prices)
        if low > 0 and (high - low) * 10**6 > th.oracle_band_ppm * low:
            moves[market] = (high - low) * 10**6 // low
    msg = ", ".join(f"market {m} moved {ppm} ppm within {th.oracle_interval} s" for m, ppm in moves.items())
    return Condition("oracle_band", "warning", bool(moves), msg, {"moves_ppm": moves})


def oracle_stale_condition(obs: Observed, limit: int | None, now: int) -> Condition:
    if limit is None:
        return Condition("oracle_stale", "warning", False)
    ages = {m: now - ticks[-1][0] for m, ticks in obs.ticks.items() if ticks}
    stale = {m: age for m, age in ages.items() if age > limit}
    msg = ", ".join(f"market {m}: last price {age} s old" for m, age in stale.items())
    return Condition("oracle_stale", "warning", bool(stale), msg, {"age_seconds": stale})


def spike_condition(name: str, series: deque, limit: int | None, window: int, now: int) -> Condition:
    """The amount in series within the last window seconds above limit."""
    while series and series[0][0] < now - window:
        series.popleft()
    if limit is None:
        return Condition(name, "warning", False)
    total = sum(amount for _, amount in series)
    msg = f"{total} within {window} s (limit {limit})" if total > limit else ""
    return Condition(name, "warning", total > limit, msg, {"amount": total, "limit": limit})
