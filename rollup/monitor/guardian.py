"""The guardian's vote: ``votePause()`` signed locally with a key from an encrypted keystore.

A vote is cast only when it can count (``may_vote``): the rollup is not paused, a pause is
available (the cooldown after the last one has passed), and this guardian has no vote that
still counts (cast within ``voteWindow`` and after the last pause started).  All of it is
read at the block the monitor just checked, so a vote never rests on older data.  The
transaction is signed here (eth-account) and sent raw; its receipt is awaited.
"""

from __future__ import annotations

from eth_account import Account
from web3.exceptions import ContractCustomError, ContractLogicError

from rollup.errors import ChainReadError, MonitorConfigError
from rollup.l1.client import L1Error
from rollup.monitor.chain import RPC_ERRORS, ChainReader, rpc

VOTE_GAS = 200_000  # votePause loops over at most 32 guardians: ~100k at most


class GuardianVoter:
    def __init__(self, reader: ChainReader, secret: bytes) -> None:
        self.reader = reader
        self.account = Account.from_key(secret)
        self.address = self.account.address
        if not reader.view("isGuardian", self.address):
            raise MonitorConfigError(f"{self.address} is not a guardian of the rollup {reader.address}")

    def may_vote(self, block: int) -> tuple[bool, str]:
        """Whether a vote now would count, and why not."""
        v, now = self.reader.view, self.reader.block_time(block)
        until = v("pausedUntil", block=block)
        if now < until:
            return False, "the rollup is paused"
        if until and now < until + v("pauseCooldown", block=block):
            return False, "no pause available until the cooldown ends"
        voted = v("votedAt", self.address, block=block)
        window, started = self.reader.info.vote_window, v("pauseStarted", block=block)
        if voted and voted + window >= now and voted > started:
            return False, "this guardian's vote still counts"
        return True, ""

    def vote(self) -> dict:
        """Send votePause; the receipt.  L1Error if it reverts, ChainReadError if L1 is unreachable."""
        w3, fn = self.reader.w3, self.reader.contract.functions.votePause()
        self._dry_run(fn)
        nonce = rpc(lambda: w3.eth.get_transaction_count(self.address, "pending"), "the guardian's nonce")
        params = {"from": self.address, "nonce": nonce, "gas": VOTE_GAS, "chainId": self.reader.chain_id}
        params.update(self._fees())
        tx = rpc(lambda: fn.build_transaction(params), "votePause")
        signed = self.account.sign_transaction(tx)
        tx_hash = rpc(lambda: w3.eth.send_raw_transaction(signed.raw_transaction), "sending votePause")
        receipt = rpc(lambda: w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60), "the vote's receipt")
        if receipt["status"] != 1:
            raise L1Error(f"votePause reverted in block {receipt['blockNumber']} (another vote got in first?)")
        return receipt

    def _dry_run(self, fn: object) -> None:
        """L1Error naming the contract's error if the vote would revert now (paused, not a guardian)."""
        try:
            fn.call({"from": self.address}, block_identifier="latest")
        except ContractCustomError as exc:
            data = exc.data if isinstance(exc.data, str) else str(exc)
            raise L1Error(f"votePause would revert: {self.reader.l1.errors.get(data[:10], data)}") from exc
        except ContractLogicError as exc:
            raise L1Error(f"votePause would revert: {exc}") from exc
        except RPC_ERRORS as exc:
            raise ChainReadError(f"cannot read votePause from L1: {exc}") from exc

    def _fees(self) -> dict:
        block = rpc(lambda: self.reader.w3.eth.get_block("latest"), "the latest block")
        base = block.get("baseFeePerGas")
        if base is None:
            return {"gasPrice": rpc(lambda: self.reader.w3.eth.gas_price, "the gas price")}
        tip = 10**9
        return {"maxFeePerGas": 2 * base + tip, "maxPriorityFeePerGas": tip}
