"""The rollup as L1 shows it, read through JSON-RPC and nothing else.

``ChainReader`` reads the contract's immutables, its events in block ranges (one
``eth_getLogs`` per range, decoded by topic), the proof from the calldata of each
``submitBatch`` transaction, code hashes and views at a given block.  It does not use
the operator node or its database.  Every RPC failure becomes ``ChainReadError``: a
watcher that cannot read L1 must say so, never act on what it read before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from web3 import Web3
from web3.exceptions import Web3Exception

from circuits.ledger.params import ARITY, TxType
from circuits.ledger.state import NO_KEY
from rollup.errors import ChainReadError
from rollup.l1.client import Deployment, L1Client
from rollup.ledger.types import QueueItem
from verifier.errors import MalformedError
from verifier.formats import proof_from_calldata
from verifier.types import Proof

T = TypeVar("T")
SPAN = 2_000  # blocks per eth_getLogs request
RPC_ERRORS = (Web3Exception, OSError, ValueError, TimeoutError)


def rpc(call: Callable[[], T], what: str) -> T:
    """Run one read against L1; any transport or node failure is a ChainReadError naming what."""
    try:
        return call()
    except RPC_ERRORS as exc:
        raise ChainReadError(f"cannot read {what} from L1: {type(exc).__name__}: {exc}") from exc


@dataclass(frozen=True)
class RollupInfo:
    """The deployment's fixed facts (the contract's immutables)."""

    address: str
    verifier: str
    exit_verifier: str
    poseidon: str
    token: str
    operator: str
    batch_size: int
    num_accounts: int
    domain: int
    forced_exit_delay: int
    vote_window: int

    @property
    def depth(self) -> int:
        depth = 0
        while ARITY**depth < self.num_accounts:
            depth += 1
        if ARITY**depth != self.num_accounts:
            raise ChainReadError(f"numAccounts {self.num_accounts} is not a power of {ARITY}")
        return depth


@dataclass(frozen=True)
class PostedBatch:
    """A ``BatchAccepted`` event: what the contract accepted, and where."""

    index: int
    block: int
    tx_hash: str
    old_root: int
    new_root: int
    queue_consumed: int  # L1 queue items consumed after this batch
    data: bytes


@dataclass(frozen=True)
class QueueEntry:
    """A ``QueueItem`` event: the L1 queue item and the chain head after it."""

    index: int
    kind: int
    account: int
    amount: int
    head: int
    block: int


@dataclass(frozen=True)
class Event:
    name: str
    block: int
    log_index: int
    tx_hash: str
    args: dict


class ChainReader:
    def __init__(self, w3: Web3, rollup: str) -> None:
        self.w3 = w3
        self.address = rpc(lambda: Web3.to_checksum_address(rollup), "the rollup address")
        if not rpc(lambda: w3.eth.get_code(self.address), "the rollup's code"):
            raise ChainReadError(f"no contract at {self.address}")
        self.l1 = L1Client(w3, Deployment(self.address, self.address, self.address))
        self.contract = self.l1.rollup
        self._topics = self._event_topics()
        self._times: dict[int, int] = {}
        self.info = self._read_info()
        self.chain_id = rpc(lambda: w3.eth.chain_id, "the chain id")
        self.l1.deployment = Deployment(self.address, self.info.token, self.info.verifier)

    def _event_topics(self) -> dict[bytes, str]:
        out = {}
        for item in self.contract.abi:
            if item.get("type") == "event":
                sig = f"{item['name']}({','.join(i['type'] for i in item['inputs'])})"
                out[bytes(Web3.keccak(text=sig))] = item["name"]
        return out

    def _read_info(self) -> RollupInfo:
        f = self.contract.functions
        names = ("verifier", "exitVerifier", "poseidon", "token", "operator", "batchSize", "numAccounts", "domain")
        names += ("forcedExitDelay", "voteWindow")
        try:
            values = [rpc(getattr(f, n)().call, f"rollup.{n}()") for n in names]
        except ChainReadError as exc:
            raise ChainReadError(f"{self.address} does not answer as a zkdx rollup: {exc}") from exc
        return RollupInfo(self.address, *values)

    # ---- blocks and events -----------------------------------------------------------
    def head(self) -> int:
        return rpc(lambda: self.w3.eth.block_number, "the block number")

    def block_time(self, number: int | str) -> int:
        if isinstance(number, int) and number in self._times:
            return self._times[number]
        t = rpc(lambda: self.w3.eth.get_block(number)["timestamp"], f"block {number}")
        if isinstance(number, int):
            self._times[number] = t
        return t

    def events(self, first: int, last: int) -> list[Event]:
        """Every rollup event in blocks first..last, in chain order."""
        out: list[Event] = []
        for lo in range(first, last + 1, SPAN):
            hi = min(last, lo + SPAN - 1)
            query = {"address": self.address, "fromBlock": lo, "toBlock": hi}
            out += [self._decode(log) for log in rpc(lambda q=query: self.w3.eth.get_logs(q), f"logs {lo}..{hi}")]
        return sorted((e for e in out if e is not None), key=lambda e: (e.block, e.log_index))

    def _decode(self, log: dict) -> Event | None:
        name = self._topics.get(bytes(log["topics"][0])) if log["topics"] else None
        if name is None:
            return None
        decoded = getattr(self.contract.events, name)().process_log(log)
        tx = "0x" + log["transactionHash"].hex().removeprefix("0x")
        return Event(name, log["blockNumber"], log["logIndex"], tx, dict(decoded["args"]))

    # ---- batch proofs ---------------------------------------------------------------------
    def proof_of(self, batch: PostedBatch) -> Proof:
        """The proof sent with an accepted batch, from its transaction's calldata.

        ChainReadError if the transaction did not call submitBatch directly (a contract
        relayed it) or carried other data than the event: then the proof cannot be read."""
        tx = rpc(lambda: self.w3.eth.get_transaction(batch.tx_hash), f"transaction {batch.tx_hash}")
        if tx["to"] is None or Web3.to_checksum_address(tx["to"]) != self.address:
            raise ChainReadError(f"batch {batch.index}: tx {batch.tx_hash} did not call the rollup directly")
        try:
            fn, args = self.contract.decode_function_input(tx["input"])
        except ValueError as exc:
            raise ChainReadError(f"batch {batch.index}: tx {batch.tx_hash} input does not decode: {exc}") from exc
        if fn.abi_element_identifier.split("(")[0] != "submitBatch" or bytes(args["data"]) != batch.data:
            raise ChainReadError(f"batch {batch.index}: tx {batch.tx_hash} is not this batch's submitBatch")
        try:
            return proof_from_calldata(args["proof"])
        except MalformedError as exc:
            raise ChainReadError(f"batch {batch.index}: the proof in the calldata is malformed: {exc}") from exc

    # ---- code and views --------------------------------------------------------------------
    def code(self, address: str, block: int | str = "latest") -> bytes:
        return bytes(rpc(lambda: self.w3.eth.get_code(address, block_identifier=block), f"code at {address}"))

    def code_hash(self, address: str, block: int | str = "latest") -> str:
        return Web3.keccak(self.code(address, block)).hex().removeprefix("0x")

    def view(self, name: str, *args: object, block: int | str = "latest") -> object:
        fn = getattr(self.contract.functions, name)(*args)
        return rpc(lambda: fn.call(block_identifier=block), f"rollup.{name}{args}")

    def token_balance(self, owner: str, block: int | str = "latest") -> int:
        fn = self.l1.token.functions.balanceOf(owner)
        return rpc(lambda: fn.call(block_identifier=block), f"token balance of {owner}")


def posted_batch(ev: Event) -> PostedBatch:
    a = ev.args
    return PostedBatch(a["batch"], ev.block, ev.tx_hash, a["oldRoot"], a["newRoot"], a["queueConsumed"], a["data"])


def queue_entry(ev: Event) -> QueueEntry:
    a = ev.args
    return QueueEntry(a["index"], a["kind"], a["account"], a["amount"], a["head"], ev.block)


def queue_item(entry: QueueEntry, keys: dict[int, tuple[int, int]]) -> QueueItem:
    """The ledger's view of an L1 queue item; a deposit carries the key registered on L1."""
    if entry.kind == TxType.DEPOSIT:
        if entry.account not in keys:
            raise ChainReadError(f"queue item {entry.index}: deposit to account {entry.account} with no registration")
        return QueueItem(entry.kind, entry.account, entry.amount, keys[entry.account])
    return QueueItem(entry.kind, entry.account, entry.amount, NO_KEY)
