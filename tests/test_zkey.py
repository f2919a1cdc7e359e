"""snarkjs ``.zkey`` import: a real phase-2 ceremony proves with zkdx and verifies with snarkjs;
the reader refuses every malformed file with a typed error before allocating from it."""

import io
import json
import struct

import numpy as np
import pytest

from circuits.examples import CubicCircuit, synthesize
from circuits.iden3 import read_wtns_array
from circuits.r1cs import Mode
from prover.errors import KeyMismatch, ZkeyFormatError
from prover.points import fr_array
from prover.prove import prove_zkey
from prover.qap import qap_coefficients
from prover.zkey import read_zkey, read_zkey_file
from prover.zkey_export import encode_zkey
from rollup.cli.main import main
from tests.conftest import dev_setup
from tests.npm_tools import ToolFailed, compile_merkle_path, ptau, run, witness
from verifier import verify_proof
from verifier.formats import proof_to_json, public_to_json, vk_from_json

MERKLE_INPUT = '{"leaf": "7", "path": ["11", "13"], "index": ["1", "0"]}'


# ---------------------------------------------------------------- a real ceremony (snarkjs)
@pytest.fixture(scope="module")
def ceremony(tmp_path_factory):
    """Powers of tau, then phase 2: zkey new and one contribution, all by snarkjs."""
    work = compile_merkle_path(tmp_path_factory.mktemp("ceremony"), depth=2)
    witness(work, MERKLE_INPUT)
    pot = ptau(tmp_path_factory.mktemp("ptau"), 9)
    run("snarkjs", "zkey", "new", "main.r1cs", pot, "c0.zkey", cwd=work)
    run("snarkjs", "zkey", "contribute", "c0.zkey", "c1.zkey", "--name=zkdx test", "-e=zkdx entropy", cwd=work)
    run("snarkjs", "zkey", "export", "verificationkey", "c1.zkey", "vk.json", cwd=work)
    return work


@pytest.mark.interop
def test_ceremony_key_proves_and_snarkjs_verifies(ceremony):
    pk, coeffs = read_zkey(ceremony / "c1.zkey")
    z = read_wtns_array(ceremony / "main.wtns")
    proof = prove_zkey(pk, coeffs, z)
    public = _public(z, pk.num_inputs)
    (ceremony / "proof.json").write_text(json.dumps(proof_to_json(proof)))
    (ceremony / "public.json").write_text(json.dumps(public_to_json(public)))
    assert "OK" in run("snarkjs", "groth16", "verify", "vk.json", "public.json", "proof.json", cwd=ceremony)
    vk = vk_from_json((ceremony / "vk.json").read_text())
    assert pk.vk == vk and verify_proof(vk, public, proof)
    (ceremony / "public.json").write_text(json.dumps(public_to_json([public[0], public[1] + 1])))
    with pytest.raises(ToolFailed, match="Invalid proof"):
        run("snarkjs", "groth16", "verify", "vk.json", "public.json", "proof.json", cwd=ceremony)


@pytest.mark.interop
def test_cli_proves_with_a_ceremony_zkey(ceremony, capsys):
    args = ["prove", "--zkey", str(ceremony / "c1.zkey"), "--wtns", str(ceremony / "main.wtns"),
            "--proof", str(ceremony / "cli_proof.json"), "--public", str(ceremony / "cli_public.json")]  # fmt: skip
    assert main(args) == 0
    out = run("snarkjs", "groth16", "verify", "vk.json", "cli_public.json", "cli_proof.json", cwd=ceremony)
    assert "OK" in out
    assert main([*args, "--r1cs", str(ceremony / "main.r1cs")]) == 0  # checked against the circuit first
    assert main([*args, "--pk", "x.pk"]) == 2  # --zkey and --pk together: a usage error


def _public(z, n):
    from prover.points import fr_values

    return fr_values(z[1 : 1 + n])


# ---------------------------------------------------------------- strict reader
@pytest.fixture(scope="module")
def cubic_zkey():
    m = synthesize(CubicCircuit(), Mode.SETUP).to_matrices()
    pk = dev_setup(m)
    return m, pk, encode_zkey(pk, qap_coefficients(m))


def _read(data: bytes):
    return read_zkey_file(io.BytesIO(data), len(data))


