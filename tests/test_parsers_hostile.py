"""Hostile input to every reader: only typed errors, and nothing allocated beyond a small
multiple of the input's own size (checked with tracemalloc), whatever the file claims."""

import hashlib
import json
import os
import re
import struct
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from circuits import iden3
from circuits.errors import FileFormatError
from circuits.examples import SquareChainCircuit, synthesize
from circuits.field import FIELD_BYTES, R
from circuits.iden3 import encode_r1cs, encode_wtns, parse_r1cs, parse_wtns, read_r1cs
from prover.errors import KeyFormatError
from prover.keys import MAGIC, decode_proving_key, encode_proving_key, load_proving_key
from rollup.errors import TransactionFormatError
from rollup.keystore import KeystoreError
from rollup.keystore import load as load_keystore
from rollup.ledger import codec
from verifier import jsonsafe
from verifier.errors import MalformedError
from verifier.formats import proof_from_json, proof_to_json, public_from_json, vk_from_json, vk_to_json

CS = synthesize(SquareChainCircuit(3, 5))
R1CS, WTNS = encode_r1cs(CS.to_matrices()), encode_wtns(CS.assignment())
PRIME = R.to_bytes(FIELD_BYTES, "little")
HOSTILE = [0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF]  # u32 values a mutation writes


def peak_bytes(fn, *args) -> int:
    """Peak Python allocation while fn(*args) runs (its typed error, if any, is swallowed)."""
    tracemalloc.start()
    try:
        fn(*args)
    except (FileFormatError, KeyFormatError, MalformedError):
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def cheap(data: bytes) -> int:
    """What a reader may allocate for ``data``: a parsed term costs ~10x its 36 file bytes."""
    return (64 << 10) + 16 * len(data)


# .r1cs -------------------------------------------------------------------------
def r1cs_file(n_wires, n_constraints=0, constraints=b"", labels=None, extra=()):
    """An iden3 .r1cs with the given header counts (no outputs, one public input)."""
    header = struct.pack("<I", 32) + PRIME + struct.pack("<IIIIQI", n_wires, 0, 1, 0, n_wires, n_constraints)
    sections = [(1, header), (2, constraints), *extra]
    if labels is not None:
        sections.append((3, labels))
    body = b"".join(struct.pack("<IQ", kind, len(b)) + b for kind, b in sections)
    return b"r1cs" + struct.pack("<II", 1, len(sections)) + body


@pytest.mark.timeout(20)
def test_file_claiming_four_billion_wires_is_refused_cheaply():
    # the smallest file claiming 2^32 - 1 wires (100 bytes: container, header with its 32-byte
    # prime, an empty constraints section); the old reader accepted it and setup then sized its
    # queries by it (~34 GB)
    data = r1cs_file(0xFFFFFFFF)
    assert len(data) == 100
    with pytest.raises(FileFormatError, match="required section 3"):
        parse_r1cs(data)
    for labels in (b"", bytes(8 * 1000)):  # a wire-to-label map too short for the claim
        with pytest.raises(FileFormatError, match="wire-to-label map holds"):
            parse_r1cs(r1cs_file(0xFFFFFFFF, labels=labels))
    assert peak_bytes(parse_r1cs, r1cs_file(0xFFFFFFFF, labels=b"")) < 64 << 10


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    ("data", "match"),
    [
        (r1cs_file(2, n_constraints=0xFFFFFFFF, labels=bytes(16)), "more than zkdx proves"),
        (r1cs_file(2, n_constraints=1 << 24, labels=bytes(16)), "constraints need at least"),
        (r1cs_file(2, 1, struct.pack("<III", 0xFFFFFFFF, 0, 0), labels=bytes(16)), "terms need at least"),
        (r1cs_file(2, 1, struct.pack("<II", 1, 2) + PRIME + bytes(8), labels=bytes(16)), "wire 2 out of range"),
        (r1cs_file(2, 1, struct.pack("<II", 1, 0) + PRIME + bytes(8), labels=bytes(16)), "not below r"),
        (r1cs_file(2, 1, bytes(12), labels=bytes(16), extra=[(4, b"")]), "custom-gate"),
        (r1cs_file(2, 1, bytes(12), labels=bytes(16), extra=[(2, bytes(12))]), "appears twice"),
        (r1cs_file(2, 1, bytes(12) + b"\0", labels=bytes(16)), "too many"),
        (r1cs_file(1, 0, b"", labels=bytes(8)), "cannot hold"),  # the constant one plus one public input
        (b"r1cs" + struct.pack("<II", 1, 0xFFFFFFFF), "sections need at least"),
        (b"r1cs" + struct.pack("<IIIQ", 1, 1, 1, 1 << 63), "truncated"),
    ],
)
def test_r1cs_counts_are_checked_before_allocation(data, match):
    with pytest.raises(FileFormatError, match=match):
        parse_r1cs(data)
    assert peak_bytes(parse_r1cs, data) < cheap(data)


