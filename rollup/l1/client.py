"""The L1 client (web3.py): deploy the contracts and drive the rollup.

Backends: ``connect()`` gives an in-process EVM (eth-tester on py-evm); ``connect(url)``
any JSON-RPC node.  Every state-changing call waits for its receipt and raises
``L1Error`` with the decoded revert reason (custom error name or message).  Proof
checks are sent with an explicit gas limit: gas estimates are wrong for calls
whose pairing precompile can fail softly (a verifier then returns false and the call succeeds).
"""

from __future__ import annotations

import ast
import re

from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractConstructor, ContractFunction
from web3.exceptions import ContractCustomError, ContractLogicError, Web3Exception
from web3.logs import DISCARD

from circuits.field import R
from circuits.ledger.params import LedgerParams, TxType
from circuits.ledger.state import NO_KEY
from circuits.native.babyjubjub import Point
from rollup.errors import RollupError
from rollup.l1.contracts import demo_verifying_key, load_artifact, verifier_artifact
from rollup.l1.deployment import Deployment
from rollup.ledger.state import LedgerState
from rollup.ledger.types import QueueItem
from verifier.formats import proof_to_calldata, vk_to_json
from verifier.types import Proof, VerifyingKey

try:  # the in-process backend raises its own exception type for reverts
    from eth_tester.exceptions import TransactionFailed

    _SEND_ERRORS: tuple[type[Exception], ...] = (Web3Exception, ValueError, TransactionFailed)
except ImportError:  # pragma: no cover (web3 without the tester extra)
    _SEND_ERRORS = (Web3Exception, ValueError)

DEV_CHAINS = (31337, 131277322940537)  # hardhat, eth-tester
ITEM_DELAY = 15  # s a forced exit waits per queue slot ahead: about what proving one slot takes here
BATCH_LAG = 3600  # s a batch time may trail block.timestamp: proving and L1 inclusion, with room
MAX_BATCH_LAG = 86_400  # off dev chains: a longer lag would make price ages meaningless
SUBMIT_GAS = 2_000_000  # explicit: a verifier failing softly must not be mistaken for a cheap call
ZERO = "0x" + "00" * 20


def exit_slots(params: LedgerParams) -> int:
    """The slots a forced exit may take: a close a market (into the backstop account) and its own."""
    return len(params.markets) + 1


class L1Error(RollupError):
    """An L1 transaction reverted or could not be sent; the message names the reason."""


def connect(url: str | None = None) -> Web3:
    """An in-process EVM when url is None, else a JSON-RPC node."""
    if url is None:
        from web3 import EthereumTesterProvider

        return Web3(EthereumTesterProvider())
    w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 60}))
    if not w3.is_connected():
        raise L1Error(f"no JSON-RPC node answers at {url}")
    return w3


def rollup_domain(chain_id: int, address: str) -> int:
    """What Rollup.sol computes: keccak256(abi.encode(chain id, rollup address)) mod r."""
    from eth_abi import encode

    return int.from_bytes(Web3.keccak(encode(["uint256", "address"], [chain_id, address])), "big") % R


def _error_names(abi: list) -> dict[str, str]:
    out = {}
    for item in abi:
        if item.get("type") == "error":
            sig = f"{item['name']}({','.join(i['type'] for i in item['inputs'])})"
            out["0x" + Web3.keccak(text=sig).hex().removeprefix("0x")[:8]] = item["name"]
    return out


