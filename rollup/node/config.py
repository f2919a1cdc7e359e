"""The node directory: one TOML configuration with documented defaults, plus what ``zkdx init`` writes.

    DIR/zkdx.toml          configuration (human-edited; every key optional, defaults below)
    DIR/operator.key.json  operator's L1 key (secp256k1, encrypted keystore)
    DIR/oracle.key.json    oracle's Baby Jubjub key (encrypted keystore)
    DIR/batch.pk           batch proving key; DIR/batch.vk.json its verifying key
    DIR/deployment.json    contract addresses, chain id and deployment block (written by init)
    DIR/node.db            the store (SQLite, WAL)

Loading is strict: an unknown section or key, a value of the wrong type or outside its range
(``RANGES``: NaN and infinities never), a file that is not UTF-8, nests without bound or is
larger than ``MAX_CONFIG_BYTES`` (or is a device or pipe that never ends) raises
``NodeConfigError`` naming it (a typo must not silently fall back to a default).
"""

from __future__ import annotations

import dataclasses
import json
import math
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path

from circuits.errors import ParameterError
from circuits.ledger.params import DEFAULT_MARKETS, MAX_DEPTH, LedgerParams, Market
from rollup.errors import NodeConfigError
from rollup.l1.deployment import Deployment
from verifier import jsonsafe

CONFIG = "zkdx.toml"
DEPLOYMENT = "deployment.json"
STORE = "node.db"
MAX_CONFIG_BYTES = 1 << 20
DAY = 86_400.0


@dataclass(frozen=True)
class LedgerConfig:
    depth: int = 8  # arity-4 account tree levels: 4^depth accounts
    batch_size: int = 4  # transaction slots per batch (one proof each)
    oracle_key: tuple[str, str] = ("", "")  # the oracle's public key, written by init
    max_price_age: int = 900  # s: withdrawals, trades and liquidations need every priced market this fresh
    markets: tuple[Market, ...] = DEFAULT_MARKETS


@dataclass(frozen=True)
class SequencerConfig:
    seal_seconds: float = 10.0  # seal a batch that is not full this long after its first transaction
    max_group: int = 64  # acknowledgements committed together (one fsync)
    batch_clock: str = "ledger"  # "wall": a batch starts the ledger clock at its first acknowledgement


@dataclass(frozen=True)
class ProverConfig:
    workers: int = 1  # prover worker processes (0: none here; run `python -m rollup.node.jobs` elsewhere)
    threads: int = 0  # processes each proof uses (ZKDX_WORKERS); 0 = every core
    job_timeout: float = 1800.0  # seconds before a claimed job counts as stuck and is reclaimed
    max_attempts: int = 3  # a job that fails this often stays failed (shown in status)
    proving_key: str = "batch.pk"


@dataclass(frozen=True)
class L1Config:
    url: str = "http://127.0.0.1:8545"  # JSON-RPC node
    poll_seconds: float = 1.0  # watcher and sender poll interval
    confirmations: int = 0  # blocks an event waits before the watcher takes it
    retry_seconds: float = 30.0  # first back-off after a failed or reverted submission (doubles, max 600)
    gas_limit: int = 2_000_000  # explicit gas for submitBatch (estimates lie for verifiers)


@dataclass(frozen=True)
class ApiConfig:
    host: str = "127.0.0.1"
    port: int = 8650


@dataclass(frozen=True)
class KeysConfig:
    operator: str = "operator.key.json"
    oracle: str = "oracle.key.json"
    passphrase_env: str = "ZKDX_PASSPHRASE"
    passphrase_file: str = ""  # if set: the first line of this file, instead of the environment


@dataclass(frozen=True)
class NodeConfig:
    dir: Path
    ledger: LedgerConfig = field(default_factory=LedgerConfig)
    sequencer: SequencerConfig = field(default_factory=SequencerConfig)
    prover: ProverConfig = field(default_factory=ProverConfig)
    l1: L1Config = field(default_factory=L1Config)
    api: ApiConfig = field(default_factory=ApiConfig)
    keys: KeysConfig = field(default_factory=KeysConfig)

    def path(self, name: str) -> Path:
        """A file of the node directory (names in the config are relative to it)."""
        return self.dir / name

    @property
    def store_path(self) -> Path:
        return self.dir / STORE

    @property
    def api_url(self) -> str:
        return f"http://{self.api.host}:{self.api.port}"

    def params(self) -> LedgerParams:
        """The ledger parameters (circuit shape); NodeConfigError if they are not valid."""
        lc = self.ledger
        try:
            key = tuple(int(v) for v in lc.oracle_key)
            return LedgerParams(
                depth=lc.depth,
                batch_size=lc.batch_size,
                markets=lc.markets,
                oracle_key=key,
                max_price_age=lc.max_price_age,
            )
        except (ParameterError, ValueError) as exc:
            raise NodeConfigError(f"{self.dir / CONFIG}: ledger: {exc}") from exc


SECTIONS: dict[str, type] = {n: t for n, t in typing.get_type_hints(NodeConfig).items() if n != "dir"}
RANGES: dict[type, dict[str, tuple[float, float]]] = {  # inclusive bounds of every numeric setting
    LedgerConfig: {"depth": (1, MAX_DEPTH), "batch_size": (1, 1 << 16), "max_price_age": (1, (1 << 32) - 1)},
    SequencerConfig: {"seal_seconds": (0.0, DAY), "max_group": (1, 10_000)},
    ProverConfig: {"workers": (0, 256), "threads": (0, 1024), "job_timeout": (1.0, 7 * DAY), "max_attempts": (1, 1000)},
    L1Config: {
        "poll_seconds": (0.01, 3600.0),
        "confirmations": (0, 10_000),
        "retry_seconds": (0.01, DAY),
        "gas_limit": (21_000, 1 << 32),
    },
    ApiConfig: {"port": (0, 65_535)},
}


