"""Attacker's review (attack2): hostile files for the CA, the trader commands, keystores and the
node configuration.  (The proof-system readers, .r1cs/.wtns/keys/vk/proof/public JSON, are
fuzzed by tests/test_parsers_hostile.py; they were re-tried here and held.)

Unbounded reads are shown with a FIFO that offers 32 MiB: a bounded reader stops after its
limit, an unbounded one drains it all (and on /dev/zero, until memory runs out: exit 3,
MemoryError, 12-21 s under a 3 GB address-space limit, measured by hand).
``xfail(strict=True)`` tests assert the secure behaviour and fail today (findings).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ObjectIdentifier

from circuits.native import eddsa
from rollup import keystore
from rollup.cli.main import main
from rollup.errors import NodeConfigError, RollupError
from rollup.node.config import load
from rollup.rfq.identity import IDENTITY_OID, Identity, canonical, der_utf8, extension
from rollup.rfq.onboarding import approve, make_csr
from rollup.rfq.pki import CertificateAuthority, new_key
from tests.attack2.gateway_helpers import DictRegistry
from tests.node_helpers import node_dir

OFFER = 32 << 20
BOUND = 1 << 20  # no reader here needs more than 1 MiB of these files
PASS = b"ca passphrase"


class Fifo:
    """A named pipe that offers OFFER bytes of '[' to whoever opens it; counts what was taken."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "hostile.fifo"
        os.mkfifo(self.path)
        self.taken = 0
        self.thread = threading.Thread(target=self._feed, daemon=True)
        self.thread.start()

    def _feed(self) -> None:
        chunk = b"[" * (1 << 16)
        try:
            with open(self.path, "wb") as f:
                while self.taken < OFFER:
                    f.write(chunk)
                    self.taken += len(chunk)
        except (BrokenPipeError, OSError):
            pass

    def drained(self) -> int:
        self.thread.join(30)
        return self.taken


@pytest.fixture
def ca(tmp_path, monkeypatch):
    monkeypatch.setenv("ZKDX_CA_PASSPHRASE", PASS.decode())
    monkeypatch.setenv("ZKDX_L2_PASSPHRASE", "l2 passphrase")
    monkeypatch.setenv("ZKDX_PASSPHRASE", "node passphrase")
    return CertificateAuthority.init(tmp_path / "ca", PASS)


def _cli_reads(tmp_path, ca, argv_of) -> tuple[int, int]:
    fifo = Fifo(tmp_path)
    code = main(argv_of(str(fifo.path)))
    return code, fifo.drained()


def _argv(tmp_path: Path, ca, command: str, f: str) -> list[str]:
    d = str(ca.dir)
    conn = ["--url", "wss://127.0.0.1:9/v1/ws", "--ca", f"{d}/ca.cert.pem", "--cert", f"{d}/ca.cert.pem"]
    argv = {
        "approve": lambda f: ["ca", "approve", f, "--dir", d, "--days", "1", "--out", f"{d}/x.pem", "--node",
                              "http://127.0.0.1:9"],
        "accept": lambda f: ["rfq", "accept", *conn, "--key", f"{d}/ca.key.pem", "--quote", f],
        "l2-key": lambda f: ["rfq", "csr", "--firm", "A", "--trader", "b", "--role", "taker", "--account", "1",
                             "--l2-key", f, "--out", f"{d}/t"],
        "submit": lambda f: ["submit", "--dir", str(node_dir(tmp_path / "node", key=False, store=False).dir), f],
    }[command]  # fmt: skip
    return argv(f)


@pytest.mark.parametrize("command", ["approve", "accept"])
def test_trader_and_ca_commands_bound_their_reads(tmp_path, ca, command):
    """H1 (fixed for `ca approve` and `rfq accept --quote`): read through jsonsafe.read_file."""
    code, taken = _cli_reads(tmp_path, ca, lambda f: _argv(tmp_path, ca, command, f))
    assert code == 2 and taken <= BOUND, f"exit {code} after draining {taken >> 20} MiB"


@pytest.mark.parametrize("command", ["l2-key", "submit"])
def test_keystore_and_submit_reads_are_bounded(tmp_path, ca, command, capsys):
    """H1 (fixed for keystores and `zkdx submit`): read through jsonsafe.read_file (64 KiB bounds)."""
    code, taken = _cli_reads(tmp_path, ca, lambda f: _argv(tmp_path, ca, command, f))
    assert code == 2 and taken <= BOUND, f"exit {code} after draining {taken >> 20} MiB"
    capsys.readouterr()
    code = main(_argv(tmp_path / "again", ca, command, "/dev/zero"))
    assert code == 2 and "/dev/zero: refused: a device" in capsys.readouterr().err


