"""The zkdx command line as a new user meets it: wrong arguments, hostile files and
interrupts give one line on stderr and the documented exit status (0 ok, 1 invalid
proof, 2 typed error, 3 unexpected, 130 Ctrl-C), never a traceback unless --debug."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from circuits.examples import CubicCircuit, synthesize
from circuits.iden3 import encode_r1cs, encode_wtns
from circuits.ledger.params import LedgerParams
from circuits.ledger.state import header, public_input
from prover.errors import ConfigError
from prover.parallel import default_workers
from rollup.cli import files, groth16
from rollup.cli.errors import UsageError
from rollup.cli.ledger import batch_record
from rollup.cli.main import main
from rollup.ledger.batch import process_batch
from rollup.ledger.demo import demo_batch
from verifier.formats import proof_to_json, public_to_json, vk_to_json

ZKDX = Path(sys.executable).parent / "zkdx"
CUBIC = synthesize(CubicCircuit(3))


def run(*argv):
    return main([str(a) for a in argv])


def one_error_line(capsys, *expected):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0], err
    for text in expected:
        assert text in err[0], err[0]
    return err[0]


@pytest.fixture
def cubic_files(tmp_path, cubic_key, cubic_proof):
    """vk, proof and public JSON for the cubic circuit, plus its .r1cs and .wtns."""
    paths = {n: tmp_path / f for n, f in [("vk", "vk.json"), ("proof", "p.json"), ("public", "pub.json"),
                                          ("r1cs", "c.r1cs"), ("wtns", "c.wtns")]}  # fmt: skip
    paths["vk"].write_text(json.dumps(vk_to_json(cubic_key[1].vk)))
    paths["proof"].write_text(json.dumps(proof_to_json(cubic_proof[0])))
    paths["public"].write_text(json.dumps(public_to_json(cubic_proof[1])))
    paths["r1cs"].write_bytes(encode_r1cs(CUBIC.to_matrices()))
    paths["wtns"].write_bytes(encode_wtns(CUBIC.assignment()))
    return paths


# arguments -----------------------------------------------------------------------
def test_size_is_an_error_off_square_chain(tmp_path, capsys):
    assert run("setup", "--circuit", "cubic", "--size", 3, "--pk", tmp_path / "a", "--vk", tmp_path / "b") == 2
    one_error_line(capsys, "--size applies to square-chain only")
    assert run("export", "--circuit", "square-chain", "--size", 0, "--out-r1cs", tmp_path / "c") == 2
    one_error_line(capsys, "--size must be between 1")
    assert run("export", "--r1cs", tmp_path / "x.r1cs", "--size", 4, "--out-r1cs", tmp_path / "c") == 2
    one_error_line(capsys, "not to an --r1cs file")


def test_circuit_and_r1cs_are_exclusive(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        run("setup", "--circuit", "cubic", "--r1cs", tmp_path / "x", "--pk", tmp_path / "a", "--vk", tmp_path / "b")
    assert info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # one of them is required
        run("setup", "--pk", tmp_path / "a", "--vk", tmp_path / "b")


@pytest.mark.parametrize("value", ["abc", "0", "-2", " ", "1.5", "9" * 5000, "٣"])
def test_bad_worker_count_is_a_typed_error(monkeypatch, tmp_path, capsys, value):
    monkeypatch.setenv("ZKDX_WORKERS", value)
    if not value.strip():
        assert default_workers() >= 1  # blank counts as unset
        return
    with pytest.raises(ConfigError, match="ZKDX_WORKERS"):
        default_workers()
    assert run("setup", "--circuit", "cubic", "--pk", tmp_path / "a", "--vk", tmp_path / "b") == 2
    line = one_error_line(capsys, "ConfigError", "ZKDX_WORKERS")
    assert len(line) < 300


def test_good_worker_count(monkeypatch):
    monkeypatch.setenv("ZKDX_WORKERS", "3")
    assert default_workers() == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"x": true}', "True is not an integer"),
        ('{"x": 1.0}', "1.0 is not an integer"),
        ('{"x": -1}', "not in [0, r)"),
        ("{}", "cubic takes the inputs x (missing 'x')"),
        ('{"x": 3, "y": 4}', "cubic takes the inputs x (unknown 'y')"),
        ('{"length": 3}', "missing 'x'; unknown 'length'"),
        ("[3]", "must be a JSON object"),
        ('{"x": ' * 100_000, "deeper than"),
        ('{"x": "' + "9" * 5000 + '"}', "(5002 chars) is not an integer"),
        ('{"x": ' + "9" * 5000 + "}", "more than 4300 digits"),
    ],
)
def test_bad_inputs_name_what_is_expected(tmp_path, capsys, text, expected):
    out = [tmp_path / "p.json", tmp_path / "pub.json"]
    assert run("prove", "--circuit", "cubic", "--pk", tmp_path / "none.pk", "--input", text,
               "--proof", out[0], "--public", out[1]) == 2  # fmt: skip
    line = one_error_line(capsys, "UsageError", expected)
    assert len(line) < 300 and "TypeError" not in line
    assert not any(p.exists() for p in out)


def test_inputs_as_decimal_strings_like_snarkjs():
    assert groth16._inputs('{"x": "3"}') == {"x": 3}


def test_input_file_that_is_not_utf8_or_a_device(tmp_path, capsys):
    bad = tmp_path / "in.json"
    bad.write_bytes(b'{"x": "\xff"}')
    for source in (bad, "/dev/zero", tmp_path / "missing.json"):
        assert run("prove", "--circuit", "cubic", "--pk", tmp_path / "k", "--input", f"@{source}",
                   "--proof", tmp_path / "p", "--public", tmp_path / "q") == 2  # fmt: skip
        one_error_line(capsys, "UsageError")


def test_wtns_with_circuit_and_input_with_r1cs_are_errors(tmp_path, capsys, cubic_files):
    f = cubic_files
    assert run("prove", "--circuit", "cubic", "--wtns", f["wtns"], "--input", '{"x": 3}', "--pk", tmp_path / "k",
               "--proof", tmp_path / "p", "--public", tmp_path / "q") == 2  # fmt: skip
    one_error_line(capsys, "--wtns goes with --r1cs")
    assert run("prove", "--r1cs", f["r1cs"], "--wtns", f["wtns"], "--input", "{}", "--pk", tmp_path / "k",
               "--proof", tmp_path / "p", "--public", tmp_path / "q") == 2  # fmt: skip
    one_error_line(capsys, "--input goes with --circuit")


# export ----------------------------------------------------------------------------
def test_export_refuses_an_unsatisfying_witness(tmp_path, capsys, cubic_files):
    data = bytearray(cubic_files["wtns"].read_bytes())
    data[-32] ^= 1  # the last value (cube) changes, still below r
    cubic_files["wtns"].write_bytes(bytes(data))
    out = tmp_path / "out.wtns"
    assert run("export", "--r1cs", cubic_files["r1cs"], "--wtns", cubic_files["wtns"], "--out-wtns", out) == 2
    one_error_line(capsys, "UnsatisfiedConstraint", "constraint #1")  # sq * x = cube
    assert not out.exists()


def test_export_r1cs_alone_needs_no_input(tmp_path, capsys, cubic_files):
    out = tmp_path / "only.r1cs"
    assert run("export", "--circuit", "cubic", "--out-r1cs", out) == 0
    assert out.read_bytes() == cubic_files["r1cs"].read_bytes()
    assert run("export", "--circuit", "cubic", "--out-r1cs", out, "--input", '{"x": 3}') == 2
    one_error_line(capsys, "would be ignored")
    assert run("export", "--circuit", "cubic") == 2
    one_error_line(capsys, "--out-r1cs")
    with pytest.raises(SystemExit):
        run("export", "--help")
    assert "export-verifier" in capsys.readouterr().out


def test_export_witness_round_trip(tmp_path, cubic_files):
    r1cs, wtns = tmp_path / "c.r1cs", tmp_path / "c.wtns"
    assert run("export", "--circuit", "cubic", "--input", '{"x": 3}', "--out-r1cs", r1cs, "--out-wtns", wtns) == 0
    assert wtns.read_bytes() == cubic_files["wtns"].read_bytes()


# setup outputs -----------------------------------------------------------------------
def test_setup_checks_its_outputs_before_the_long_work(tmp_path, capsys, monkeypatch):
    import prover.setup  # the command imports setup when it runs (a quick `zkdx --help`)

    monkeypatch.setattr(prover.setup, "setup", lambda *a, **k: pytest.fail("setup ran before the output check"))
    vk = tmp_path / "vk.json"
    for pk, text in [(tmp_path / "missing" / "a.pk", "does not exist"), (tmp_path, "is a directory"), (vk, "differ")]:
        assert run("setup", "--circuit", "cubic", "--pk", pk, "--vk", vk) == 2
        one_error_line(capsys, text)


def test_write_atomic_leaves_the_old_file_or_the_new_one(tmp_path, monkeypatch):
    target = tmp_path / "k.pk"
    files.write_atomic(target, b"old")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", broken_replace)
    with pytest.raises(OSError):
        files.write_atomic(target, b"new")
    assert target.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["k.pk"]
    monkeypatch.undo()
    files.write_atomic(target, "new")
    assert target.read_text() == "new" and target.stat().st_mode & 0o777 != 0o600


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any directory")
def test_unwritable_output_directory(tmp_path):
    os.chmod(tmp_path, 0o500)
    try:
        with pytest.raises(UsageError, match="not writable"):
            files.check_outputs(tmp_path / "k.pk")
    finally:
        os.chmod(tmp_path, 0o700)


def test_cli_setup_prints_the_warning_once(tmp_path, capsys):
    assert run("setup", "--circuit", "cubic", "--pk", tmp_path / "a.pk", "--vk", tmp_path / "vk.json") == 0
    assert capsys.readouterr().err.count("INSECURE") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pk", "vk.json"]  # no temporary files left


# verify and export-verifier ------------------------------------------------------------
def test_verify_exit_codes_and_messages(tmp_path, capsys, cubic_files):
    f = cubic_files
    assert run("verify", "--vk", f["vk"], "--proof", f["proof"], "--public", f["public"]) == 0
    f["public"].write_text('["36"]')
    assert run("verify", "--vk", f["vk"], "--proof", f["proof"], "--public", f["public"]) == 1
    capsys.readouterr()
    f["vk"].write_bytes(os.urandom(64) + b"\xff")
    assert run("verify", "--vk", f["vk"], "--proof", f["proof"], "--public", f["public"]) == 2
    one_error_line(capsys, "MalformedKeyError", str(f["vk"]), "not UTF-8")


def test_export_verifier_on_binary_or_non_json(tmp_path, capsys, cubic_files):
    for content in (os.urandom(200) + b"\xff", b"not json", b"[" * 100_000):
        cubic_files["vk"].write_bytes(content)
        assert run("export-verifier", "--vk", cubic_files["vk"], "--out", tmp_path / "v") == 2
        one_error_line(capsys, "MalformedKeyError", str(cubic_files["vk"]))


def test_export_verifier_without_node_writes_the_sol(tmp_path, capsys, cubic_files, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    out = tmp_path / "v"
    assert run("export-verifier", "--vk", cubic_files["vk"], "--out", out) == 2
    one_error_line(capsys, "SolcMissing", "npm ci", "Groth16Verifier.sol")
    assert (out / "Groth16Verifier.sol").exists() and not (out / "Groth16Verifier.json").exists()
    assert run("export-verifier", "--vk", cubic_files["vk"], "--out", tmp_path / "w", "--no-artifact") == 0
    monkeypatch.undo()
    from rollup.l1 import solc

    monkeypatch.setattr(solc, "SOLCJS", tmp_path / "no-solcjs")
    assert run("export-verifier", "--vk", cubic_files["vk"], "--out", out) == 2
    one_error_line(capsys, "SolcMissing", "npm ci")


@pytest.mark.interop
def test_export_verifier_compiles_with_the_pinned_solc(tmp_path, cubic_files):
    assert run("export-verifier", "--vk", cubic_files["vk"], "--out", tmp_path) == 0
    artifact = json.loads((tmp_path / "Groth16Verifier.json").read_text())
    assert artifact["abi"] and artifact["bytecode"]


# the top-level handler -------------------------------------------------------------------
def test_unexpected_error_is_exit_3_with_traceback_only_under_debug(cubic_files, capsys, monkeypatch):
    def boom(*args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(groth16, "verify_proof", boom)
    f = cubic_files
    assert run("verify", "--vk", f["vk"], "--proof", f["proof"], "--public", f["public"]) == 3
    one_error_line(capsys, "internal error: ZeroDivisionError", "--debug")
    assert run("--debug", "verify", "--vk", f["vk"], "--proof", f["proof"], "--public", f["public"]) == 3
    assert "Traceback" in capsys.readouterr().err


def test_keyboard_interrupt_is_exit_130(cubic_files, capsys, monkeypatch):
    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(groth16, "verify_proof", interrupted)
    f = cubic_files
    assert run("verify", "--vk", f["vk"], "--proof", f["proof"], "--public", f["public"]) == 130
    one_error_line(capsys, "interrupted")


# real processes ----------------------------------------------------------------------------
def _zkdx(*argv, timeout=120):
    return subprocess.run([str(ZKDX), *map(str, argv)], capture_output=True, text=True, timeout=timeout)


def test_subprocess_typed_error_is_exit_2_in_one_line(tmp_path):
    hostile = tmp_path / "h.r1cs"
    hostile.write_bytes(encode_r1cs(CUBIC.to_matrices())[:60] + b"\xff" * 40)
    done = _zkdx("setup", "--r1cs", hostile, "--pk", tmp_path / "a.pk", "--vk", tmp_path / "vk.json")
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and "FileFormatError" in done.stderr
    assert "INSECURE" not in done.stderr  # refused before the setup started


def test_subprocess_unexpected_error_is_exit_3(tmp_path, cubic_files):
    f = cubic_files
    code = (
        "import sys; from rollup.cli import groth16; from rollup.cli.main import main\n"
        "groth16.verify_proof = lambda *a: {}['missing']\n"
        "sys.exit(main(sys.argv[1:]))"
    )
    argv = [sys.executable, "-c", code, "verify", "--vk", f["vk"], "--proof", f["proof"], "--public", f["public"]]
    done = subprocess.run(list(map(str, argv)), capture_output=True, text=True, timeout=120)
    assert done.returncode == 3
    assert done.stderr.strip().splitlines() == [
        "zkdx verify: internal error: KeyError: 'missing' (run with --debug for the traceback)"
    ]


def _wait_for_workers(pid: int, seconds: float = 60) -> None:
    """Until the process runs parallel work: a worker process or numba's worker threads."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    deadline = time.monotonic() + seconds
    while not (children.read_text().split() or len(list(Path(f"/proc/{pid}/task").iterdir())) > 2):
        assert time.monotonic() < deadline, "setup never started parallel work"
        time.sleep(0.05)


