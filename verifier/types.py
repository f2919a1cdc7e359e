"""Groth16 proof and verifying key (Groth 2016, §3.2), with points validated on construction.

A ``Proof`` or ``VerifyingKey`` that exists holds only well-formed points: on the
curve, G2 points in the order-r subgroup, normalized to affine (Z = 1) so that
equality is equality of points.
"""

from __future__ import annotations

from dataclasses import dataclass

from verifier.errors import MalformedKeyError, MalformedPointError, MalformedProofError
from verifier.points import G1Point, G2Point, check_g1, check_g2


@dataclass(frozen=True)
class Proof:
    a: G1Point  # [A]_1 = α + Σ a_i u_i(τ) + rδ
    b: G2Point  # [B]_2 = β + Σ a_i v_i(τ) + sδ
    c: G1Point  # [C]_1 = (Σ_priv a_i (β u_i + α v_i + w_i) + h(τ)t(τ)) / δ + sA + rB - rsδ

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "a", check_g1(self.a, "proof.a"))
            object.__setattr__(self, "b", check_g2(self.b, "proof.b"))
            object.__setattr__(self, "c", check_g1(self.c, "proof.c"))
        except MalformedPointError as exc:
            raise MalformedProofError(str(exc)) from exc


@dataclass(frozen=True)
class VerifyingKey:
    alpha_g1: G1Point  # [α]_1
    beta_g2: G2Point  # [β]_2
    gamma_g2: G2Point  # [γ]_2
    delta_g2: G2Point  # [δ]_2
    gamma_abc_g1: tuple[G1Point, ...]  # [(β u_i(τ) + α v_i(τ) + w_i(τ)) / γ]_1, i = 0..ℓ

    def __post_init__(self) -> None:
        if not isinstance(self.gamma_abc_g1, tuple) or not self.gamma_abc_g1:
            raise MalformedKeyError("gamma_abc_g1 must be a non-empty tuple (one point per input plus one)")
        try:
            object.__setattr__(self, "alpha_g1", check_g1(self.alpha_g1, "vk.alpha_g1"))
            for name in ("beta_g2", "gamma_g2", "delta_g2"):
                object.__setattr__(self, name, check_g2(getattr(self, name), f"vk.{name}"))
            ic = tuple(check_g1(p, f"vk.gamma_abc_g1[{i}]") for i, p in enumerate(self.gamma_abc_g1))
            object.__setattr__(self, "gamma_abc_g1", ic)
        except MalformedPointError as exc:
            raise MalformedKeyError(str(exc)) from exc

    @property
    def num_inputs(self) -> int:
        """ℓ: the number of public inputs (the constant one is not counted)."""
        return len(self.gamma_abc_g1) - 1