def test_node_file_readers_refuse_endless_files(tmp_path):
    """Keystores, passphrase files and the node's zkdx.toml: /dev/zero refused before reading, a FIFO
    cut off at the bound; each a typed error."""
    fifo = Fifo(tmp_path)
    with pytest.raises(keystore.KeystoreError, match="more than"):
        keystore.load(fifo.path, b"pw", "babyjubjub")
    assert fifo.drained() <= BOUND
    for read in (lambda f: keystore.load(f, b"pw", "babyjubjub"), lambda f: keystore.passphrase_from(file=f)):
        with pytest.raises(keystore.KeystoreError, match="device"):
            read("/dev/zero")
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "zkdx.toml").symlink_to("/dev/zero")
    with pytest.raises(NodeConfigError, match="device"):
        load(tmp_path / "cfg")


def _csr_with_identity(obj: dict, key=None) -> bytes:
    key = key or new_key("ed25519")
    ident = Identity("A", "b", "taker", 1, eddsa.public_key(b"trader 1"))
    csr = x509.CertificateSigningRequestBuilder().subject_name(ident.subject())
    csr = csr.add_extension(x509.UnrecognizedExtension(IDENTITY_OID, der_utf8(canonical(obj))), critical=False)
    return csr.sign(key, None).public_bytes(serialization.Encoding.PEM)


def test_a_csr_with_odd_digits_gets_a_typed_refusal(ca):
    ident = Identity("A", "b", "taker", 1, eddsa.public_key(b"trader 1")).to_json()
    claim = {**ident, "l2_pubkey": ["²", "1"], "pop": {"r8": ["1", "2"], "s": "3"}}
    try:
        approve(ca, _csr_with_identity(claim), 10, DictRegistry({}))
    except RollupError:
        return
    except Exception as exc:
        raise AssertionError(f"untyped {type(exc).__name__}: {str(exc)[:80]}") from exc


def _duplicated_extension_csr() -> bytes:
    """A validly self-signed CSR carrying the identity extension twice (the second one's OID edited
    from a look-alike, the request re-signed with its own key)."""
    key = new_key("ed25519")
    ident = Identity("A", "b", "taker", 1, eddsa.public_key(b"trader 1")).to_json()
    look_alike = ObjectIdentifier(IDENTITY_OID.dotted_string[:-1] + "9")  # same encoded length
    builder = x509.CertificateSigningRequestBuilder().subject_name(Identity.from_json(ident).subject())
    builder = builder.add_extension(extension(ident), critical=False)
    builder = builder.add_extension(x509.UnrecognizedExtension(look_alike, der_utf8(b"{}")), critical=False)
    csr = builder.sign(key, None)
    info = csr.tbs_certrequest_bytes
    good = info[info.index(b"\x06\x14\x69") : info.index(b"\x06\x14\x69") + 22]
    bad = good[:-1] + bytes([good[-1] + 1])
    assert info.count(good) == 1 and info.count(bad) == 1
    new_info = info.replace(bad, good)
    der = csr.public_bytes(serialization.Encoding.DER).replace(info, new_info)
    return x509.load_der_x509_csr(der[:-64] + key.sign(new_info)).public_bytes(serialization.Encoding.PEM)


def test_a_csr_with_a_duplicated_identity_extension_gets_a_typed_refusal(ca):
    pem = _duplicated_extension_csr()
    try:
        approve(ca, pem, 10, DictRegistry({1: eddsa.public_key(b"trader 1")}))
    except RollupError:
        return
    except Exception as exc:
        raise AssertionError(f"untyped {type(exc).__name__}: {exc}") from exc
    raise AssertionError("a certificate was issued")


def _config(tmp_path: Path, text: bytes) -> Path:
    d = tmp_path / "cfg"
    d.mkdir(exist_ok=True)
    key = eddsa.public_key(b"zkdx demo oracle key")
    ledger = f'[ledger]\noracle_key = ["{key[0]}", "{key[1]}"]\n'.encode()
    if text.startswith(b"[ledger]\n"):  # more [ledger] keys: into the one table
        ledger, text = ledger + text[len(b"[ledger]\n") :], b""
    (d / "zkdx.toml").write_bytes(text if text.startswith(b"\xff") else ledger + text)
    return d