CHOICES: dict[type, dict[str, tuple[str, ...]]] = {SequencerConfig: {"batch_clock": ("ledger", "wall")}}


def _in_range(value: object, cls: type, key: str, where: str) -> object:
    choices = CHOICES.get(cls, {}).get(key)
    if choices is not None and value not in choices:
        raise NodeConfigError(f"{where}: {value!r:.30} is not one of {', '.join(choices)}")
    lo, hi = RANGES.get(cls, {}).get(key, (-math.inf, math.inf))
    if isinstance(value, int | float) and not (math.isfinite(value) and lo <= value <= hi):
        raise NodeConfigError(f"{where}: {value!r:.30} is outside {lo:g}..{hi:g}")
    return value


def _typed(value: object, want: object, where: str) -> object:
    if want is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if want in (int, float, str) and type(value) is want:
        return value
    if want == tuple[str, str] and isinstance(value, list) and len(value) == 2:
        return tuple(str(v) for v in value)
    raise NodeConfigError(f"{where}: expected {getattr(want, '__name__', want)}, got {value!r:.60}")


def _section(cls: type, table: object, where: str) -> object:
    if not isinstance(table, dict):
        raise NodeConfigError(f"{where}: expected a table")
    types = typing.get_type_hints(cls)
    unknown = set(table) - set(types)
    if unknown:
        raise NodeConfigError(f"{where}: unknown key(s) {sorted(unknown)}; known: {sorted(types)}")
    out = {}
    for key, value in table.items():
        if key == "markets" and cls is LedgerConfig:
            out[key] = _markets(value, f"{where}.markets")
        else:
            out[key] = _in_range(_typed(value, types[key], f"{where}.{key}"), cls, key, f"{where}.{key}")
    return cls(**out)


def _markets(value: object, where: str) -> tuple[Market, ...]:
    if not isinstance(value, list) or not value:
        raise NodeConfigError(f"{where}: expected one or more [[ledger.markets]] tables")
    names = [f.name for f in dataclasses.fields(Market) if f.name != "market_id"]
    out = []
    for i, table in enumerate(value):
        if not isinstance(table, dict) or set(table) != set(names):
            raise NodeConfigError(f"{where}[{i}]: expected exactly the keys {names}")
        out.append(Market(i, **{k: _typed(table[k], int, f"{where}[{i}].{k}") for k in names}))
    return tuple(out)


def _parse(path: Path, directory: Path) -> dict:
    """The TOML document at path: read through a bound, UTF-8, nesting refused past the recursion limit."""
    if not path.exists():
        raise NodeConfigError(f"{path}: cannot read (no such file); run `zkdx init --dir {directory}`")
    data = jsonsafe.read_file(path, NodeConfigError, max_bytes=MAX_CONFIG_BYTES)
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise NodeConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except ValueError as exc:  # TOMLDecodeError, or an integer longer than int() takes
        raise NodeConfigError(f"{path}: not valid TOML: {str(exc)[:200]}") from exc
    except RecursionError:  # not chained: the traceback would be the recursion limit's length
        raise NodeConfigError(f"{path}: nests too deeply") from None


def load(directory: str | Path) -> NodeConfig:
    """The configuration of a node directory; NodeConfigError if it is missing or invalid."""
    directory = Path(directory)
    path = directory / CONFIG
    raw = _parse(path, directory)
    unknown = set(raw) - set(SECTIONS)
    if unknown:
        raise NodeConfigError(f"{path}: unknown section(s) {sorted(unknown)}; known: {sorted(SECTIONS)}")
    sections = {name: _section(SECTIONS[name], raw[name], f"{CONFIG} [{name}]") for name in raw}
    cfg = NodeConfig(directory, **sections)
    cfg.params()  # validate now, not at first use
    return cfg


def save_deployment(cfg: NodeConfig, deployment: Deployment, chain_id: int, block: int, operator: str) -> None:
    info = {**dataclasses.asdict(deployment), "chain_id": chain_id, "block": block, "operator": operator}
    tmp = cfg.path(DEPLOYMENT + ".tmp")
    tmp.write_text(json.dumps(info, indent=1) + "\n")
    tmp.replace(cfg.path(DEPLOYMENT))


def load_deployment(cfg: NodeConfig) -> dict:
    """{"rollup", "token", "verifier", "chain_id", "block", "operator"}; NodeConfigError if absent."""
    path = cfg.path(DEPLOYMENT)
    try:
        raw = jsonsafe.read_file(path, NodeConfigError, max_bytes=1 << 16)
    except NodeConfigError as exc:
        raise NodeConfigError(f"{exc}; `zkdx init` deploys the contracts") from exc
    info = jsonsafe.loads(raw, NodeConfigError, max_bytes=1 << 16, max_depth=2)
    names = [f.name for f in dataclasses.fields(Deployment)]
    if not isinstance(info, dict) or not all(isinstance(info.get(k), str) for k in names):
        raise NodeConfigError(f"{path}: expected the addresses {names}")
    return info


def deployment_of(info: dict) -> Deployment:
    return Deployment(**{f.name: info[f.name] for f in dataclasses.fields(Deployment)})
