import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from circuits.errors import FileFormatError
from circuits.examples import SquareChainCircuit, synthesize
from circuits.field import R
from circuits.iden3 import encode_r1cs, encode_wtns, parse_r1cs, parse_wtns, read_r1cs, read_wtns

CS = synthesize(SquareChainCircuit(4, 3))
M, Z = CS.to_matrices(), CS.assignment()
R1CS, WTNS = encode_r1cs(M), encode_wtns(Z)


def test_round_trip(tmp_path):
    (tmp_path / "c.r1cs").write_bytes(R1CS)
    (tmp_path / "w.wtns").write_bytes(WTNS)
    m = read_r1cs(tmp_path / "c.r1cs")
    assert (m.num_inputs, m.num_aux, m.a, m.b, m.c) == (M.num_inputs, M.num_aux, M.a, M.b, M.c)
    assert read_wtns(tmp_path / "w.wtns") == Z
    assert m.is_satisfied(Z)


def test_header_fields_follow_the_spec():
    # magic, version 1, 3 sections; header: n8=32, prime, nWires, nPubOut, nPubIn, nPrvIn, nLabels, m
    assert R1CS[:4] == b"r1cs" and struct.unpack("<II", R1CS[4:12]) == (1, 3)
    kind, size = struct.unpack("<IQ", R1CS[12:24])
    assert (kind, size) == (1, 4 + 32 + 4 * 4 + 8 + 4)
    assert int.from_bytes(R1CS[28:60], "little") == R
    assert struct.unpack("<IIIIQI", R1CS[60:88]) == (M.num_variables, 0, 2, 0, M.num_variables, M.num_constraints)
    assert WTNS[:4] == b"wtns" and struct.unpack("<II", WTNS[4:12]) == (2, 2)


@given(st.integers(min_value=0, max_value=len(R1CS) - 1))
def test_truncated_r1cs_is_a_typed_error(cut):
    with pytest.raises(FileFormatError):
        parse_r1cs(R1CS[:cut])


@given(st.integers(min_value=0, max_value=len(WTNS) - 1))
def test_truncated_wtns_is_a_typed_error(cut):
    with pytest.raises(FileFormatError):
        parse_wtns(WTNS[:cut])


@given(st.integers(min_value=0, max_value=len(R1CS) - 1), st.integers(min_value=1, max_value=255))
def test_corrupt_r1cs_is_an_error_or_a_well_formed_system(pos, flip):
    data = bytearray(R1CS)
    data[pos] ^= flip
    try:
        m = parse_r1cs(bytes(data))
    except FileFormatError:
        return
    # a flipped coefficient or label byte can still be a valid file: then it parses fully
    assert m.num_constraints == M.num_constraints


def test_specific_corruptions():
    with pytest.raises(FileFormatError, match="magic"):
        parse_r1cs(b"r1cx" + R1CS[4:])
    with pytest.raises(FileFormatError, match="version"):
        parse_r1cs(R1CS[:4] + struct.pack("<I", 2) + R1CS[8:])
    with pytest.raises(FileFormatError, match="trailing"):
        parse_r1cs(R1CS + b"\0")
    with pytest.raises(FileFormatError, match="prime"):
        parse_wtns(WTNS[:30] + bytes([WTNS[30] ^ 1]) + WTNS[31:])
    big = encode_wtns(Z)
    head = len(big) - 32
    with pytest.raises(FileFormatError, match="below r"):
        parse_wtns(big[:head] + (R).to_bytes(32, "little"))
    with pytest.raises(FileFormatError, match="constant 1"):
        parse_wtns(encode_wtns([2, *Z[1:]]))
    with pytest.raises(FileFormatError, match="cannot read"):
        read_r1cs("/nonexistent/file.r1cs")
