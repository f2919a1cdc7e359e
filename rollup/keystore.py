"""Encrypted keystores for the keys a zkdx process holds: the operator's L1 key, the
oracle's and traders' Baby Jubjub keys, a guardian's L1 key.

A keystore is one JSON file:
    {"zkdx_keystore": 1, "kind": "secp256k1" | "babyjubjub", "label": "...",
     "kdf": {"name": "scrypt", "salt": hex, "n": 2^15, "r": 8, "p": 1},
     "cipher": {"name": "aes-256-gcm", "nonce": hex}, "ciphertext": hex}
The secret is encrypted with AES-256-GCM under a key derived by scrypt from the passphrase;
kind and label are authenticated (GCM associated data), so they cannot be swapped between
files.  The passphrase comes from an environment variable or a file (``passphrase_from``),
never from the command line.  A wrong passphrase or a tampered file raises ``KeystoreError``.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from rollup.errors import RollupError
from verifier import jsonsafe

VERSION = 1
KINDS = ("secp256k1", "babyjubjub")
SCRYPT_N = 1 << 15  # ~0.1 s and 32 MiB per unlock on this machine
MAX_FILE = 64 << 10
MAX_PASSPHRASE_FILE = 4 << 10


class KeystoreError(RollupError):
    """A keystore that cannot be read or unlocked (wrong passphrase, tampered, malformed)."""


def _kdf(passphrase: bytes, salt: bytes, n: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=8, p=1).derive(passphrase)


def _aad(kind: str, label: str) -> bytes:
    return json.dumps([VERSION, kind, label]).encode()


def encrypt(secret: bytes, passphrase: bytes, kind: str, label: str = "", *, n: int = SCRYPT_N) -> dict:
    """The keystore JSON object for secret."""
    if kind not in KINDS:
        raise KeystoreError(f"unknown key kind {kind!r}; known: {', '.join(KINDS)}")
    if not passphrase:
        raise KeystoreError("an empty passphrase does not protect a key")
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    ct = AESGCM(_kdf(passphrase, salt, n)).encrypt(nonce, secret, _aad(kind, label))
    return {
        "zkdx_keystore": VERSION,
        "kind": kind,
        "label": label,
        "kdf": {"name": "scrypt", "salt": salt.hex(), "n": n, "r": 8, "p": 1},
        "cipher": {"name": "aes-256-gcm", "nonce": nonce.hex()},
        "ciphertext": ct.hex(),
    }


def _field(obj: dict, path: tuple[str, ...], kind: type) -> object:
    v: object = obj
    for key in path:
        v = v.get(key) if isinstance(v, dict) else None
    if not isinstance(v, kind) or isinstance(v, bool):
        raise KeystoreError(f"keystore field {'.'.join(path)} is missing or not a {kind.__name__}")
    return v


def _hex(obj: dict, *path: str) -> bytes:
    try:
        return bytes.fromhex(_field(obj, path, str))
    except ValueError as exc:
        raise KeystoreError(f"keystore field {'.'.join(path)} is not hex") from exc


def decrypt(obj: object, passphrase: bytes, kind: str) -> bytes:
    """The secret of a keystore object of this kind; KeystoreError otherwise."""
    if not isinstance(obj, dict) or type(obj.get("zkdx_keystore")) is not int or obj["zkdx_keystore"] != VERSION:
        raise KeystoreError(f"not a zkdx keystore (version {VERSION})")
    if obj.get("kind") != kind:
        raise KeystoreError(f"keystore holds a {obj.get('kind')!r} key, expected {kind!r}")
    n = _field(obj, ("kdf", "n"), int)
    if _field(obj, ("kdf", "name"), str) != "scrypt" or not (2 <= n <= 1 << 20) or n & (n - 1):
        raise KeystoreError("unsupported key derivation parameters")
    label = _field(obj, ("label",), str)
    key = _kdf(passphrase, _hex(obj, "kdf", "salt"), n)
    try:
        return AESGCM(key).decrypt(_hex(obj, "cipher", "nonce"), _hex(obj, "ciphertext"), _aad(kind, label))
    except (InvalidTag, ValueError) as exc:
        raise KeystoreError("wrong passphrase or a tampered keystore") from exc


def save(path: str | Path, secret: bytes, passphrase: bytes, kind: str, label: str = "") -> None:
    """Write a keystore (mode 0600, written to a temporary file and renamed)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(encrypt(secret, passphrase, kind, label), f, indent=1)
    os.replace(tmp, path)


def load(path: str | Path, passphrase: bytes, kind: str) -> bytes:
    """The secret in a keystore file, read through a MAX_FILE bound (devices refused, a pipe cut off)."""
    raw = jsonsafe.read_file(path, KeystoreError, max_bytes=MAX_FILE)
    return decrypt(jsonsafe.loads(raw, KeystoreError, max_bytes=MAX_FILE, max_depth=4), passphrase, kind)


def passphrase_from(env: str | None = None, file: str | Path | None = None) -> bytes:
    """The passphrase from a file (first line, the file read through a 4 KiB bound) or an environment
    variable; KeystoreError if neither."""
    if file is not None:
        try:
            data = jsonsafe.read_file(file, KeystoreError, max_bytes=MAX_PASSPHRASE_FILE)
        except KeystoreError as exc:
            raise KeystoreError(f"cannot read the passphrase file: {exc}") from exc
        return data.splitlines()[0] if data else b""
    if env is not None and os.environ.get(env):
        return os.environ[env].encode()
    raise KeystoreError(f"no passphrase: set ${env} or give a passphrase file" if env else "no passphrase given")