def test_unknown_sections_are_skipped():
    m = parse_r1cs(r1cs_file(2, 1, bytes(12), labels=bytes(16), extra=[(9, b"anything")]))
    assert (m.num_constraints, m.num_variables) == (1, 2)


def _overwrite_u32(data: bytes, pos: int, value: int) -> bytes:
    pos = pos % (len(data) - 3)
    return data[:pos] + struct.pack("<I", value) + data[pos + 4 :]


def _typed_and_bounded(parse, data: bytes, fits) -> None:
    """A typed error, or a result no larger than the file can describe; allocation bounded either way."""
    try:
        out = parse(data)
    except FileFormatError:
        pass
    else:
        assert fits(out, len(data))
    assert peak_bytes(parse, data) < cheap(data)


def _check_r1cs_bounded(data: bytes) -> None:
    _typed_and_bounded(parse_r1cs, data, lambda m, n: m.num_variables * 8 <= n and m.num_constraints * 12 <= n)


@given(pos=st.integers(min_value=0), value=st.sampled_from(HOSTILE) | st.integers(0, 2**32 - 1))
def test_r1cs_with_a_hostile_count_anywhere(pos, value):
    _check_r1cs_bounded(_overwrite_u32(R1CS, pos, value))


@given(st.binary(max_size=400))
def test_r1cs_random_bytes(data):
    _check_r1cs_bounded(data)
    _check_r1cs_bounded(R1CS[:12] + data)  # a valid container header, then noise


@given(cut=st.integers(min_value=0, max_value=len(R1CS)), tail=st.binary(max_size=64))
def test_r1cs_truncated_or_extended(cut, tail):
    _check_r1cs_bounded(R1CS[:cut] + tail)


@pytest.mark.timeout(20)
def test_reading_a_device_or_oversized_file_is_refused(tmp_path):
    with pytest.raises(FileFormatError, match="not a regular file"):
        read_r1cs("/dev/zero")
    with pytest.raises(FileFormatError, match="cannot read|not a regular file"):
        read_r1cs(tmp_path)  # a directory
    big = tmp_path / "big.r1cs"
    big.write_bytes(R1CS)
    with pytest.raises(FileFormatError, match="at most"):
        iden3._read(big, limit=len(R1CS) - 1)


# .wtns -------------------------------------------------------------------------
def _check_wtns(data: bytes) -> None:
    _typed_and_bounded(parse_wtns, data, lambda z, n: len(z) * 32 <= n and all(0 <= v < R for v in z))


@given(pos=st.integers(min_value=0), value=st.sampled_from(HOSTILE))
def test_wtns_with_a_hostile_count_anywhere(pos, value):
    _check_wtns(_overwrite_u32(WTNS, pos, value))


@given(st.binary(max_size=300), st.integers(min_value=0, max_value=len(WTNS)))
def test_wtns_random_and_truncated(data, cut):
    _check_wtns(data)
    _check_wtns(WTNS[:cut] + data[:40])


def test_wtns_claiming_more_values_than_present():
    data = bytearray(WTNS)
    n_at = 12 + 12 + 4 + 32  # container, header section header, n8, prime
    data[n_at : n_at + 4] = struct.pack("<I", 0xFFFFFFFF)
    with pytest.raises(FileFormatError, match="values need"):
        parse_wtns(bytes(data))


# proving keys ------------------------------------------------------------------
@pytest.fixture(scope="module")
def key_file(cubic_key):
    return encode_proving_key(cubic_key[1])


