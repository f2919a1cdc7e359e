"""The EdDSA verifier harness and its forgeries (``eddsa_attacks``)."""

from __future__ import annotations

from circuits.gadgets.eddsa import verify_eddsa_poseidon
from circuits.native import eddsa
from circuits.r1cs import ConstraintSystem
from tests.mutation import eddsa_attacks as ea
from tests.mutation.gadgets import inputs, site, statement
from tests.mutation.tamper import Tamper, TamperedCS

SECRET = b"zkdx mutation harness key"
MSG = 4242


@site("eddsa", "eddsa")
def _verifier(cs: ConstraintSystem, v: dict):
    ax, ay, rx, ry, s, m = inputs(cs, v, "a.x", "a.y", "r8.x", "r8.y", "s", "msg")
    verify_eddsa_poseidon(cs, (ax, ay), (rx, ry), s, m, "eddsa")
    return lambda cs: eddsa.verify(v["msg"], eddsa.Signature((v["r8.x"], v["r8.y"]), v["s"]), (v["a.x"], v["a.y"]))


def honest_signer(msg: int = MSG) -> ea.Signer:
    return ea.Signer(eddsa.public_key(SECRET), eddsa.secret_scalar(SECRET)[0] % ea.L, msg)


def _statement(kind: str) -> tuple[str, Tamper]:
    signer = honest_signer()
    forgery = ea.forge(kind, signer)
    sig = forgery.signature
    name = f"eddsa_forged_{kind}"
    a = signer.key
    statement(name, "eddsa", "eddsa", **{"a.x": a[0], "a.y": a[1], "r8.x": sig.r8[0], "r8.y": sig.r8[1]},
              s=sig.s, msg=MSG)  # fmt: skip
    return name, ea.tamper(lambda: forgery, kind, "eddsa")


def s_pack() -> tuple[str, Tamper]:
    """The claimed S is one more than the valid one its bits spell."""
    signer = honest_signer()
    sig = eddsa.sign(SECRET, MSG)
    statement("eddsa_s_plus_one", "eddsa", "eddsa", **{"a.x": signer.key[0], "a.y": signer.key[1],
              "r8.x": sig.r8[0], "r8.y": sig.r8[1]}, s=sig.s + 1, msg=MSG)  # fmt: skip

    def hook(cs: TamperedCS, a: object, b: object, c: object) -> None:
        for i in range(251):
            cs.set(f"eddsa/s.b{i}", (sig.s >> i) & 1)

    return "eddsa_s_plus_one", Tamper("S's bits spell a valid S", hooks={"eddsa/s.pack": hook})


def attacks() -> list[tuple[str, Tamper]]:
    return [_statement(k) for k in ea.KINDS] + [s_pack()]
