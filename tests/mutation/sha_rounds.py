"""SHA-256 digests steered through the compression's inner rows: for each kind of row inside the
data binding's SHA-256, a prover that uses the freedom the dropped rows give to make the last block
output the digest of *other* data (``sha_native`` plans the values, rounds 56..63 of the last
block only; everything else is the honest computation).

The freedom used, per kind (t = 56..63, LSB = the word's lowest bit, weight 1):
* a schedule word W_t free (``w#.sum``: its bits; ``w#.s#.bit``: its carry bit non-boolean), or
  shifted through σ1's LSB (``w#.s#.#b``: the output; ``w#.s#.#a``: the first XOR, which the
  second passes on with a sign);
* T1 shifted through Σ1's LSB (``r#.S#.#a/#b``) or Ch's (``r#.ch#``);
* A_t free (``r#.a.sum``; ``r#.a.s#.bit``: its carry non-boolean), or T2 shifted through Maj's
  LSB (``r#.maj#``; ``r#.bc#``: the product b·c, which Maj passes on with the sign 1 − 2a);
* the final words' carries non-boolean (``h#.s#.bit``);
* four low bits of E_59 non-boolean (``r#.e.s#.bit``): T1 of rounds 60..63 is affine in them (Σ1
  and Ch are, one such bit per XOR), so a 4×4 system over Fr gives A_60..A_63, while E_60..E_63 take
  their words with non-boolean carries; the XORs of round 60's Σ1 compute a + b − 2ab.
A shifted LSB is a field element (non-boolean): it only enters sums, which stay exact integers.
"""

from __future__ import annotations

from collections.abc import Callable

from circuits.field import R
from tests.mutation import sha_native as sn
from tests.mutation.tamper import Tamper, TamperedCS, TamperError

PREFIX = "public_data.sha256"
ROUNDS = range(sn.FIRST, 64)
INV32 = pow(1 << 32, -1, R)
Message = Callable[[TamperedCS], bytes]

PLANS = {"w": sn.w_plan, "t1": sn.t1_plan, "a": sn.a_plan, "e": sn.e_bits_plan}
KIND_PLAN = {
    "w#.sum": "w", "w#.s#.bit": "w", "w#.s#.#a": "w", "w#.s#.#b": "w",
    "r#.S#.#a": "t1", "r#.S#.#b": "t1", "r#.ch#": "t1",
    "r#.a.sum": "a", "r#.a.s#.bit": "a", "r#.maj#": "a", "r#.bc#": "a",
    "h#.s#.bit": "", "r#.e.s#.bit": "e",
}  # fmt: skip


class Steering:
    """The plan of one tampered synthesis, made at its first use from the circuit's own message."""

    def __init__(self, message: Message, target: Message, plan: str) -> None:
        self.message, self.target, self.kind = message, target, plan

    def digest(self, cs: TamperedCS) -> list[int]:
        return self._cached(cs, "digest", lambda: sn.digest_words(self.target(cs)))

    def plan(self, cs: TamperedCS) -> sn.Plan:
        def make() -> sn.Plan:
            h_in, block = sn.chaining(self.message(cs))
            plan = PLANS[self.kind](h_in, block, self.digest(cs))
            if plan is None:
                raise TamperError("no plan reaches this digest")
            return plan

        return self._cached(cs, "plan", make)

    def final_e(self, cs: TamperedCS) -> list[int]:
        """E_60..E_63 of the steered block."""
        h_in = self._cached(cs, "h_in", lambda: sn.chaining(self.message(cs))[0])
        return [(self.digest(cs)[7 - k] - h_in[7 - k]) & sn.M32 for k in range(4)]

    def _cached(self, cs: TamperedCS, key: str, make: Callable[[], object]):
        store = cs.__dict__.setdefault("sha_steering", {})
        if key not in store:
            store[key] = make()
        return store[key]


def _set_word(cs: TamperedCS, prefix: str, value: int, width: int, absorb: int | None, total: int) -> None:
    """Bits of a sum set to ``value`` (low 32); the carry bit ``absorb`` (if any) takes the rest."""
    for j in range(width):
        cs.set(f"{prefix}.s{j}", (value >> j) & 1 if j < 32 else 0)
    if absorb is not None:
        cs.set(f"{prefix}.s{absorb}", (total - value) * INV32)


def _word_hooks(rows: dict[str, tuple[str, int]], word: Callable[[TamperedCS, str], int], carry: bool) -> dict:
    """At each sum row (name -> (bit prefix, width)): its word set, the row left to fail or the
    carry made non-boolean so that it holds."""

    def hook_for(prefix: str, width: int) -> Callable:
        def hook(cs: TamperedCS, a: object, b: object, c: object) -> None:
            _set_word(cs, prefix, word(cs, prefix), width, 32 if carry else None, cs.value(c))

        return hook

    return {row: hook_for(prefix, width) for row, (prefix, width) in rows.items()}


def _shift(value: Callable[[TamperedCS], int]) -> Callable[[TamperedCS, int], int]:
    return lambda cs, honest: honest + value(cs)