def _with_header(key: bytes, edit) -> bytes:
    """The key file with its header JSON edited and a valid checksum (so only validation stands)."""
    (n,) = struct.unpack(">I", key[len(MAGIC) : len(MAGIC) + 4])
    start = len(MAGIC) + 4
    header = json.loads(key[start : start + n])
    edit(header)
    blob = json.dumps(header).encode()
    body = MAGIC + struct.pack(">I", len(blob)) + blob + key[start + n : -32]
    return body + hashlib.sha256(body).digest()


def _shift(a: str, b: str, by: int | None = None):
    """Move points from count a to count b (by None: so many that a becomes -1); the sum stays."""

    def edit(h):
        step = h["counts"][a] + 1 if by is None else by
        h["counts"][a] -= step
        h["counts"][b] += step

    return edit


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (_shift("l_query", "h_query"), "non-negative"),  # l = -1: the old reader accepted this
        (_shift("l_query", "h_query", 1), "h_query has 9 points, the key implies 8"),  # not a Groth16 key
        (_shift("a_query", "b_g1_query", 1), "b_g1_query has"),
        (lambda h: h["counts"].update(a_query=True), "non-negative integer"),
        (lambda h: h["counts"].update(h_query="7"), "non-negative integer"),
        (lambda h: h.update(domain_size=6), "power of two"),
        (lambda h: h.update(domain_size=2**40), "h_query has"),
        (lambda h: h.update(num_inputs=-1), "non-negative"),
        (lambda h: h.update(circuit_digest=["x"]), "circuit_digest"),
        (lambda h: h.pop("counts"), "counts object"),
    ],
)
def test_key_header_counts_are_validated(key_file, edit, match):
    with pytest.raises(KeyFormatError, match=match):
        decode_proving_key(_with_header(key_file, edit))


def test_key_header_block_bounds(key_file):
    pad = bytes(64)  # past the minimum size, so the block checks are what refuses
    with pytest.raises(KeyFormatError, match="larger than the file allows"):
        decode_proving_key(MAGIC + struct.pack(">I", 0xFFFFFFFF) + b"{}" + pad)
    with pytest.raises(KeyFormatError, match="larger than the file allows"):
        decode_proving_key(MAGIC + struct.pack(">I", 5000) + b"[" * 5000 + pad)
    with pytest.raises(KeyFormatError, match="not UTF-8"):
        decode_proving_key(MAGIC + struct.pack(">I", 3) + b"\xff\xfe{" + pad)
    deep = b"[" * 4000
    with pytest.raises(KeyFormatError, match="limit|deeper"):
        decode_proving_key(MAGIC + struct.pack(">I", len(deep)) + deep + pad)


_JSON_SCALARS = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=8)


@given(name=st.sampled_from(["a_query", "b_g1_query", "b_g2_query", "h_query", "l_query"]), value=_JSON_SCALARS)
def test_key_counts_of_any_value(key_file, name, value):
    data = _with_header(key_file, lambda h: h["counts"].update({name: value}))
    try:
        pk = decode_proving_key(data)
    except KeyFormatError:
        return
    assert len(getattr(pk, name)) == value  # only the true count decodes


@given(noise=st.binary(max_size=300))
def test_key_noise_with_a_valid_checksum(noise):
    body = MAGIC + noise
    data = body + hashlib.sha256(body).digest()
    assert peak_bytes(decode_proving_key, data) < cheap(data)
    with pytest.raises(KeyFormatError):
        decode_proving_key(data)


# JSON ----------------------------------------------------------------------------
DEEP = "[" * 100_000


def _keystore_from(tmp_path: Path, text: str):
    path = tmp_path / "k.json"
    path.write_text(text)
    return load_keystore(path, b"pw", "babyjubjub")


@pytest.mark.parametrize(
    ("reader", "error"),
    [
        (vk_from_json, MalformedError),
        (proof_from_json, MalformedError),
        (public_from_json, MalformedError),
        (codec.loads, TransactionFormatError),
        (lambda text: jsonsafe.loads(text, ValueError), ValueError),
    ],
)
@pytest.mark.parametrize("text", [DEEP, '{"a": ' * 70_000, "\udcff", "1" * 5000, "", "[1,]"])
def test_every_json_reader_refuses_hostile_text(reader, error, text):
    with pytest.raises(error):
        reader(text)
    with pytest.raises(error):
        reader(text.encode("utf-8", "surrogateescape"))


