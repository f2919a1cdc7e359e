"""Witness tamperers that use the freedom a dropped constraint gives, for any gadget instance.

* ``repack``: a decomposition whose bits are not all boolean but still pack to the value (a value
  out of range passes once the booleanity rows are gone);
* ``set_bits``: chosen bits (a sign or comparison outcome) with the packing row left broken;
* ``solve``: at a named row, change one witness so that the row holds (everything computed later
  sees the new value), after optional ``first`` assignments;
* ``steer``: a Poseidon hash whose output is any chosen value, breaking only rows of one kind
  (x2, x4 or x5) in its last round.
"""

from __future__ import annotations

from collections.abc import Callable

from circuits.field import R
from circuits.native.babyjubjub import sqrt as _sqrt
from circuits.poseidon_constants import poseidon_params
from circuits.r1cs import LCLike, LinearCombination, as_terms
from tests.mutation.tamper import Tamper, TamperedCS, TamperError, bit_names, poseidon_last_round

Value = Callable[[TamperedCS], int]


def _eval(cs: TamperedCS, x: LCLike, skip: int | None = None) -> tuple[int, int]:
    """(value of x without the term of key ``skip``, that term's coefficient)."""
    terms = as_terms(x)
    coef = terms.get(skip, 0) if skip is not None else 0
    rest = {k: v for k, v in terms.items() if k != skip}
    return cs.value(LinearCombination(rest)), coef


def solve_row(cs: TamperedCS, a: LCLike, b: LCLike, c: LCLike, var: str) -> int:
    """The value of witness ``var`` that makes a·b = c hold, the other values fixed."""
    key = 2 * cs.position[var] + 1
    (av, ac), (bv, bc), (cv, cc) = (_eval(cs, x, key) for x in (a, b, c))
    if [ac != 0, bc != 0, cc != 0].count(True) != 1:
        raise TamperError(f"{var} is not linear in exactly one factor of the row")
    if cc:
        return (av * bv - cv) * pow(cc, -1, R) % R
    (rest, coef, other) = (av, ac, bv) if ac else (bv, bc, av)
    if other == 0:
        raise TamperError(f"the row cannot be solved for {var}: the other factor is 0")
    return (cv * pow(other, -1, R) - rest) * pow(coef, -1, R) % R


def solve(row: str, var: str, first: dict[str, Value] | None = None, label: str | None = None) -> Tamper:
    """At ``row``: set the ``first`` witnesses, then change ``var`` so that the row holds."""

    def hook(cs: TamperedCS, a: LCLike, b: LCLike, c: LCLike) -> None:
        for name, value in (first or {}).items():
            cs.set(name, value(cs))
        cs.set(var, solve_row(cs, a, b, c, var))

    return Tamper(label or f"solve {row} for {var}", hooks={row: hook})


def const(v: int) -> Value:
    return lambda cs: v % R


def repack(prefix: str, bits: dict[int, int] | None = None, absorb: int = 0) -> Tamper:
    """At ``prefix.pack``: set the given bits, then change bit ``absorb`` so the bits pack to the
    value again (non-boolean where the value is out of range or a bit was forced)."""

    def hook(cs: TamperedCS, a: LCLike, b: LCLike, c: LCLike) -> None:
        names = bit_names(cs, prefix)
        for i, v in (bits or {}).items():
            cs.set(names[i], v)
        rest = sum(cs.get(n) << i for i, n in enumerate(names) if i != absorb)
        cs.set(names[absorb], (cs.value(c) - rest) * pow(1 << absorb, -1, R))

    shown = "" if not bits else " with " + ", ".join(f"b{i}={v}" for i, v in bits.items())
    return Tamper(f"repack {prefix}{shown}", hooks={f"{prefix}.pack": hook})


def set_bits(prefix: str, bits: dict[int, int]) -> Tamper:
    """At ``prefix.pack``: the given bits (boolean), the packing row left to fail."""

    def hook(cs: TamperedCS, a: LCLike, b: LCLike, c: LCLike) -> None:
        names = bit_names(cs, prefix)
        for i, v in bits.items():
            cs.set(names[i if i >= 0 else len(names) + i], v)

    return Tamper(f"set {prefix} bits {bits}", hooks={f"{prefix}.pack": hook})