@pytest.mark.parametrize(
    "text",
    [
        b"\xff\xfe[api]\n",
        b"[api]\nhost = " + b"[" * 120_000 + b"]" * 120_000 + b"\n",
        b"[sequencer]\nseal_seconds = nan\n",
        b"[prover]\nworkers = -3\n",
        b"[api]\nport = 9223372036854775807\n",
        b"[sequencer]\nseal_seconds = inf\n",
        b"[l1]\nretry_seconds = -0.5\n",
        b"[api]\nport = " + b"9" * 5000 + b"\n",
        b"[prover]\njob_timeout = 1e400\n",
        b'[sequencer]\nbatch_clock = "sundial"\n',
        b"[ledger]\nmax_price_age = 0\n",
    ],
    ids=[
        "not-utf8",
        "deep",
        "nan-seal",
        "negative-workers",
        "huge-port",
        "inf-seal",
        "negative-retry",
        "5000-digit-port",
        "overflowing-float",
        "unknown-clock",
        "zero-price-age",
    ],
)
def test_a_hostile_node_config_is_a_typed_refusal(tmp_path, text):
    """H4 (fixed): zkdx.toml is read through a bound, decoded as UTF-8, its nesting caught, and every
    numeric setting range-checked (config.RANGES); each case names what is wrong."""
    import py_ecc.optimized_bn128  # noqa: F401  (as in `zkdx node`: the recursion limit is 100,000)

    outcome = "accepted"
    try:
        load(_config(tmp_path, text))
    except NodeConfigError as exc:
        assert any(w in str(exc) for w in ("UTF-8", "nests", "outside", "not valid TOML", "not one of")), str(exc)
        return
    except Exception as exc:  # not chained: pytest would render a RecursionError's 100,000 frames
        outcome = f"untyped {type(exc).__name__}"
    raise AssertionError(outcome)


def test_a_sane_node_config_still_loads(tmp_path):
    text = b"[sequencer]\nseal_seconds = 0\n[prover]\nworkers = 0\n[api]\nport = 65535\n[l1]\nconfirmations = 12\n"
    cfg = load(_config(tmp_path, b"[ledger]\nmax_price_age = 60\n" + text))
    assert (cfg.sequencer.seal_seconds, cfg.prover.workers, cfg.api.port, cfg.l1.confirmations) == (0.0, 0, 65535, 12)
    assert cfg.params().max_price_age == 60 and cfg.sequencer.batch_clock == "ledger"


def test_stopped_keystore_and_csr_attacks(tmp_path, ca):
    """Tampered keystores and CSRs that are refused with typed errors."""
    path = tmp_path / "k.json"
    keystore.save(path, b"secret", b"pw", "babyjubjub")
    good = path.read_text()
    for old, new in [('"n": 32768', '"n": 3'), ('"n": 32768', '"n": 2097152'), ('"n": 32768', '"n": true'),
                     ('"kind": "babyjubjub"', '"kind": "secp256k1"'), ('"nonce": "', '"nonce": "00')]:  # fmt: skip
        path.write_text(good.replace(old, new))
        with pytest.raises(keystore.KeystoreError):
            keystore.load(path, b"pw", "babyjubjub")
    path.write_text(good.replace('"label": ""', '"label": "operator"'))  # AAD: label swap detected
    with pytest.raises(keystore.KeystoreError, match="wrong passphrase or a tampered"):
        keystore.load(path, b"pw", "babyjubjub")
    # a CSR whose identity names account 1 but whose key registered for account 1 is someone else's
    _, csr = make_csr(Identity("A", "b", "maker", 1, eddsa.public_key(b"mine")), b"mine")
    with pytest.raises(RollupError, match="not the key registered"):
        approve(ca, csr, 10, DictRegistry({1: eddsa.public_key(b"trader 1")}))
    with pytest.raises(RollupError):
        approve(ca, b"-----BEGIN CERTIFICATE REQUEST-----\n" + b"A" * 20_000, 10, DictRegistry({}))
    ident = Identity("A", "b", "taker", 1, eddsa.public_key(b"trader 1")).to_json()
    for pk, pop in [(["9" * 5000, "1"], ["1", "2"]), (["1", "1"], ["²", "2"]), (["1", "1"], ["9" * 5000, "2"])]:
        claim = {**ident, "l2_pubkey": pk, "pop": {"r8": pop, "s": "3"}}  # over int()'s 4300 digits: JSON bound
        with pytest.raises(RollupError):
            approve(ca, _csr_with_identity(claim), 10, DictRegistry({}))
