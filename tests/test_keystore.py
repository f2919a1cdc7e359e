"""Keystores: round trip, wrong passphrase, tampering, kind confusion and hostile files are typed errors."""

import json

import pytest

from rollup import keystore
from rollup.keystore import KeystoreError

N = 1 << 10  # fast scrypt for tests


def test_round_trip_and_file_mode(tmp_path):
    obj = keystore.encrypt(b"\x01" * 32, b"pw", "secp256k1", "operator", n=N)
    assert keystore.decrypt(obj, b"pw", "secp256k1") == b"\x01" * 32
    path = tmp_path / "k.json"
    keystore.save(path, b"oracle secret", b"pw", "babyjubjub")
    assert path.stat().st_mode & 0o777 == 0o600
    assert keystore.load(path, b"pw", "babyjubjub") == b"oracle secret"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda o: o.update(ciphertext=o["ciphertext"][:-2] + ("00" if o["ciphertext"][-2:] != "00" else "01")),
        lambda o: o.update(label="guardian"),  # authenticated: cannot be relabelled
        lambda o: o["kdf"].update(n=3),
        lambda o: o["kdf"].update(salt="zz"),
        lambda o: o.pop("cipher"),
        lambda o: o.update(zkdx_keystore=True),
    ],
)
def test_tampered_keystore_is_refused(mutate):
    obj = keystore.encrypt(b"secret", b"pw", "babyjubjub", "oracle", n=N)
    mutate(obj)
    with pytest.raises(KeystoreError):
        keystore.decrypt(obj, b"pw", "babyjubjub")


def test_wrong_passphrase_and_wrong_kind():
    obj = keystore.encrypt(b"secret", b"pw", "babyjubjub", n=N)
    with pytest.raises(KeystoreError, match="wrong passphrase"):
        keystore.decrypt(obj, b"other", "babyjubjub")
    with pytest.raises(KeystoreError, match="expected 'secp256k1'"):
        keystore.decrypt(obj, b"pw", "secp256k1")
    with pytest.raises(KeystoreError, match="empty passphrase"):
        keystore.encrypt(b"s", b"", "babyjubjub")


def test_hostile_files(tmp_path):
    for i, raw in enumerate([b"[" * 100_000, b"\xff", b"{}", json.dumps([1]).encode(), b"x" * (1 << 17)]):
        path = tmp_path / f"bad{i}.json"
        path.write_bytes(raw)
        with pytest.raises(KeystoreError):
            keystore.load(path, b"pw", "babyjubjub")
    with pytest.raises(KeystoreError, match="cannot read"):
        keystore.load(tmp_path / "missing.json", b"pw", "babyjubjub")


def test_passphrase_sources(tmp_path, monkeypatch):
    monkeypatch.setenv("ZKDX_TEST_PASS", "from env")
    assert keystore.passphrase_from("ZKDX_TEST_PASS") == b"from env"
    f = tmp_path / "pass.txt"
    f.write_text("from file\nignored\n")
    assert keystore.passphrase_from("ZKDX_TEST_PASS", f) == b"from file"
    monkeypatch.delenv("ZKDX_TEST_PASS")
    with pytest.raises(KeystoreError, match="ZKDX_TEST_PASS"):
        keystore.passphrase_from("ZKDX_TEST_PASS")
