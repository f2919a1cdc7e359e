"""Configuration of the watchers: the ledger parameters and ``zkdx monitor``'s JSON file.

The ledger's tree depth and batch size come from the contract; the markets and the oracle
key are not on L1, so they come from the embedded defaults or a ``ledger`` object
``{"oracle_key": [x, y], "markets": [{"price_scale", "risk_factor_initial",
"risk_factor_maintenance", "funding_cap"}, ...]}``; the genesis root the contract computed
commits to them, so a wrong guess shows up as a disagreement of batch 0's old root.

The monitor's file (every key optional except rpc and rollup; unknown keys are refused;
a threshold of null turns its check off)::

  {"rpc": URL, "rollup": ADDR, "from_block": 0, "poll_seconds": 1.0, "max_head_age": 0, "confirmations": 0,
   "ledger": {...}, "checkpoint": PATH,
   "expect": {"verifier": ADDR, "exit_verifier": ..., "poseidon": ..., "token": ..., "operator": ...,
              "code_hashes": {"rollup": HEX, "verifier": ..., "exit_verifier": ..., "poseidon": ..., "token": ...}},
   "guardian": {"keystore": PATH, "passphrase_env": "ZKDX_GUARDIAN_PASSPHRASE", "passphrase_file": null},
   "webhook": URL, "metrics_port": null, "metrics_host": "127.0.0.1",
   "thresholds": {...ThresholdConfig...}, "vote_on": [alert names]}

Addresses and code hashes not given under ``expect`` are pinned when the monitor starts.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from pathlib import Path

from circuits.errors import ParameterError
from circuits.ledger.params import LedgerParams, Market
from rollup.errors import MonitorConfigError
from rollup.monitor.chain import RollupInfo
from verifier import jsonsafe

CRITICAL = ("root_mismatch", "batch_data", "public_input", "code_change", "conservation")
MAX_CONFIG = 1 << 20


@dataclass(frozen=True)
class ThresholdConfig:
    forced_exit_margin: int | None = 3600  # seconds before an unserved forced exit's deadline
    liveness: int | None = 3600  # seconds without a batch while the L1 queue is not empty
    oracle_band_ppm: int | None = 200_000  # largest price move within oracle_interval, in ppm
    oracle_interval: int = 3600  # seconds of oracle time
    oracle_stale: int | None = None  # seconds an oracle price may lag the L1 clock (off: demo clocks differ)
    withdrawal_limit: int | None = None  # collateral units paid out (withdrawals, forced exits) per window
    liquidation_limit: int | None = None  # size units liquidated per window
    window: int = 3600  # seconds of L1 time for the two limits above


@dataclass(frozen=True)
class GuardianConfig:
    keystore: str = ""
    passphrase_env: str | None = "ZKDX_GUARDIAN_PASSPHRASE"
    passphrase_file: str | None = None


@dataclass(frozen=True)
class ExpectConfig:
    verifier: str | None = None
    exit_verifier: str | None = None
    poseidon: str | None = None
    token: str | None = None
    operator: str | None = None
    code_hashes: dict = field(default_factory=dict)


@dataclass(frozen=True)
class MonitorConfig:
    rpc: str
    rollup: str
    from_block: int = 0
    poll_seconds: float = 1.0
    max_head_age: int = 0  # refuse to vote when the newest block is older than this (0: off)
    confirmations: int = 0  # check blocks this far behind the head (0: the head; a dev chain never reorgs)
    ledger: dict | None = None
    checkpoint: str | None = None
    expect: ExpectConfig = field(default_factory=ExpectConfig)
    guardian: GuardianConfig | None = None
    webhook: str | None = None
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    thresholds: ThresholdConfig = field(default_factory=ThresholdConfig)
    vote_on: tuple = CRITICAL


def _typed(value: object, hint: object, where: str) -> object:
    """value if it has the type hint names (bool is not an int; an int is a float)."""
    options = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, type(int | None)) else (hint,)
    if value is None and type(None) in options:
        return None
    for kind in options:
        base = typing.get_origin(kind) or kind
        if dataclasses.is_dataclass(base) and isinstance(value, dict):
            return section(base, value, where)
        if base is float and isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if base is tuple and isinstance(value, list):
            return tuple(value)
        if isinstance(base, type) and isinstance(value, base) and not (isinstance(value, bool) and base is not bool):
            return value
    raise MonitorConfigError(f"{where}: expected {hint}, got {jsonsafe.excerpt(value)}")


def section(cls: type, obj: object, where: str) -> object:
    """A dataclass from a JSON object: every key known, every value of its field's type."""
    if not isinstance(obj, dict):
        raise MonitorConfigError(f"{where}: expected an object")
    hints = typing.get_type_hints(cls)
    unknown = sorted(set(obj) - set(hints))
    if unknown:
        raise MonitorConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(hints)}")
    try:
        return cls(**{k: _typed(v, hints[k], f"{where}.{k}") for k, v in obj.items()})
    except TypeError as exc:  # a required key is missing
        raise MonitorConfigError(f"{where}: {exc}") from exc


