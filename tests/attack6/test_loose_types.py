"""Attack6 on the type checks of ``eddsa.check_message`` and ``SquareChainCircuit.length``: bools,
int subclasses (IntEnum), numpy ints and floats are refused typed, never coerced or crashed on; a
message and the same message plus r are one message (circomlibjs), a negative one is its residue."""

from __future__ import annotations

import enum

import numpy as np
import pytest

from circuits.errors import RangeError, SynthesisError
from circuits.examples import SquareChainCircuit, synthesize
from circuits.field import R
from circuits.native import eddsa

SK = b"\x07" * 32
KEY = eddsa.public_key(SK)


class Five(enum.IntEnum):
    V = 5


LOOSE = [True, False, np.int64(5), np.uint8(5), Five.V, 5.0, "5", b"5", None]


@pytest.mark.parametrize("msg", LOOSE, ids=repr)
def test_a_loose_message_is_malformed_everywhere(msg):
    sig = eddsa.sign(SK, 5)
    for call in (lambda: eddsa.sign(SK, msg), lambda: eddsa.verify(msg, sig, KEY)):
        with pytest.raises(RangeError):
            call()
    with pytest.raises(RangeError):
        eddsa.verify_batch([(5, sig, KEY), (msg, sig, KEY)])


def test_messages_are_residues():
    sig = eddsa.sign(SK, 5)
    assert eddsa.verify(5 + R, sig, KEY) and eddsa.sign(SK, 5 + R) == sig
    assert not eddsa.verify(-5, sig, KEY) and eddsa.verify(R - 5, eddsa.sign(SK, -5), KEY)


@pytest.mark.parametrize("length", [True, np.int64(3), Five.V, 3.0, 0, -1, None], ids=repr)
def test_a_loose_chain_length_is_a_synthesis_error(length):
    with pytest.raises(SynthesisError):
        synthesize(SquareChainCircuit(length, 3))