def _overrides(kind: str, base: str, st: Steering) -> dict:
    """Witness overrides for the LSB-shift kinds."""
    plan = st.plan
    if kind.startswith("w#.s#."):
        delta = {t: (lambda cs, t=t: plan(cs).w[t] - sn.schedule_sum(plan(cs).w, t)) for t in ROUNDS}
        z = {t: (lambda cs, t=t: (plan(cs).w[t - 2] >> 10) & 1) for t in ROUNDS}
        names = {t: f"{base}.w{t}.s1.31" for t in ROUNDS}
    elif kind in ("r#.S#.#a", "r#.S#.#b", "r#.ch#"):

        def d1(cs: TamperedCS, t: int) -> int:
            p = plan(cs)
            return p.t1[t] - sn.t1_parts(p.states[t], t, p.w[t])

        delta = {t: (lambda cs, t=t: d1(cs, t)) for t in ROUNDS}
        z = {t: (lambda cs, t=t: (plan(cs).states[t][4] >> 25) & 1) for t in ROUNDS}
        names = {t: f"{base}.r{t}.S1.31" for t in ROUNDS}
        if kind == "r#.ch#":
            return {f"{base}.r{t}.ch31": _shift(delta[t]) for t in ROUNDS}
    else:  # maj / bc: T2 shifted
        delta = {t: (lambda cs, t=t: plan(cs).t2[t] - sn.t2_parts(plan(cs).states[t])) for t in ROUNDS}
        if kind == "r#.maj#":
            return {f"{base}.r{t}.maj31": _shift(delta[t]) for t in ROUNDS}
        sign = {t: (lambda cs, t=t: 1 - 2 * (plan(cs).states[t][0] & 1)) for t in ROUNDS}
        return {f"{base}.r{t}.bc31": _shift(lambda cs, t=t: delta[t](cs) * sign[t](cs)) for t in ROUNDS}
    if kind.endswith("#b"):
        return {f"{names[t]}b": _shift(delta[t]) for t in ROUNDS}
    out = {}
    for t in ROUNDS:
        out[f"{names[t]}a"] = _shift(lambda cs, t=t: delta[t](cs) * (1 - 2 * z[t](cs)))
        out[f"{names[t]}b"] = lambda cs, h, t=t: _xor_of(cs.get(f"{names[t]}a"), z[t](cs))
    return out


def _xor_of(a: int, z: int) -> int:
    """The XOR gadget's output a + z − 2az (a possibly non-boolean)."""
    return a + z - 2 * a * z


def steer(kind: str, last_block: int, message: Message, target: Message, claims: dict) -> Tamper:
    """The tamper for one kind of the SHA-256 rows: the circuit hashes ``message``, its digest
    comes out as SHA-256(target(cs))."""
    st = Steering(message, target, KIND_PLAN[kind])
    base = f"{PREFIX}/b{last_block}"
    label = f"SHA-256 steered to other data through [{kind}]"
    if kind == "h#.s#.bit":
        rows = {f"{base}.h{i}.sum": (f"{base}.h{i}", 33) for i in range(8)}
        word = lambda cs, prefix: st.digest(cs)[int(prefix.rsplit("h", 1)[1])]  # noqa: E731
        return Tamper(label, hooks=_word_hooks(rows, word, carry=True), claims=claims)
    if kind in ("w#.sum", "w#.s#.bit"):
        rows = {f"{base}.w{t}.sum": (f"{base}.w{t}", 34) for t in ROUNDS}
        word = lambda cs, prefix: st.plan(cs).w[int(prefix.rsplit("w", 1)[1])]  # noqa: E731
        return Tamper(label, hooks=_word_hooks(rows, word, carry=kind != "w#.sum"), claims=claims)
    if kind in ("r#.a.sum", "r#.a.s#.bit"):
        rows = {f"{base}.r{t}.a.sum": (f"{base}.r{t}.a", 35) for t in ROUNDS}
        word = lambda cs, prefix: st.plan(cs).a[int(prefix.rsplit(".r", 1)[1].split(".")[0])]  # noqa: E731
        return Tamper(label, hooks=_word_hooks(rows, word, carry=kind != "r#.a.sum"), claims=claims)
    if kind == "r#.e.s#.bit":
        return Tamper(label, hooks=_e_bit_hooks(base, st), claims=claims)
    return Tamper(label, overrides=_overrides(kind, base, st), claims=claims)


def _e_bit_hooks(base: str, st: Steering) -> dict:
    """E_59's low bits from the plan (its carry absorbs them), E_60..E_63 set (carries absorb),
    and round 60's Σ1 XORs computed as the gadget's polynomial."""

    def e59(cs: TamperedCS, a: object, b: object, c: object) -> None:
        prefix = f"{base}.r59.e"
        for j, v in st.plan(cs).items():
            cs.set(f"{prefix}.s{j}", v)
        rest = sum(cs.get(f"{prefix}.s{j}") << j for j in range(35) if j != 32)
        cs.set(f"{prefix}.s32", (cs.value(c) - rest) * INV32)

    def xor_at(name: str) -> Callable:
        def hook(cs: TamperedCS, a: object, b: object, c: object) -> None:
            cs.set(name, _xor_of(cs.value(a) * pow(2, -1, R) % R, cs.value(b)))

        return hook

    def word(cs: TamperedCS, prefix: str) -> int:
        t = int(prefix.rsplit(".r", 1)[1].split(".")[0])
        return st.final_e(cs)[t - 60]

    rows = {f"{base}.r{t}.e.sum": (f"{base}.r{t}.e", 35) for t in range(60, 64)}
    hooks = {**_word_hooks(rows, word, carry=True), f"{base}.r59.e.sum": e59}
    for i in range(32):
        for part in "ab":
            name = f"{base}.r60.S1.{i}{part}"
            hooks[name] = xor_at(name)
    return hooks


KINDS = tuple(KIND_PLAN)
