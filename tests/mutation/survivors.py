"""Why a mutant survives, checked by hand.  Each reason has a status:

* ``redundant``: other rows already force what the dropped rows force (the argument is given; the
  row stays in the circuit: constraint counts are pinned, removing it is the lead's call);
* ``assumption``: no attack exists unless a hash or discrete logarithm is broken (the argument says
  which);
* ``open``: not shown redundant and no adversarial witness written yet: a missing soundness test;
* ``gadget``: killed in the gadget's own harness (``gadget/eddsa``); the lane reuses the gadget.

A survivor without a reason fails ``make mutate``.  Keys are (circuit pattern, label pattern),
regular expressions matched in full; the EdDSA kinds apply to the gadget and to both lanes.
"""

from __future__ import annotations

import re

from tests.mutation.groups import Mutant

SIG, LANES = r"gadget/eddsa|batch", r"(eddsa|slot#\.sig_[ab])"
SHA_E_SUM = (
    "open: with the e sums' packing rows gone, each E_t is a free 32-bit word while A_t = T1_t + T2_t stays "
    "honest; E_60..E_63 can be written, but A_60..A_63 then ask E_56..E_59 to solve "
    "A_t = E_(t-4) + Σ1(E_(t-1)) + Ch(E_(t-1), E_(t-2), E_(t-3)) + K_t + W_t + T2_t where A_57..A_59 (inside "
    "T2) depend on E_56..E_58: three 32-bit words of nonlinear coupling, and starting lower only moves it "
    "(the lowest free E always feeds the next three A through Σ1, Ch and T2; the exit's second block gets "
    "it back through the first block's A_61..A_63).  Neither a forgery nor a reduction to a SHA-256 break "
    "is written; every other inner kind is killed by sha_rounds"
)
CANONICAL = (
    "assumption (SHA-256): these bits enter the data binding's SHA-256 message, and the contract hashes "
    "the canonical 32-byte value; bits spelling value + r, or non-boolean bits (whose words every SHA "
    "sum re-decomposes into boolean bits), must still reach the contract's digest: a second preimage"
)
EMPTY_LANE = (
    "redundant: a lane's old fields are read only through leaf_old = exists·Poseidon(fields) (0 when "
    "exists = 0), the signature key of types that require exists (exists_a/exists_b), the funding term "
    "size·(index − cache) with size forced to 0 (empty.size#), and the new leaf, which stores the market "
    "index as cache and the item key for a created account; so cache and key of an empty account are inert"
)
LANE_B = (
    "redundant: lane b is opened (its leaf proven under the root) and written only by trades, "
    "liquidations and forced closes, where exists_b forces exists = 1 and the empty rows hold whatever "
    "the fields; every rule reading b's fields is gated by those three types"
)
SIGN_PACK = (
    "redundant: the sign bit only feeds _reducing (0 ≤ σ·new ≤ σ·old, which has no solution with σ "
    "opposite to old's sign unless old = new = 0) and, for liquidations, the direction of d_size, which "
    "then fails liquidation_reduces; a wrong sign only removes the healthier exemption.  The old size "
    "needs no range check here: it was written range-checked"
)