class L1Client:
    def __init__(self, w3: Web3, deployment: Deployment | None = None) -> None:
        self.w3 = w3
        self.rollup_abi = load_artifact("Rollup")["abi"]
        self.token_abi = load_artifact("TestToken")["abi"]
        self.errors = _error_names(self.rollup_abi)
        self.deployment = deployment
        self.deploy_gas: list[int] = []  # gas of each deployment, in order

    # ---- plumbing ---------------------------------------------------------------
    def send(self, fn: ContractFunction | ContractConstructor, sender: str, gas: int | None = None) -> dict:
        """Send a contract call as a transaction and wait; L1Error with the revert reason."""
        params = {"from": sender} if gas is None else {"from": sender, "gas": gas}
        try:
            tx = fn.transact(params)
            receipt = self.w3.eth.wait_for_transaction_receipt(tx, timeout=120)
        except (*_SEND_ERRORS,) as exc:
            raise L1Error(self.error_reason(exc)) from exc
        if receipt["status"] != 1:  # sent with explicit gas: replay as a call for the reason
            raise L1Error(self.revert_reason(fn, params, receipt))
        return receipt

    def revert_reason(self, fn: ContractFunction, params: dict, receipt: dict) -> str:
        """Why a mined transaction of fn reverted: replayed as a call on the block before it."""
        try:
            fn.call(params, block_identifier=receipt["blockNumber"] - 1)
        except (*_SEND_ERRORS,) as exc:
            return self._named(self._reason(exc))
        return f"transaction {receipt['transactionHash'].hex()} reverted (out of gas?)"

    def error_reason(self, exc: Exception) -> str:
        """A send or call error as a one-line reason (custom errors named)."""
        return self._named(self._reason(exc))

    def _reason(self, exc: Exception) -> str:
        """The revert reason: a custom error's name, a require message, or the node's text."""
        if isinstance(exc, ContractCustomError):
            data = exc.data if isinstance(exc.data, str) else str(exc.args[0])
            return f"reverted: {self.errors.get(data[:10], data)}"
        if isinstance(exc, ContractLogicError):
            return f"reverted: {exc.message or exc}"
        raw = exc.args[0] if exc.args else b""
        prefix = "execution reverted: b"
        if isinstance(raw, str) and raw.startswith(prefix):  # eth-tester: "execution reverted: b'...'"
            try:
                raw = ast.literal_eval(raw[len(prefix) - 1 :])
            except (SyntaxError, ValueError):
                return f"reverted: {raw}"
        if isinstance(raw, bytes) and len(raw) >= 4:
            selector = "0x" + raw[:4].hex()
            return f"reverted: {self.errors.get(selector, selector)}"
        return f"transaction failed: {exc}"

    def _named(self, reason: str) -> str:
        """Put a custom error's name on a node's message that only quotes its selector or its whole
        return data, arguments included (hardhat)."""
        quoted = re.findall(r"0x[0-9a-fA-F]{8}(?![0-9a-fA-F])", reason)
        returned = re.findall(r"return data: (0x[0-9a-fA-F]{8})", reason)
        for selector in quoted + returned:
            if selector.lower() in self.errors:
                return f"reverted: {self.errors[selector.lower()]} ({reason})"
        return reason

    def _deploy(self, art: dict, sender: str, *args) -> str:
        contract = self.w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
        receipt = self.send(contract.constructor(*args), sender)
        self.deploy_gas.append(receipt["gasUsed"])
        return receipt["contractAddress"]

    @property
    def rollup(self) -> Contract:
        return self.w3.eth.contract(address=self.deployment.rollup, abi=self.rollup_abi)

    @property
    def token(self) -> Contract:
        return self.w3.eth.contract(address=self.deployment.token, abi=self.token_abi)

    # ---- deployment ---------------------------------------------------------------
    def deploy(
        self,
        params: LedgerParams,
        vk: VerifyingKey,
        operator: str,
        guardians: list[str],
        threshold: int,
        timing: tuple[int, int, int] = (7 * 86400, 3 * 86400, 86400),
        exit_vk: VerifyingKey | None = None,
        *,
        token: str | None = None,
        vote_window: int = 3600,
        registration_fee: int = 0,
        item_delay: int = ITEM_DELAY,
        batch_lag: int | None = None,
        allow_demo_key: bool = False,
    ) -> Deployment:
        """Batch and exit verifiers, Poseidon, and the rollup at the genesis state, for the collateral
        ``token`` (an ERC-20 address; on a dev chain, None deploys the public-mint TestToken).

        timing = (forced-exit delay, max pause, pause cooldown) in seconds; a forced exit also gets
        item_delay seconds for each queue item ahead of it (set it to what the prover needs a slot:
        more gives a censor time for gas alone, less lets queue spam outrun the prover); a
        guardian's vote counts for vote_window
        seconds; registering an account costs registration_fee (collateral units: it must be positive
        off dev chains, or anyone fills the tree for gas alone).  A batch's time may trail the block's
        by batch_lag seconds (default BATCH_LAG; on a dev chain, where tests move time by hand, 0:
        unchecked, which only a dev chain accepts): with the circuit's max_price_age this bounds the
        age of any price a margin check reads by batch_lag + max_price_age.  Without an exit key the escape hatch
        cannot pay anyone: deploy with one in production.  The demo keys (public seed, anyone can
        forge proofs) are refused unless allow_demo_key on a dev chain.
        """
        self._check_deployable(vk, exit_vk, token, registration_fee, allow_demo_key)
        dev = self.w3.eth.chain_id in DEV_CHAINS
        batch_lag = (0 if dev else BATCH_LAG) if batch_lag is None else batch_lag
        self._check_timing(timing, vote_window, item_delay, batch_lag, dev)
        token = self._deploy(load_artifact("TestToken"), operator) if token is None else token
        verifier = self.deploy_verifier(vk, operator, allow_demo_key=allow_demo_key)
        exit_verifier = (
            ZERO if exit_vk is None else self.deploy_verifier(exit_vk, operator, allow_demo_key=allow_demo_key)
        )
        config = [params.batch_size, params.num_accounts, *timing, vote_window, registration_fee, item_delay, batch_lag]
        config.append(exit_slots(params))
        return self.deploy_rollup(params, (verifier, exit_verifier, token, operator), config, guardians, threshold)

    def deploy_rollup(
        self, params: LedgerParams, parts: tuple[str, str, str, str], config: list[int], guardians: list[str], k: int
    ) -> Deployment:
        """Poseidon and the rollup around contracts already deployed, taken as they are (no key check).

        parts = (batch verifier, exit verifier, token, operator); config as Rollup's constructor.
        ``deploy`` uses it; otherwise it is for tests that stand an unsound verifier in (rollup.monitor)."""
        verifier, exit_verifier, token, operator = parts
        poseidon = self._deploy(load_artifact("PoseidonT5"), operator)
        empty = LedgerState.genesis(params, 0)
        genesis = [empty.tree.root, empty.markets_hash, params.digest]
        args = (verifier, exit_verifier, poseidon, token, operator, config, genesis, guardians, k)
        rollup = self._deploy(load_artifact("Rollup"), operator, *args)
        self.deployment = Deployment(rollup, token, verifier)
        if self.state_root() != LedgerState.genesis(params, self.domain()).root:
            raise L1Error("the deployed rollup's genesis root differs from the ledger's")
        return self.deployment

    def _check_deployable(
        self, vk: VerifyingKey, exit_vk: VerifyingKey | None, token: str | None, fee: int, allow_demo: bool
    ) -> None:
        for key in (vk, exit_vk):
            if key is not None:
                self._check_not_demo_key(key, allow_demo)
        dev = self.w3.eth.chain_id in DEV_CHAINS
        if token is not None and not (Web3.is_address(token) and self.w3.eth.get_code(token)):
            raise L1Error(f"the collateral token {token!r} is not a contract on this chain")
        if dev:
            return
        if token is None:
            raise L1Error("give the collateral token's address: the test token (anyone may mint it) is for dev chains")
        if fee <= 0:
            raise L1Error("set a registration fee: without one, anyone fills the account tree for gas alone")
        if exit_vk is None:
            raise L1Error("give the exit verifying key: without it no one can escape after a freeze")

    @staticmethod
    def _check_timing(timing: tuple[int, int, int], vote_window: int, item_delay: int, lag: int, dev: bool) -> None:
        """Every time below 2^40 s (the contract refuses more: deadline sums must not overflow);
        off dev chains a forced exit's delay, the per-item delay and the batch lag positive (0 lets
        queue spam freeze the rollup; an unchecked batch time lets prices go stale)."""
        times = (*timing, vote_window, item_delay, lag)
        if not all(isinstance(t, int) and 0 <= t < 2**40 for t in times):
            raise L1Error(f"timing {times}: each must be an integer number of seconds below 2^40")
        if not dev and (timing[0] <= 0 or item_delay <= 0 or lag <= 0):
            raise L1Error("the forced-exit delay, the per-item delay and the batch lag must be positive")
        if not dev and lag > MAX_BATCH_LAG:
            raise L1Error(f"a batch lag of {lag} s lets prices be that old: at most {MAX_BATCH_LAG} s")

    def deploy_verifier(self, vk: VerifyingKey, sender: str, *, allow_demo_key: bool = False) -> str:
        """Render, compile (pinned solc) and deploy a Groth16Verifier for vk."""
        self._check_not_demo_key(vk, allow_demo_key)
        art = verifier_artifact(vk)
        self.verifier_abi = art["abi"]
        return self._deploy(art, sender)

    def _check_not_demo_key(self, vk: VerifyingKey, allow: bool) -> None:
        """The committed demo key's trapdoor is public: refuse it, except on a dev chain when asked."""
        if vk_to_json(vk) != vk_to_json(demo_verifying_key()):
            return
        chain = self.w3.eth.chain_id
        if not allow or chain not in DEV_CHAINS:
            raise L1Error(
                f"refusing the demo verifying key on chain {chain}: its trapdoor is public, anyone can forge "
                "proofs (set up your own keys; dev chains accept it with allow_demo_key=True)"
            )

    def verifier(self, address: str | None = None) -> Contract:
        return self.w3.eth.contract(address=address or self.deployment.verifier, abi=self.verifier_abi)

    # ---- users ----------------------------------------------------------------------
    def fund(self, user: str, amount: int) -> None:
        """Mint test collateral and approve the rollup to take it."""
        self.send(self.token.functions.mint(amount), user)
        self.send(self.token.functions.approve(self.deployment.rollup, amount), user)

    def register(self, user: str, pubkey: Point) -> int:
        receipt = self.send(self.rollup.functions.register(*pubkey), user)
        (event,) = self.rollup.events.AccountRegistered().process_receipt(receipt, errors=DISCARD)
        return event["args"]["account"]

    def register_backstop(self, operator: str, pubkey: Point) -> int:
        """Register the operator's backstop account (the tree's last index); its index."""
        receipt = self.send(self.rollup.functions.registerBackstop(*pubkey), operator)
        (event,) = self.rollup.events.AccountRegistered().process_receipt(receipt, errors=DISCARD)
        return event["args"]["account"]

    def deposit(self, user: str, account: int, amount: int) -> dict:
        return self.send(self.rollup.functions.deposit(account, amount), user)

    def request_forced_exit(self, user: str, account: int) -> int:
        """The queue index of the request."""
        receipt = self.send(self.rollup.functions.requestForcedExit(account), user)
        (event,) = self.rollup.events.QueueItem().process_receipt(receipt, errors=DISCARD)
        return event["args"]["index"]

    def claim(self, user: str) -> dict:
        return self.send(self.rollup.functions.claim(), user)

    def freeze(self, user: str, queue_index: int) -> dict:
        return self.send(self.rollup.functions.freeze(queue_index), user)

    def escape(self, user: str, account: int, amount: int, proof: Proof, gas: int = SUBMIT_GAS) -> dict:
        fn = self.rollup.functions.escape(account, amount, proof_to_calldata(proof))
        return self.send(fn, user, gas=gas)

    def reclaim_deposit(self, user: str, queue_index: int) -> dict:
        """Once frozen, credit a deposit still in the queue back to its depositor."""
        return self.send(self.rollup.functions.reclaimDeposit(queue_index), user)

    def queued_deposits(self) -> int:
        return self.rollup.functions.queuedDeposits().call()

    def vote_pause(self, guardian: str) -> dict:
        return self.send(self.rollup.functions.votePause(), guardian)

    # ---- operator ---------------------------------------------------------------------
    def submit_batch(self, operator: str, new_root: int, data: bytes, proof: Proof, gas: int = SUBMIT_GAS) -> dict:
        fn = self.rollup.functions.submitBatch(new_root, data, proof_to_calldata(proof))
        return self.send(fn, operator, gas=gas)

    # ---- reading ------------------------------------------------------------------------
    def state_root(self) -> int:
        return self.rollup.functions.stateRoot().call()

    def batch_count(self) -> int:
        return self.rollup.functions.batchCount().call()

    def claimable(self, user: str) -> int:
        return self.rollup.functions.claimable(user).call()

    def token_balance(self, user: str) -> int:
        return self.token.functions.balanceOf(user).call()

    def queue_items(self, from_block: int = 0) -> list[dict]:
        """L1 queue items in order (kind, account, amount, head)."""
        logs = self.rollup.events.QueueItem().get_logs(from_block=from_block)
        return [dict(log["args"]) for log in sorted(logs, key=lambda e: e["args"]["index"])]

    def account_key(self, account: int) -> Point:
        return tuple(self.rollup.functions.keyOfAccount(account).call())

    def domain(self) -> int:
        """The signature domain the rollup fixed at deployment (keccak(chain id, address) mod r)."""
        return self.rollup.functions.domain().call()

    def frozen(self) -> bool:
        return self.rollup.functions.frozen().call()

    def paused(self) -> bool:
        return self.rollup.functions.paused().call()

    def new_queue_items(self, known: int) -> list[QueueItem]:
        """L1 queue items from index `known` on, as the ledger consumes them."""
        out = []
        for ev in self.queue_items():
            if ev["index"] < known:
                continue
            key = self.account_key(ev["account"]) if ev["kind"] == TxType.DEPOSIT else NO_KEY
            out.append(QueueItem(ev["kind"], ev["account"], ev["amount"], key))
        return out


def advance_time(w3: Web3, seconds: int) -> None:
    """Move a development chain's clock forward and mine a block (eth-tester or hardhat)."""
    provider = w3.provider
    if hasattr(provider, "ethereum_tester"):
        tester = provider.ethereum_tester
        tester.time_travel(tester.get_block_by_number("latest")["timestamp"] + seconds)
        tester.mine_blocks()
        return
    provider.make_request("evm_increaseTime", [seconds])
    provider.make_request("evm_mine", [])