@pytest.mark.timeout(120)
def test_ctrl_c_during_setup_exits_130_cleanly(tmp_path):
    """SIGINT to the whole process group (as a terminal's Ctrl-C) while setup runs on 2 workers."""
    pk = tmp_path / "big.pk"
    env = {**os.environ, "ZKDX_WORKERS": "2"}
    proc = subprocess.Popen(
        [str(ZKDX), "setup", "--circuit", "square-chain", "--size", "30000", "--pk", str(pk), "--vk",
         str(tmp_path / "vk.json")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        first = proc.stderr.readline()  # the INSECURE warning: the setup has started
        assert "INSECURE" in first
        _wait_for_workers(proc.pid)  # the fixed-base multiplications run in parallel
        os.killpg(proc.pid, signal.SIGINT)
        out, rest = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, rest
    assert rest.strip().splitlines() == ["zkdx setup: interrupted"]
    assert not pk.exists() and not list(tmp_path.glob(".big.pk.*"))


# ledger-demo -----------------------------------------------------------------------------
def test_batch_json_lets_public_json_be_recomputed():
    params = LedgerParams(depth=2, batch_size=4)
    res = process_batch(*demo_batch(params))
    rec = json.loads(json.dumps(batch_record(params, res)))
    head = header(*(int(rec[k]) for k in ("old_root", "new_root", "queue_before", "queue_after")))
    assert str(head) == rec["header"]
    assert str(public_input(head, bytes.fromhex(rec["data"]))) == rec["public_input"] == str(res.public_input)
    assert rec["queue_before"] != rec["queue_after"]  # the demo consumes two deposits


@pytest.mark.slow
def test_ledger_demo_files_check_out(tmp_path):
    done = _zkdx("ledger-demo", "--depth", 2, "--batch", 2, "--out", tmp_path, timeout=None)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("INSECURE") == 1
    rec = json.loads((tmp_path / "batch.json").read_text())
    assert bytes.fromhex(rec["data"]) == (tmp_path / "batch.bin").read_bytes()
    head = header(*(int(rec[k]) for k in ("old_root", "new_root", "queue_before", "queue_after")))
    assert json.loads((tmp_path / "public.json").read_text()) == [str(public_input(head, bytes.fromhex(rec["data"])))]
    assert _zkdx("verify", "--vk", tmp_path / "vk.json", "--proof", tmp_path / "proof.json",
                 "--public", tmp_path / "public.json").returncode == 0  # fmt: skip
