import os
import warnings

import pytest
from hypothesis import HealthCheck, settings

from circuits.examples import CubicCircuit, synthesize
from circuits.r1cs import Mode
from prover.setup import InsecureSetupWarning, setup

settings.register_profile(
    "zkdx",
    deadline=None,
    max_examples=int(os.environ.get("ZKDX_HYPOTHESIS_EXAMPLES", "25")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile("zkdx")


def dev_setup(matrices, **kw):
    """Dev-trapdoor setup without the warning noise (the warning has its own test)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureSetupWarning)
        return setup(matrices, quiet=True, **kw)


@pytest.fixture(scope="session")
def cubic_key():
    m = synthesize(CubicCircuit(), Mode.SETUP).to_matrices()
    return m, dev_setup(m, workers=1)


@pytest.fixture(scope="session")
def cubic_proof(cubic_key):
    from prover.prove import create_proof

    m, pk = cubic_key
    cs = synthesize(CubicCircuit(3))
    return create_proof(pk, cs.to_matrices(), cs.assignment(), workers=1), cs.public_inputs()
