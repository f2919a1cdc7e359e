"""Attack 2, systematically: is any witness of the batch or exit circuit left for the prover to choose?

For one transaction of every type (and the edge states the rules branch on), the spec's satisfying
assignment is analysed by propagation (``tests.attack.uniqueness``): from the prover's genuine
inputs, every other witness, including the new root and the SHA-256 of the public data, must be
determined.  Genuine inputs are each bound elsewhere: the old state by the old root (Poseidon),
record bits by the public input (SHA-256), opened leaves and paths by the Merkle check, signatures
by EdDSA, a deposit's key by the L1 queue hash.  Where uniqueness needs an argument propagation
cannot make, the witness is a named lemma, each proven by hand below.  The only witnesses allowed
to stay free are dead ends: inverses under a zero gate, which occur in no other constraint.
"""

from __future__ import annotations

import re

import pytest

from circuits.examples import synthesize
from circuits.field import R
from circuits.gadgets.basic import alloc_bit
from circuits.ledger import slot as slot_module
from circuits.ledger.exit import ExitCircuit
from rollup.ledger.demo import funded_world
from rollup.ledger.escape import exit_for
from tests.attack.scenarios import BTC, SCENARIOS, SMALL
from tests.attack.uniqueness import Propagation
from tests.batch_circuit_helpers import prove_mode

BATCH_INPUTS = re.compile(
    r"^(start\..*|batch_time|slot\d+\.bit\d+|slot\d+\.[ab]\.(exists|pk_x|pk_y|nonce|collateral|size\d|cache\d|sib\d+\.\d)"
    r"|slot\d+\.sig_[ab]\.(r8_\d|s)|slot\d+\.expiry|slot\d+\.item_pk\d)$"
)
# Lemmas (why each is unique although propagation cannot see it):
#  t<k>, m<k>       one-hot: boolean flags with Σ f = 1 (or = uses) and Σ k·f = code: only f_code = 1.
#  quote_rem        q·scale = amount·price − rem, rem ∈ [0, scale); ±q moves two range-checked
#                   collaterals, so |q| < 2^114 and q·scale < r: rem is the integer remainder.
#  sig_*/ha/J, K    k + (J − 5)·l = 2^252 + 2K + 1 with J_0 = k_0: the difference is even, r is odd.
BATCH_LEMMAS = re.compile(r"^(slot\d+\.[tm]\d|slot\d+\.quote_rem|slot\d+\.sig_[ab]/ha/[JK]\d+)$")
DEAD_ENDS = re.compile(r"\.inv$")  # x·inv = 1 − out or = flag, with x = 0 here: inv occurs nowhere else
EXIT_INPUTS = re.compile(
    r"^(market\d\.(price|index|time|ptime)|time|accounts_root|domain|account|sib\d+\.\d"
    r"|exit\.(exists|pk_x|pk_y|nonce|collateral|size\d|cache\d)|amount\.r)$"  # amount.r: a division lemma
)
QUICK = {"trade", "liquidation_long", "deposit_new_account", "refund", "forced_exit_beyond_range"}  # the rest: slow


def _free(cs, inputs: re.Pattern) -> list[str]:
    p = Propagation(cs)
    left = p.undetermined({i for i, n in enumerate(p.names) if inputs.match(n)})
    return [n for n in left if not DEAD_ENDS.search(n)]


@pytest.mark.parametrize("case", [k if k in QUICK else pytest.param(k, marks=pytest.mark.slow) for k in SCENARIOS])
def test_every_batch_witness_follows_from_the_inputs(case):
    cs = prove_mode(SCENARIOS[case](), SMALL)
    assert cs.which_is_unsatisfied() is None
    assert _free(cs, re.compile(f"{BATCH_INPUTS.pattern}|{BATCH_LEMMAS.pattern}")) == []


def test_without_the_lemmas_propagation_stops_where_they_say():
    """The lemmas are needed (so the analysis is not vacuous): without them the type flags, the quote
    and everything after them are left open."""
    cs = prove_mode(SCENARIOS["trade"](), SMALL)
    free = _free(cs, BATCH_INPUTS)
    assert {"slot0.t4", "slot0.quote_rem", "slot0.quote"} <= set(free)  # t3: set by expiry_u64
    assert any(n.startswith("public_data") for n in free)


@pytest.mark.parametrize(
    "account", [0, pytest.param(1, marks=pytest.mark.slow), pytest.param(3, marks=pytest.mark.slow)]
)
def test_every_exit_witness_follows_from_the_inputs(account):
    w, _ = funded_world(SMALL)
    w.apply(w.trade(BTC, 0, 1, 100, 3_000_000))
    ex = exit_for(w.state, account)
    cs = synthesize(ExitCircuit(SMALL, ex.witness, ex.public_input))
    assert cs.which_is_unsatisfied() is None
    assert _free(cs, EXIT_INPUTS) == []


def test_the_analysis_finds_a_planted_free_flag(monkeypatch):
    """Not vacuous: a build whose liquidation sign is a boolean the prover picks (no decomposition of
    the old size) leaves that flag, and the new root after it, undetermined."""
    honest = slot_module.is_nonnegative

    def planted(cs, x, n, name):
        if not name.endswith(".liq_sign"):
            return honest(cs, x, n, name)
        return alloc_bit(cs, name, lambda: int(cs.value(x) < R // 2))

    monkeypatch.setattr(slot_module, "is_nonnegative", planted)
    cs = prove_mode(SCENARIOS["liquidation_long"](), SMALL)
    assert cs.which_is_unsatisfied() is None
    free = _free(cs, re.compile(f"{BATCH_INPUTS.pattern}|{BATCH_LEMMAS.pattern}"))
    assert "slot0.liq_sign" in free and any(n.startswith("new_root") for n in free)