def test_keystore_refuses_deep_json(tmp_path):
    with pytest.raises(KeystoreError):
        _keystore_from(tmp_path, DEEP)


_JSON = st.recursive(
    _JSON_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
)


@given(obj=_JSON)
def test_verifier_readers_on_any_json(obj):
    for reader in (vk_from_json, proof_from_json, public_from_json):
        try:
            reader(json.dumps(obj))
        except MalformedError:
            pass


@given(pos=st.integers(min_value=0), char=st.sampled_from('[]{}",:0123456789-e.\\ x'))
def test_mutated_vk_and_proof_json(cubic_key, cubic_proof, pos, char):
    for reader, text in (
        (vk_from_json, json.dumps(vk_to_json(cubic_key[1].vk))),
        (proof_from_json, json.dumps(proof_to_json(cubic_proof[0]))),
    ):
        i = pos % len(text)
        try:
            reader(text[:i] + char + text[i + 1 :])
        except MalformedError:
            pass


def test_long_values_are_not_echoed_whole():
    digits = "9" * 5000
    for reader, text in ((public_from_json, f'["{digits}"]'), (vk_from_json, f'{{"protocol": "groth16", '
                         f'"curve": "bn128", "nPublic": "{digits}", "IC": [["1", "2", "1"]]}}')):  # fmt: skip
        with pytest.raises(MalformedError) as info:
            reader(text)
        assert len(str(info.value)) < 400 and digits[:100] not in str(info.value)


def test_npublic_mismatch_says_what_it_implies(cubic_key):
    vk = vk_to_json(cubic_key[1].vk)
    vk["nPublic"] = 2
    with pytest.raises(MalformedError, match=r"2 IC points, which imply 1 public inputs.*IC\[0\] is the constant"):
        vk_from_json(vk)
    vk["nPublic"] = True  # True == 1 in Python; not a count
    with pytest.raises(MalformedError):
        vk_from_json(vk)


def test_outside_json_goes_through_jsonsafe():
    """No json.load(s) on input in the library outside jsonsafe (committed artifacts excepted)."""
    root = Path(__file__).resolve().parents[1]
    allowed = {"verifier/jsonsafe.py"}
    found = []
    for package in ("circuits", "prover", "verifier", "rollup"):
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            if rel not in allowed and re.search(r"\bjson\.loads?\(", path.read_text()):
                found.append(rel)
    assert found == []


def _depth(obj) -> int:
    """Structural nesting depth of a parsed JSON value."""
    if isinstance(obj, list):
        return 1 + max(map(_depth, obj), default=0)
    if isinstance(obj, dict):
        return 1 + max(map(_depth, obj.values()), default=0)
    return 0


_TRICKY_TEXT = st.text(alphabet='[]{}"\\ab', max_size=8)  # strings full of brackets, quotes and escapes
_NESTED = st.recursive(
    st.integers() | _TRICKY_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TRICKY_TEXT, inner, max_size=3),
    max_leaves=20,
)


@given(obj=_NESTED)
def test_nesting_depth_is_exact_on_valid_json(obj):
    for text in (json.dumps(obj), json.dumps(obj, ensure_ascii=False, indent=1)):
        assert jsonsafe.nesting_depth(text) == _depth(obj)


@given(text=st.text(alphabet='[]{}",:\\ 1a', max_size=60))
def test_bounded_loads_never_returns_deeper_than_allowed(text):
    try:
        obj = jsonsafe.loads(text, ValueError, max_depth=3)
    except ValueError:
        return
    assert _depth(obj) <= 3


def test_key_from_a_device_is_refused_unread(tmp_path):
    with pytest.raises(KeyFormatError, match="not a regular file"):
        load_proving_key("/dev/zero")
    with pytest.raises(KeyFormatError, match="cannot read"):
        load_proving_key(tmp_path / "missing.pk")


def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    """attack4: opening a FIFO blocked until someone wrote to it; now refused at once."""
    fifo = tmp_path / "x.r1cs"
    os.mkfifo(fifo)
    with pytest.raises(FileFormatError, match="not a regular file"):
        read_r1cs(fifo)