def load_json(path: str | Path, what: str) -> dict:
    raw = jsonsafe.read_file(path, MonitorConfigError, MAX_CONFIG)
    obj = jsonsafe.loads(raw, MonitorConfigError, max_bytes=MAX_CONFIG)
    if not isinstance(obj, dict):
        raise MonitorConfigError(f"{path}: the {what} must be a JSON object")
    return obj


def load_monitor(path: str | Path) -> MonitorConfig:
    cfg = section(MonitorConfig, load_json(path, "monitor configuration"), str(path))
    unknown = sorted(set(cfg.vote_on) - set(CRITICAL))
    if unknown:
        raise MonitorConfigError(f"{path}: vote_on names no critical alert: {', '.join(map(str, unknown))}")
    return cfg


def _integer(v: object, where: str) -> int:
    """An integer given as a JSON number or a decimal string (field elements exceed 2^53)."""
    v = _typed(v, int | str, where)
    if isinstance(v, str) and not v.isdigit():
        raise MonitorConfigError(f"{where}: expected a decimal integer, got {jsonsafe.excerpt(v)}")
    return int(v)


def _markets(value: object) -> tuple[Market, ...]:
    if not isinstance(value, list) or not value:
        raise MonitorConfigError("ledger.markets: expected a non-empty list of market objects")
    names = [f.name for f in dataclasses.fields(Market) if f.name != "market_id"]
    out = []
    for i, m in enumerate(value):
        if not isinstance(m, dict) or sorted(m) != sorted(names):
            raise MonitorConfigError(f"ledger.markets[{i}]: expected exactly the keys {', '.join(names)}")
        out.append(Market(i, *(_typed(m[n], int, f"ledger.markets[{i}].{n}") for n in names)))
    return tuple(out)


def ledger_params(info: RollupInfo, ledger: dict | None) -> LedgerParams:
    """The ledger parameters of a deployment: its depth and batch size, and markets and oracle key
    from ``ledger`` (the embedded defaults when None)."""
    ledger = ledger or {}
    unknown = sorted(set(ledger) - {"oracle_key", "markets"})
    if unknown:
        raise MonitorConfigError(f"ledger: unknown key(s) {', '.join(unknown)}")
    kw: dict = {"depth": info.depth, "batch_size": info.batch_size}
    if "markets" in ledger:
        kw["markets"] = _markets(ledger["markets"])
    if "oracle_key" in ledger:
        key = ledger["oracle_key"]
        if not isinstance(key, list) or len(key) != 2:
            raise MonitorConfigError("ledger.oracle_key: expected [x, y]")
        kw["oracle_key"] = tuple(_integer(v, "ledger.oracle_key") for v in key)
    try:
        return LedgerParams(**kw)
    except (ParameterError, ValueError) as exc:
        raise MonitorConfigError(f"ledger parameters: {exc}") from exc
