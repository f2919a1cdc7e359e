"""Why a mutant survives: each reason is an argument that no attack exists (or none was found and
why), checked by hand; a survivor without one fails ``make mutate``."""

from __future__ import annotations

from tests.mutation.groups import Mutant

REASONS: dict[tuple[str, str], str] = {}


def reason(m: Mutant) -> str | None:
    return REASONS.get((m.circuit, m.label))
