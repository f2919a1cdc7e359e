"""Proving key files and the zkdx command line."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from circuits.examples import CubicCircuit, synthesize
from prover.errors import KeyFormatError
from prover.keys import decode_proving_key, encode_proving_key, load_proving_key, save_proving_key
from prover.prove import create_proof
from rollup.cli.main import main
from verifier import verify_proof


@pytest.fixture(scope="module")
def key_bytes(cubic_key):
    return encode_proving_key(cubic_key[1])


def test_proving_key_round_trip(tmp_path, cubic_key):
    m, pk = cubic_key
    save_proving_key(pk, tmp_path / "k.pk")
    loaded = load_proving_key(tmp_path / "k.pk")
    assert loaded == pk
    cs = synthesize(CubicCircuit(4))
    assert verify_proof(pk.vk, cs.public_inputs(), create_proof(loaded, m, cs.assignment(), workers=1))


@given(cut=st.integers(min_value=0, max_value=2000))
def test_truncated_key_is_a_typed_error(key_bytes, cut):
    with pytest.raises(KeyFormatError):
        decode_proving_key(key_bytes[: min(cut, len(key_bytes) - 1)])


@given(pos=st.integers(min_value=0), flip=st.integers(min_value=1, max_value=255))
def test_corrupt_key_is_a_typed_error(key_bytes, pos, flip):
    data = bytearray(key_bytes)
    data[pos % len(data)] ^= flip
    with pytest.raises(KeyFormatError):
        decode_proving_key(bytes(data))


def test_verifying_key_inside_is_parsed_lazily_and_validated(cubic_key):
    import dataclasses
    import hashlib

    from verifier import MalformedKeyError

    pk = cubic_key[1]
    loaded = decode_proving_key(encode_proving_key(pk))
    assert "vk" not in loaded.__dict__ and loaded.vk == pk.vk
    bad = dataclasses.replace(pk, vk_json=pk.vk_json.replace('"IC": [[', '"IC": [["1", "3", "1"], ['))
    data = encode_proving_key(bad)
    data = data[:-32] + hashlib.sha256(data[:-32]).digest()  # a valid checksum over a bad key
    with pytest.raises(MalformedKeyError):
        _ = decode_proving_key(data).vk


def test_missing_key_file(tmp_path):
    with pytest.raises(KeyFormatError, match="cannot read"):
        load_proving_key(tmp_path / "none.pk")


def _run(*argv):
    return main([str(a) for a in argv])


def test_cli_setup_prove_verify_and_exit_codes(tmp_path, capsys):
    pk, vk, proof, pub = (tmp_path / n for n in ("c.pk", "vk.json", "proof.json", "public.json"))
    assert _run("setup", "--circuit", "cubic", "--pk", pk, "--vk", vk) == 0
    assert "INSECURE" in capsys.readouterr().err
    assert (
        _run("prove", "--pk", pk, "--circuit", "cubic", "--input", '{"x": 3}', "--proof", proof, "--public", pub) == 0
    )
    assert json.loads(pub.read_text()) == ["35"]
    assert _run("verify", "--vk", vk, "--proof", proof, "--public", pub) == 0
    assert "VALID" in capsys.readouterr().out
    pub.write_text('["36"]')
    assert _run("verify", "--vk", vk, "--proof", proof, "--public", pub) == 1
    pub.write_text('["35", "1"]')
    assert _run("verify", "--vk", vk, "--proof", proof, "--public", pub) == 2
    assert "PublicInputError" in capsys.readouterr().err
    proof.write_text("{not json")
    assert _run("verify", "--vk", vk, "--proof", proof, "--public", pub) == 2
    # an unsatisfied witness is refused before any MSM, naming the first failing constraint
    r1cs, wtns = tmp_path / "c.r1cs", tmp_path / "c.wtns"
    assert _run("export", "--circuit", "cubic", "--input", '{"x": 3}', "--out-r1cs", r1cs, "--out-wtns", wtns) == 0
    data = bytearray(wtns.read_bytes())
    data[-32] ^= 1  # change the last witness value (cube)
    wtns.write_bytes(bytes(data))
    assert _run("prove", "--pk", pk, "--r1cs", r1cs, "--wtns", wtns, "--proof", proof, "--public", pub) == 2
    err = capsys.readouterr().err
    assert "UnsatisfiedConstraint" in err and "constraint #1" in err  # sq * x = cube, by index
    assert _run("prove", "--pk", tmp_path / "missing.pk", "--circuit", "cubic", "--input", "{}",
                "--proof", proof, "--public", pub) == 2  # fmt: skip


def test_cli_r1cs_path_matches_builtin(tmp_path):
    r1cs, wtns = tmp_path / "c.r1cs", tmp_path / "c.wtns"
    pk, vk, proof, pub = (tmp_path / n for n in ("c.pk", "vk.json", "proof.json", "public.json"))
    assert _run("export", "--circuit", "square-chain", "--size", "8", "--input", '{"x": 5}',
                "--out-r1cs", r1cs, "--out-wtns", wtns) == 0  # fmt: skip
    assert _run("setup", "--r1cs", r1cs, "--pk", pk, "--vk", vk) == 0
    assert _run("prove", "--pk", pk, "--r1cs", r1cs, "--wtns", wtns, "--proof", proof, "--public", pub) == 0
    assert _run("verify", "--vk", vk, "--proof", proof, "--public", pub) == 0
