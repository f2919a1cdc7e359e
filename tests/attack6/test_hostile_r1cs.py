"""Attack6 on the .r1cs reader's constraint cap (2^24 from the header): counts at and past the cap,
sections reordered, and byte flips of a valid file; every bad file is a FileFormatError."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circuits.errors import FileFormatError
from circuits.field import FIELD_BYTES, R
from circuits.iden3 import MAX_CONSTRAINTS, R1CS_CONSTRAINTS, R1CS_HEADER, R1CS_WIRE2LABEL, _container, parse_r1cs

PRIME = R.to_bytes(FIELD_BYTES, "little")


def _file(n_constraints: int, body: bytes = b"", order=(R1CS_HEADER, R1CS_CONSTRAINTS, R1CS_WIRE2LABEL)) -> bytes:
    header = struct.pack("<I", FIELD_BYTES) + PRIME + struct.pack("<IIIIQI", 2, 0, 1, 0, 2, n_constraints)
    parts = {R1CS_HEADER: header, R1CS_CONSTRAINTS: body, R1CS_WIRE2LABEL: struct.pack("<QQ", 0, 1)}
    return _container(b"r1cs", 1, [(k, parts[k]) for k in order])


EMPTY_ROW = struct.pack("<III", 0, 0, 0)


@pytest.mark.parametrize("count", [MAX_CONSTRAINTS + 1, 2**32 - 1])
def test_a_count_past_the_cap_is_refused_from_the_header(count):
    with pytest.raises(FileFormatError, match="more than zkdx proves"):
        parse_r1cs(_file(count, EMPTY_ROW * 4))


def test_a_count_at_the_cap_in_a_small_file_is_refused_before_any_row():
    with pytest.raises(FileFormatError, match="need at least"):
        parse_r1cs(_file(MAX_CONSTRAINTS, EMPTY_ROW * 4))


def test_sections_in_any_order_still_meet_the_cap():
    order = (R1CS_CONSTRAINTS, R1CS_WIRE2LABEL, R1CS_HEADER)
    assert parse_r1cs(_file(4, EMPTY_ROW * 4, order)).num_constraints == 4
    with pytest.raises(FileFormatError, match="more than zkdx proves"):
        parse_r1cs(_file(MAX_CONSTRAINTS + 1, EMPTY_ROW * 4, order))


VALID = _file(2, EMPTY_ROW + struct.pack("<II", 1, 1) + (1).to_bytes(FIELD_BYTES, "little") + struct.pack("<II", 0, 0))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=4))
def test_byte_flips_are_parsed_or_refused_typed(flips):
    data = bytearray(VALID)
    for at, byte in flips:
        data[at] = byte
    try:
        parse_r1cs(bytes(data))
    except FileFormatError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.integers(0, len(VALID)))
def test_truncations_are_refused_typed(cut):
    if cut == len(VALID):
        assert parse_r1cs(VALID).num_constraints == 2
        return
    with pytest.raises(FileFormatError):
        parse_r1cs(VALID[:cut])