REASONS: list[tuple[str, str, str]] = [
    # ---- EdDSA (the gadget and both signature lanes) ----------------------------------------------
    (
        SIG,
        LANES + r" \[a\.(on_curve|x2|y2)\]",
        "assumption (discrete log): an off-curve A' must double three times onto a point the ladder can use; "
        "the dedicated doubling's preimages of a curve point are on the curve over Fr (the other two "
        "solutions of dbl(P) = Q need the square root of a non-square; checked on 12 cases, all four 2A + T "
        "for three keys), so 8A' stays off the curve and the ladder from it has no group structure",
    ),
    (
        SIG,
        LANES + r" \[r#\.(on_curve|x2|y2)\]",
        "assumption (Poseidon, discrete log): R8 is hashed into hm, so an off-curve R8' must satisfy "
        "add(R8', hm(R8')·8A) = S·B8, a fixed point through Poseidon, or the addition's output for an "
        "off-curve input, a point with no group relation to B8, must have a known discrete logarithm",
    ),
    (
        SIG,
        LANES + r" \[a8\.x\.nonzero\]",
        "redundant: A is on the curve and the three doublings are exact, so 8A lies in the order-l subgroup and "
        "x(8A) = 0 only for 8A = (0, 1); then mul_prime_order's ha/p.u row reads u·(1 − 1) = 2, unsatisfiable",
    ),
    (
        SIG,
        LANES + r" \[ha/K#\.bit\]",
        "assumption (discrete log): a non-boolean K_i makes the ladder add (u, (2K_i − 1)·v), off the curve "
        "unless 2K_i − 1 = ±1; every later chord step stays off the group, so the right side is a point "
        "whose discrete logarithm to B8 is unknown (S cannot match it; R8 is fixed by hm)",
    ),
    (
        SIG,
        LANES + r" \[ha/p2\.(lambda|u2)\]",
        "assumption (discrete log): another slope gives u3 = u' + u'' − u for the line's other roots u', u'', "
        "on the curve only when the line is the tangent (the honest slope); 2P goes off the curve and with it "
        "the ladder (see ha/K#.bit)",
    ),
    (
        SIG,
        LANES + r" \[ha/p2\.u\]",
        "assumption (discrete log): a free u3 keeps (u3, v3) on the tangent at −P, which meets the curve only "
        "at 2P (honest) and −P; −P makes p3's chord vertical (p3.lambda unsatisfiable); elsewhere off the curve",
    ),
    (
        SIG,
        LANES + r" \[r#\+ha\.(beta|gamma|tau)\]",
        "assumption (discrete log): one free product; the output runs over a curve through R8 + hm·8A, and "
        "none of ±(R8 + hm·8A) + T (T of order ≤ 4) lies on it (checked numerically), so matching S·B8 needs "
        "the discrete logarithm of an unrelated point",
    ),
    (r"batch", r"slot#\.sig_[ab] \[s\.pack\]", "gadget: killed by eddsa_s_plus_one in gadget/eddsa"),
    # ---- the ledger circuits -------------------------------------------------------------------
    (r"batch|exit", r"public_data \[sha256/b#\.r#\.e\.sum\]", SHA_E_SUM),
    (r"batch", r"header_bits \[.*\]", CANONICAL),
    (r"exit", r"root_bits \[.*\]", CANONICAL),
    (r"exit", r"amount_bits \[b#\.bit\]", CANONICAL),
    (
        r"exit",
        r"account_bits \[.*\]",
        "assumption (SHA-256): the account is used only through these bits (Merkle path and SHA message); the "
        "packed witness is read by nothing else, so the pack row is redundant, and non-boolean bits must keep "
        "the path's placement rows and reach the contract's digest of the 32-byte account",
    ),
    (
        r"exit",
        r"amount \[q\.(pack|b#\.bit)\]",
        "redundant: amount = q is decomposed again by amount_bits (kept), so q < 2^exit_value_bits; with "
        "that bound q·d + r cannot wrap",
    ),
    (r"exit", r"exit\.empty \[.*\]", EMPTY_LANE),
    (r"batch", r"slot#\.a\.empty \[(cache#|pk_x|pk_y)\]", EMPTY_LANE),
    (r"batch", r"slot#\.b\.empty \[.*\]", LANE_B),
    (r"batch", r"slot#\.b\.exists \[bit\]", LANE_B),
    (
        r"batch",
        r"slot#\.exists_a \[row\]",
        "redundant: withdrawals and trades are signed by a (sig_a), and a missing account's key (0, 0) fails "
        "the curve check; a liquidated or forced-closed account that does not exist has size 0 (a.empty), and from 0 a "
        "nonzero amount (amount_nonzero) cannot reduce: liquidation_reduces fails",
    ),
    (r"batch", r"slot#\.(b\.old_sign|liq_sign) \[pack\]", SIGN_PACK),
    (
        r"batch",
        r"slot#\.[ab]\.size_range \[.*\]",
        "redundant: the lane's margin decomposes every market's size it values with is_nonnegative(s, 48), "
        "the same bits of s + 2^47 as this signed_range_check: lane b always on its new sizes, lane a on its "
        "new sizes except for liquidations (liquidation_reduces with the _reducing decompositions keep "
        "|new| ≤ |old|, old decomposed by the margin) and forced exits (no size moves); new_size_sel is the "
        "selected market's new size, or 0 without a market (refused_*_beyond_size_range fail both rows)",
    ),
    (
        r"batch",
        r"slot#\.one_type \[row\]",
        "redundant: without it the flags are still bits with Σ k·t_k = type, and t0 is read nowhere else, so "
        "Σ t = 0 or t0 plus one flag is an honest witness with t0 changed.  Two or more of t1..t8: "
        "unused_amount forces amount = 0 (every type but noop uses it), so t3/t6 fail amount_nonzero; the "
        "contract hashes one queue item exactly for types 1, 7, 8, the circuit t1 + t7 + t8 items (another "
        "count needs a chosen Poseidon output); funding with an oracle tick fails oracle_expiry_zero, "
        "funding_binds_time, funding_started together; what is left ({2,4}, {1,2,4}, {1,2,5}) verifies sig_a "
        "under 2·oracle − dummy key (active = 2), off the curve (checked for the demo key; a random key "
        "puts it on the curve with probability ~1/r)",
    ),
    (
        r"batch",
        r"slot#\.t# \[bit\]",
        "open: non-boolean type flags (t0 absorbs Σ t = 1, so only Σ k·t_k = type binds t1..t8); two-flag "
        "mixes fail as for one_type, and the withdrawal-drain family (a withdrawal record, L2 debited less) "
        "is forced by the queue count, the signature gates and the funding/oracle time rules to t1 = −1, "
        "t7 = 7, t8 = −6, which overdraft stops; no witness found, no redundancy shown",
    ),
    (
        r"batch",
        r"batch_time_bits \[b#\.bit\]",
        "assumption (SHA-256): the batch time's bits are read only by their pack row and the SHA-256 "
        "message (words 8 and 9, after the version byte and before the records); non-boolean bits that "
        "keep those words' integers equal to a posted time's canonical words weigh up, word by word, to that "
        "time, so the pack row makes batch_time the posted time; other word integers must still reach the "
        "contract's digest of the canonical bytes: a second preimage",
    ),
    (
        r"batch",
        r"slot#\.unpriced# \[inv\]",
        "redundant: without the inverse row, a price time x ≠ 0 still forces out = 0 (x·out = 0), so a "
        "priced market is checked; only x = 0 (never priced, price 0, no position) frees out, and the "
        "honest out = 1 already skips the check: another out only adds a range check on gate·slack",
    ),
    (
        r"batch",
        r"slot#\.oracle_expiry_zero \[row\]",
        "redundant for the judged statement: an oracle tick's expiry is neither posted nor stored; the row "
        "pins what the oracle signs (expiry 0), so another expiry needs an oracle signature on it",
    ),
]


def reason(m: Mutant) -> tuple[str, str] | None:
    """(status, argument) for a surviving mutant, or None."""
    for circuit, label, text in REASONS:
        if re.fullmatch(circuit, m.circuit) and re.fullmatch(label, m.label):
            return text.split(":")[0].split(" ")[0], text
    return None