def top_bit(prefix: str, value: int = 1, absorb: bool = False) -> Tamper:
    """A sign or comparison decomposition's answer (its top bit) forced; with absorb the bits
    still pack (a booleanity row breaks instead of the packing row)."""
    if not absorb:
        return set_bits(prefix, {-1: value})

    def hook(cs: TamperedCS, a: LCLike, b: LCLike, c: LCLike) -> None:
        names = bit_names(cs, prefix)
        cs.set(names[-1], value)
        rest = sum(cs.get(n) << i for i, n in enumerate(names) if i)
        cs.set(names[0], cs.value(c) - rest)

    return Tamper(f"{prefix} answers {value} (bits repacked)", hooks={f"{prefix}.pack": hook})


# ---- Poseidon ---------------------------------------------------------------------------------


def steer(prefix: str, n_inputs: int, target: Value | None, kind: str) -> Tamper:
    """The Poseidon under ``prefix`` outputs target(cs) (None: its own output plus one): its last
    round's S-box outputs move so that MDS row 0 of them hits the target, breaking only ``kind``
    rows (x5: the output itself; x4: x4 with x5 = x4·x kept; x2: x2 with x4 = x2², x5 = x4·x kept,
    a square root needed)."""
    p = poseidon_params(n_inputs + 1)
    last = poseidon_last_round(p.t)
    rows = [f"{prefix}/r{last}.s{j}" for j in range(p.t)]

    def hook(cs: TamperedCS, a: LCLike, b: LCLike, c: LCLike) -> None:
        x5 = [cs.get(f"{r}.x5") for r in rows]
        current = sum(m * v for m, v in zip(p.mds[0], x5)) % R
        delta = (target(cs) - current) % R if target is not None else 1
        if delta == 0:
            raise TamperError(f"{prefix} already outputs the target")
        for j in range(p.t):
            new_x5 = (x5[j] + delta * pow(p.mds[0][j], -1, R)) % R
            if _place(cs, rows[j], new_x5, kind):
                return
        raise TamperError(f"no S-box of {prefix} reaches the target with only {kind} rows broken")

    return Tamper(f"steer {prefix} ({kind})", hooks={f"{rows[-1]}.x5": hook})


def _place(cs: TamperedCS, row: str, new_x5: int, kind: str) -> bool:
    x4 = cs.get(f"{row}.x4")
    x = cs.get(f"{row}.x5") * pow(x4, -1, R) % R  # the S-box input (x4 = x^4 ≠ 0)
    if kind == "x5":
        cs.set(f"{row}.x5", new_x5)
        return True
    if kind == "x4":
        cs.set(f"{row}.x4", new_x5 * pow(x, -1, R))
        cs.set(f"{row}.x5", new_x5)
        return True
    root = _sqrt(new_x5 * pow(x, -1, R) % R)
    if root is None:
        return False
    cs.set(f"{row}.x2", root)
    cs.set(f"{row}.x4", root * root)
    cs.set(f"{row}.x5", new_x5)
    return True


def bump(name: str, delta: int = 1) -> Tamper:
    """Witness ``name`` moved by delta (a product or selection the prover could choose freely)."""
    return Tamper(f"{name} {delta:+d}", overrides={name: lambda cs, v: v + delta})


def times(name: str, k: int) -> Tamper:
    """Witness ``name`` multiplied by k."""
    return Tamper(f"{name} x{k}", overrides={name: lambda cs, v: v * k})


def setw(name: str, value: Value) -> Tamper:
    return Tamper(f"{name} := chosen", overrides={name: lambda cs, v: value(cs)})


def copy_at(row: str, dst: str, src: str) -> Tamper:
    """At ``row``: witness dst takes src's value (e.g. one side of a comparison equal to the other)."""

    def hook(cs: TamperedCS, a: LCLike, b: LCLike, c: LCLike) -> None:
        cs.set(dst, cs.get(src))

    return Tamper(f"{dst} := {src}", hooks={row: hook})


def half() -> int:
    return pow(2, -1, R)
