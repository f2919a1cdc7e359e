"""``zkdx init``: a node directory with its configuration, keys, proving key, store and deployment.

Steps (each checked before the slow ones start): refuse a directory that already holds a
configuration; write ``zkdx.toml`` with every default documented; create the operator's
secp256k1 key and the oracle's Baby Jubjub key in encrypted keystores; run the dev setup
of the batch circuit (INSECURE trapdoor, printed as such); store the genesis state; deploy
the contracts with ``L1Client.deploy`` (the one deployment entry point) from the operator's
key, funding it first from the node's first unlocked account on a development chain.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import secrets
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.middleware import SignAndSendRawMiddlewareBuilder

from circuits.ledger.params import LedgerParams
from circuits.native import eddsa
from prover.keys import save_proving_key
from rollup import keystore
from rollup.errors import NodeConfigError
from rollup.l1.client import L1Client, connect
from rollup.ledger import state_codec
from rollup.ledger.state import LedgerState
from rollup.node.config import CONFIG, SECTIONS, NodeConfig, load, save_deployment
from rollup.node.store import Store
from rollup.pipeline import setup_batch
from verifier.formats import vk_to_json

DEFAULT_TIMING = (7 * 86400, 3 * 86400, 86400)  # forced-exit delay, max pause, pause cooldown (s)
DEV_FUNDING = 10**20  # 100 ETH from a dev chain's first account to the operator
TEMPLATE = """\
# zkdx operator node configuration, written by `zkdx init`.
# Every key is optional: a missing key takes the default shown here.  Restart the node after editing.

[ledger]
# The circuit's shape: changing any of these needs a new setup (`zkdx init` in a new directory).
depth = {depth}              # arity-4 account tree levels: 4^depth accounts
batch_size = {batch_size}         # transaction slots per batch (one proof each)
oracle_key = {oracle_key}  # the oracle's Baby Jubjub public key (its secret: oracle.key.json)
max_price_age = {max_price_age}      # s: withdrawals, trades, liquidations need every priced market this fresh

# One table per perpetual market, in market-id order (the first is market 0).
#   price_scale              price is in collateral units per price_scale size units
#   risk_factor_initial      basis points: trades and withdrawals must keep value >= initial risk
#   risk_factor_maintenance  basis points: an account below maintenance risk may be liquidated
#   max_funding_rate         |funding index change| <= rate x seconds since the last funding tick
{markets}
[sequencer]
seal_seconds = {sequencer[seal_seconds]}   # seal a batch that is not full this long after its first transaction
max_group = {sequencer[max_group]}        # acknowledgements committed together (one fsync for the group)
batch_clock = {sequencer[batch_clock]}  # "wall": each batch starts the ledger clock at its first acknowledgement
                        # (30 s back), so batches stay within the contract's maxBatchLag without oracle
                        # ticks; "ledger": the clock moves only with oracle ticks

[prover]
workers = {prover[workers]}           # prover worker processes (each proves one batch at a time)
threads = {prover[threads]}           # processes each proof uses (ZKDX_WORKERS); 0 = every core
job_timeout = {prover[job_timeout]}  # seconds after which a claimed job counts as stuck and is reclaimed
max_attempts = {prover[max_attempts]}      # a batch whose proof fails this often is marked failed (shown in status)
proving_key = {prover[proving_key]}

[l1]
url = {l1[url]}   # JSON-RPC node (a long-running node cannot use the in-process EVM)
poll_seconds = {l1[poll_seconds]}    # watcher and sender poll interval
confirmations = {l1[confirmations]}     # blocks an L1 event waits before the watcher takes it
retry_seconds = {l1[retry_seconds]}  # back-off after a failed or reverted submission (doubles, at most 600)
gas_limit = {l1[gas_limit]}   # explicit gas for submitBatch (gas estimates lie for verifiers)

[api]
host = {api[host]}    # loopback: put a TLS proxy or the RFQ gateway in front for outside clients
port = {api[port]}

