"""The notebooks' schema readers and models (notebooks/_results.py, _analysis.py): plain Python, no extra."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "notebooks"))

from _analysis import LinearCost, ModelError, fit_linear, loglog_slope
from _results import (
    SchemaError,
    batch_proofs,
    batch_totals,
    gas_batches,
    node_ack,
    node_notes,
    node_timelines,
    prover_sizes,
    trade_breakdowns,
)

GMPY2_SCHEMA = {  # benchmarks/prove.py before the numba prover: phases inside "zkdx"
    "sizes": {
        "2^12": {
            "constraints": 3872,
            "zkdx": {
                "wall": 2.0,
                "rss_mib": 43,
                "load": 0.1,
                "check": 0.05,
                "witness_map": 0.3,
                "msm_a": 0.4,
                "msm_l": 0.2,
                "pool_wall": 1.5,
                "assemble": 0.01,
                "total_in_process": 1.8,
            },  # fmt: skip
            "snarkjs": {"wall": 1.5, "rss_mib": 173},
            "runs": {"zkdx": [{"wall": 2.0}, {"wall": 2.2}], "snarkjs": [{"wall": 1.5}, {"wall": 1.4}]},
        },
        "2^10": {"constraints": 968, "zkdx": {"wall": 0.8, "rss_mib": 30}, "snarkjs": {"wall": 0.8, "rss_mib": 140}},
    }
}
NUMBA_SCHEMA = {  # the numba prover's: a separate zkdx_phases process and CPU seconds
    "sizes": {
        "2^14": {
            "constraints": 16214,
            "zkdx": {"wall": 12.0, "cpu": 10.0, "rss_mib": 178},
            "zkdx_phases": {
                "wall": 11.0,
                "cpu": 9.0,
                "rss_mib": 178,
                "import": 2.9,
                "read_files": 1.9,
                "msm_c": 0.9,
                "witness_map": 0.2,
                "total_in_process": 8.5,
            },  # fmt: skip
            "snarkjs": {"wall": 23.0, "cpu": 30.0, "rss_mib": 209},
        }
    }
}


def test_prover_rows_read_both_schemas_and_keep_only_phases_in_pipeline_order():
    small, big = prover_sizes(GMPY2_SCHEMA)
    assert (small.constraints, big.constraints) == (968, 3872)
    assert list(big.phases) == ["load", "check", "witness_map", "msm_a", "msm_l", "assemble"]
    assert big.wall_runs == {"zkdx": [2.0, 2.2], "snarkjs": [1.5, 1.4]} and big.cpu == {}
    (row,) = prover_sizes(NUMBA_SCHEMA)
    assert list(row.phases) == ["import", "read_files", "witness_map", "msm_c"]
    assert row.cpu == {"zkdx": 10.0, "snarkjs": 30.0} and row.wall["zkdx"] == 12.0


def test_a_results_file_without_what_a_figure_needs_is_a_schema_error():
    with pytest.raises(SchemaError, match="'sizes'"):
        prover_sizes({"machine": {}})
    with pytest.raises(SchemaError, match="'wall'"):
        prover_sizes({"sizes": {"2^10": {"constraints": 1, "zkdx": {}, "snarkjs": {"wall": 1}}}})


def test_a_trade_is_its_slot_plus_its_record_share_of_a_sha256_block():
    data = {"ledger": {"sha256_block": 26_416, "slot": {"2^20_accounts": {"sig": 10, "slot total": 10},
                                                        "2^16_accounts": {"sig": 7, "slot total": 7}}}}  # fmt: skip
    rows = trade_breakdowns(data, record_bytes=20)
    assert [r.log_accounts for r in rows] == [16, 20]
    assert rows[0].components == {"sig": 7, "data binding (SHA-256 of the 20-byte record)": 8255}
    assert rows[0].total == 7 + 8255


def test_batch_proofs_order_the_witness_first_and_keep_the_one_off_costs_apart():
    phases = {"msm_c": 2.0, "witness": 6.0, "witness_map": 1.0, "mystery": 1.0}
    entry = {"accounts": 65536, "batch_size": 4, "constraints": 140_698, "prove_s": 10.0, "compile_once_s": 3.0,
             "setup_s": 4.0, "prove_phases_s": phases}  # fmt: skip
    small = dict(entry, constraints=9, prove_phases_s={"witness": 1.0})
    del small["compile_once_s"]
    rows = batch_proofs({"d8-n4-m2": entry, "d2-n1-m2": small, "note": "not a batch"})
    assert [r.label for r in rows] == ["d2-n1-m2", "d8-n4-m2"]
    assert list(rows[1].phases) == ["witness", "witness_map", "msm_c", "mystery"]
    assert rows[1].one_off == {"compile": 3.0, "setup": 4.0} and rows[0].one_off == {"setup": 4.0}
    with pytest.raises(SchemaError, match="no entry with prove_phases_s"):
        batch_proofs({"d8-n4-m2": {"prove_s": 1.0}})


def test_batch_totals_ignore_the_derived_per_transaction_keys():
    data = {"ledger": {"batches": {"2^16_accounts": {"batch_16": 5, "batch_1": 1, "batch_1_per_tx": 1}}}}
    assert batch_totals(data) == {16: {1: 1, 16: 5}}


def test_gas_rows_must_add_up_to_the_receipt():
    entry = {"submit_batch_of_trades": {"total": 10, "verification": 6, "calldata": 4}, "register": 3}
    (row,) = gas_batches({"depth8_batch4": entry, "note": "ignored"})
    assert (row.depth, row.size, row.operations) == (8, 4, {"register": 3})
    entry["submit_batch_of_trades"]["total"] = 11
    with pytest.raises(SchemaError, match="do not add up"):
        gas_batches({"depth8_batch4": entry})


def test_node_rows_skip_notes_and_order_each_batch_from_the_first_trade():
    timed = {"tx_count": 4, "seal_to_proved_s": 60.0, "proved_to_accepted_s": 2.0, "seal_to_accepted_s": 62.0,
             "first_trade_to_accepted_s": 65.0}  # fmt: skip
    data = {"batches": {"16": "not run", "4": timed},
            "ack": {"sequential": {"n": 2, "p50_ms": 1, "p99_ms": 2, "trades_per_s": 3, "latencies_ms": [1, 2]},
                    "concurrent": {"clients": 16, "n": 2, "p50_ms": 5, "p99_ms": 9, "trades_per_s": 4}}}  # fmt: skip
    (row,) = node_timelines(data)
    assert list(row.segments.values()) == [3.0, 60.0, 2.0] and row.total_s == 65.0
    assert node_notes(data) == ["batch of 16: not run"]
    seq, conc = node_ack(data)
    assert seq.latencies_ms == [1, 2] and conc.latencies_ms is None and conc.name == "concurrent (16 clients)"


def test_linear_fit_and_break_even_by_hand():
    model = fit_linear([(1, 334_585), (4, 337_240), (16, 347_860)])
    assert model.per_item == pytest.approx(885, abs=1) and model.fixed == pytest.approx(333_700, abs=3)
    exact = LinearCost(333_700, 885)
    assert exact.break_even(20_000) == 18  # 333,700 / 19,115 = 17.46
    assert exact.per_unit(17) > 20_000 >= exact.per_unit(18)
    assert exact.break_even(885) is None and exact.break_even(400_000) == 1
    with pytest.raises(ModelError):
        fit_linear([(4, 1), (4, 2)])


@given(fixed=st.floats(1, 1e7), per_item=st.floats(1, 1e5), over=st.floats(1e-3, 1e6, allow_nan=False))
def test_break_even_is_the_smallest_batch_at_or_under_the_target(fixed, per_item, over):
    model, target = LinearCost(fixed, per_item), per_item + over
    n = model.break_even(target)
    assert model.per_unit(n) <= target
    assert n == 1 or model.per_unit(n - 1) > target


def test_loglog_slope_recovers_a_power_law():
    xs = [2**k for k in range(10, 17)]
    assert loglog_slope(xs, [3 * x**1.5 for x in xs]) == pytest.approx(1.5)
    assert math.isclose(loglog_slope([1, 10], [5, 5]), 0.0, abs_tol=1e-12)