def _sections(data: bytes) -> list[list]:
    out, pos = [], 12
    while pos < len(data):
        kind, size = struct.unpack("<IQ", data[pos : pos + 12])
        out.append([kind, bytearray(data[pos + 12 : pos + 12 + size])])
        pos += 12 + size
    return out


def _join(sections, version=1) -> bytes:
    body = b"".join(struct.pack("<IQ", k, len(b)) + bytes(b) for k, b in sections)
    return b"zkey" + struct.pack("<II", version, len(sections)) + body


def test_round_trip_proves(cubic_zkey):
    m, pk, data = cubic_zkey
    pk2, coeffs = _read(data)
    for name in ("a_query", "b_g1_query", "b_g2_query", "h_query", "l_query", "alpha_g1", "delta_g2"):
        assert np.array_equal(getattr(pk2, name), getattr(pk, name))
    assert pk2.vk == pk.vk and pk2.domain_size == pk.domain_size
    cs = synthesize(CubicCircuit(3))
    proof = prove_zkey(pk2, coeffs, fr_array(cs.assignment()))
    assert verify_proof(pk.vk, cs.public_inputs(), proof)
    with pytest.raises(KeyMismatch):
        prove_zkey(pk2, coeffs, fr_array(cs.assignment()[:-1]))


@pytest.mark.parametrize("cut", [0, 3, 11, 12, 40, 100, 700, -200, -65, -1])
def test_truncated_file_is_typed(cubic_zkey, cut):
    data = cubic_zkey[2]
    with pytest.raises(ZkeyFormatError):
        _read(data[:cut])


def _mutate(data, kind, fn):
    secs = _sections(data)
    for sec in secs:
        if sec[0] == kind:
            sec[1] = bytearray(fn(sec[1]))
    return _join(secs)


def _set_u32(at, value):
    def fn(b):
        b[at : at + 4] = struct.pack("<I", value)
        return b

    return fn


MALFORMED = {
    "magic": lambda d: b"zkez" + d[4:],
    "version": lambda d: d[:4] + struct.pack("<I", 2) + d[8:],
    "protocol": lambda d: _mutate(d, 1, _set_u32(0, 2)),
    "curve": lambda d: _mutate(d, 2, lambda b: b[:4] + bytes(32) + b[36:]),
    "n_vars": lambda d: _mutate(d, 2, _set_u32(72, 1 << 30)),  # sizes no longer match, nothing allocated
    "domain": lambda d: _mutate(d, 2, _set_u32(80, 12)),
    "coef_matrix": lambda d: _mutate(d, 4, _set_u32(4, 2)),
    "coef_row": lambda d: _mutate(d, 4, _set_u32(8, 1 << 20)),
    "coef_col": lambda d: _mutate(d, 4, _set_u32(12, 999)),
    "coef_value": lambda d: _mutate(d, 4, lambda b: b[:16] + b"\xff" * 32 + b[48:]),
    "coef_count": lambda d: _mutate(d, 4, _set_u32(0, 1 << 31)),
    "point_off_curve": lambda d: _mutate(d, 5, lambda b: b[:64] + bytes([b[64] ^ 1]) + b[65:]),
    "point_not_below_q": lambda d: _mutate(d, 6, lambda b: b[:64] + b"\xff" * 32 + b[96:]),
    "g2_off_curve": lambda d: _mutate(d, 7, lambda b: b[:128] + bytes([b[128] ^ 1]) + b[129:]),
    "header_point": lambda d: _mutate(d, 2, lambda b: b[:84] + bytes([b[84] ^ 4]) + b[85:]),
    "missing_section": lambda d: _join([s for s in _sections(d) if s[0] != 9]),
    "duplicate_section": lambda d: _join(_sections(d) + [_sections(d)[0]]),
    "trailing": lambda d: d + b"\0",
    "section_count": lambda d: d[:8] + struct.pack("<I", 1000) + d[12:],
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_file_is_typed(cubic_zkey, name):
    with pytest.raises(ZkeyFormatError):
        _read(MALFORMED[name](cubic_zkey[2]))


def test_missing_file_is_typed(tmp_path):
    with pytest.raises(ZkeyFormatError):
        read_zkey(tmp_path / "none.zkey")
