"""The EdDSA forgeries of ``eddsa_attacks`` inside the batch circuit: a withdrawal whose signature
(lane a, ``slot0.sig_a``) or a trade whose seller's signature (lane b, ``slot0.sig_b``) is forged
for one kind of row.  The spec refuses each (``eddsa.verify``); the statement carries the forged
signature, the tamper the prover's values for it."""

from __future__ import annotations

import functools
from dataclasses import replace

from circuits.field import R
from circuits.ledger.params import TxType
from circuits.ledger.records import Record
from circuits.ledger.state import message
from circuits.ledger.witness import dummy_signature
from circuits.native import eddsa
from rollup.ledger.demo import FAR, funded_world
from tests.mutation import eddsa_attacks as ea
from tests.mutation import statements as stmts
from tests.mutation.judge import BatchStatement
from tests.mutation.tamper import Tamper

BTC = 0
LANES = {"a": "slot0.sig_a", "b": "slot0.sig_b"}


def _signer(wallet, msg: int) -> ea.Signer:
    return ea.Signer(wallet.pubkey, eddsa.secret_scalar(wallet.private_key)[0] % ea.L, msg)


@functools.cache
def forged(lane: str, kind: str) -> tuple[BatchStatement, ea.Forgery]:
    """Lane a: account 0 withdraws 10 with a forged signature; lane b: account 0 buys 10 BTC from
    account 1, whose signature is forged (the buyer's is honest)."""
    w, _ = funded_world(stmts.SMALL)
    nonces = (w.state.accounts[0].nonce, w.state.accounts[1].nonce)
    if lane == "a":
        rec = Record(TxType.WITHDRAW, 0, 0, 0, 10)
        forgery = ea.forge(kind, _signer(w.wallets[0], message(w.state.domain, rec.to_int(), nonces[0], 0, FAR)))
        tx = replace(w.wallets[0].withdraw(w.state, 0, 10, FAR), signature=forgery.signature)
    else:
        rec = Record(TxType.TRADE, BTC, 0, 1, 10, 3_000_000)
        forgery = ea.forge(kind, _signer(w.wallets[1], message(w.state.domain, rec.to_int(), *nonces, FAR)))
        tx = replace(w.trade(BTC, 0, 1, 10, 3_000_000), seller_signature=forgery.signature)
    st = stmts.batch(statement_name(lane, kind), w, tx)
    if not st.refused:
        raise AssertionError(f"the spec accepts the forgery for {kind}")
    return st, forgery


def statement_name(lane: str, kind: str) -> str:
    return f"forged_sig_{lane}_{kind}"


STATEMENTS = {statement_name(lane, k): functools.partial(lambda lane, k: forged(lane, k)[0], lane, k)
              for lane in LANES for k in ea.KINDS}  # fmt: skip


def attacks() -> list[tuple[str, Tamper]]:
    out = other_attacks()
    for lane, prefix in LANES.items():
        for k in ea.KINDS:
            t = ea.tamper(functools.partial(lambda lane, k: forged(lane, k)[1], lane, k), k, prefix)
            out.append((statement_name(lane, k), t))
    return out


# ---- the selected key and message: a signature on another message, or by another key ---------


def _other(lane: str, what: str) -> tuple[BatchStatement, dict[str, int]]:
    """Lane a: account 0's withdrawal of 10; lane b: account 1 sells 10 BTC to account 0.  The
    signature covers the record with the amount one higher (``msg``) or is made by account 2's key
    (``key``); returns the statement and the selected values the signature does verify under."""
    w, _ = funded_world(stmts.SMALL)
    nonces = (w.state.accounts[0].nonce, w.state.accounts[1].nonce)
    signer = 0 if lane == "a" else 1
    if lane == "a":
        rec, other, ns = Record(TxType.WITHDRAW, 0, 0, 0, 10), Record(TxType.WITHDRAW, 0, 0, 0, 11), (nonces[0], 0)
    else:
        rec, other, ns = (
            Record(TxType.TRADE, BTC, 0, 1, 10, 3_000_000),
            Record(TxType.TRADE, BTC, 0, 1, 11, 3_000_000),
            nonces,
        )
    signed = message(w.state.domain, (other if what == "msg" else rec).to_int(), *ns, FAR)
    wallet = w.wallets[2 if what == "key" else signer]
    sig = wallet.sign(signed)
    if lane == "a":
        tx = replace(w.wallets[0].withdraw(w.state, 0, 10, FAR), signature=sig)
    else:
        tx = replace(w.trade(BTC, 0, 1, 10, 3_000_000), seller_signature=sig)
    st = stmts.batch(f"other_{what}_{lane}", w, tx)
    if not st.refused:
        raise AssertionError(f"the spec accepts a signature on another {what}")
    dkey, _, _ = dummy_signature()
    if what == "msg":
        return st, {f"{LANES[lane]}.msg": signed}
    return st, {f"{LANES[lane]}.key{j}": (wallet.pubkey[j] - dkey[j]) % R for j in range(2)}


OTHER = {f"other_{what}_{lane}": (lane, what) for lane, what in (("a", "msg"), ("b", "msg"), ("b", "key"))}
STATEMENTS.update({n: functools.partial(lambda lw: _other(*lw)[0], lw) for n, lw in OTHER.items()})


def other_attacks() -> list[tuple[str, Tamper]]:
    """The selected message (key) set to what the signature verifies under."""
    out = []
    for name, lw in OTHER.items():
        values = _other(*lw)[1]
        overrides = {n: (lambda cs, h, v=v: v) for n, v in values.items()}
        out.append((name, Tamper(f"selected {lw[1]} of the signature", overrides=overrides)))
    return out