[keys]
operator = {keys[operator]}   # secp256k1 (L1 submissions and receipts), encrypted keystore
oracle = {keys[oracle]}       # Baby Jubjub (price and funding ticks), encrypted keystore
passphrase_env = {keys[passphrase_env]}
passphrase_file = {keys[passphrase_file]}             # if set: the first line of this file, instead of the environment
"""


def _toml(v: object) -> str:
    """A scalar as a TOML literal (JSON strings and numbers read alike in TOML)."""
    return json.dumps(v)


def _markets_toml(params: LedgerParams) -> str:
    out = []
    for m in params.markets:
        out.append("[[ledger.markets]]")
        out += [f"{k} = {v}" for k, v in dataclasses.asdict(m).items() if k != "market_id"]
        out.append("")
    return "\n".join(out)


def render_config(params: LedgerParams, sections: dict[str, object] | None = None) -> str:
    """The configuration file: params, then each section (a config dataclass; defaults if absent)."""
    given = sections or {}
    values = {
        name: {k: _toml(v) for k, v in dataclasses.asdict(given.get(name) or cls()).items()}
        for name, cls in SECTIONS.items()
        if name != "ledger"
    }
    return TEMPLATE.format(
        depth=params.depth,
        batch_size=params.batch_size,
        oracle_key=json.dumps([str(v) for v in params.oracle_key]),
        max_price_age=params.max_price_age,
        markets=_markets_toml(params),
        **values,
    )


def write_directory(
    directory: Path,
    params: LedgerParams,
    passphrase: bytes,
    sections: dict[str, object] | None = None,
    oracle: bytes | None = None,
) -> NodeConfig:
    """Config and keystores (fast steps; nothing slow has run yet).  params.oracle_key is replaced by
    the key of ``oracle`` (a secret; random if None)."""
    if (directory / CONFIG).exists():
        raise NodeConfigError(f"{directory / CONFIG} exists: this directory is initialised already")
    directory.mkdir(parents=True, exist_ok=True)
    operator, oracle_secret = Account.create(), oracle or secrets.token_bytes(32)
    keystore.save(directory / "operator.key.json", bytes(operator.key), passphrase, "secp256k1", "operator")
    keystore.save(directory / "oracle.key.json", oracle_secret, passphrase, "babyjubjub", "oracle")
    params = LedgerParams(params.depth, params.batch_size, params.markets, eddsa.public_key(oracle_secret))
    tmp = directory / (CONFIG + ".tmp")
    tmp.write_text(render_config(params, sections))
    tmp.replace(directory / CONFIG)
    return load(directory)


def operator_account(cfg: NodeConfig, passphrase: bytes) -> LocalAccount:
    return Account.from_key(keystore.load(cfg.path(cfg.keys.operator), passphrase, "secp256k1"))


def oracle_secret(cfg: NodeConfig, passphrase: bytes) -> bytes:
    return keystore.load(cfg.path(cfg.keys.oracle), passphrase, "babyjubjub")


def dev_setup(cfg: NodeConfig, *, quiet: bool = False) -> None:
    """Dev-trapdoor setup of the batch circuit (INSECURE); writes the proving and verifying keys."""
    pk = setup_batch(cfg.params(), quiet=quiet)
    save_proving_key(pk, cfg.path(cfg.prover.proving_key))
    cfg.path("batch.vk.json").write_text(json.dumps(vk_to_json(pk.vk), indent=1) + "\n")


def create_store(cfg: NodeConfig, domain: int) -> int:
    """The store with the genesis state under the deployment's signature domain; returns its root."""
    genesis = LedgerState.genesis(cfg.params(), domain)
    store = Store(cfg.store_path)
    try:
        store.put_genesis(genesis.root, state_codec.encode(genesis))
        store.set_meta("genesis_root", str(genesis.root))
        store.set_meta("domain", str(domain))
    finally:
        store.close()
    return genesis.root


def domain_of(cfg: NodeConfig) -> int:
    """The signature domain the store's genesis was built with."""
    return int(_meta(cfg, "domain"))


def genesis_root(cfg: NodeConfig) -> int:
    return int(_meta(cfg, "genesis_root"))


def _meta(cfg: NodeConfig, key: str) -> str:
    store = Store(cfg.store_path)
    try:
        return store.meta(key)
    finally:
        store.close()


def deploy(cfg: NodeConfig, operator: LocalAccount, guardians: list[str] | None, threshold: int, timing: tuple) -> dict:
    """Deploy with the operator's key (funded from a dev chain's first account if it has nothing)."""
    from prover.keys import load_proving_key

    w3 = connect(cfg.l1.url)
    dev_accounts = w3.eth.accounts
    if w3.eth.get_balance(operator.address) == 0 and dev_accounts:
        tx = w3.eth.send_transaction({"from": dev_accounts[0], "to": operator.address, "value": DEV_FUNDING})
        w3.eth.wait_for_transaction_receipt(tx)
    guardians = guardians or list(dev_accounts[1:4])
    if not guardians:
        raise NodeConfigError("give the guardians' addresses (--guardian): this chain has no dev accounts")
    w3.middleware_onion.inject(SignAndSendRawMiddlewareBuilder.build(operator), layer=0)
    vk = load_proving_key(cfg.path(cfg.prover.proving_key)).vk
    block = w3.eth.block_number
    l1 = L1Client(w3)
    dep = l1.deploy(cfg.params(), vk, operator.address, guardians, threshold, timing)
    backstop = l1.register_backstop(operator.address, eddsa.public_key(backstop_secret(operator)))
    create_store(cfg, l1.domain())  # the genesis is the contract's: its domain binds every signature
    save_deployment(cfg, dep, w3.eth.chain_id, block, operator.address)
    chain = w3.eth.chain_id
    return {"rollup": dep.rollup, "token": dep.token, "guardians": guardians, "chain_id": chain, "backstop": backstop}


def backstop_secret(operator: LocalAccount) -> bytes:
    """The Baby Jubjub secret of the operator's backstop account (the tree's last index), derived from
    the operator's key: forced closes may move an exiting account's position into it at the oracle
    price; it takes part once funded on L2 (any deposit to it)."""
    return hashlib.sha256(b"zkdx backstop account" + bytes(operator.key)).digest()


def check_l1(url: str) -> Web3:
    """Fail fast (before the slow setup) if no JSON-RPC node answers at url."""
    return connect(url)
