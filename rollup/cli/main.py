"""The ``zkdx`` command line: the parser and the one top-level error handler.

Exit status, for every command:
  0    success (for ``verify``: a valid proof)
  1    a well-formed proof that does not verify (``verify``); a chain that disagrees with its replay
       (``verify-chain``)
  2    a typed error: bad arguments, a malformed or hostile file, a rule the input breaks
  3    an unexpected internal error (one line; the traceback only with ``--debug``)
  130  interrupted (Ctrl-C)
Errors print one line on stderr naming the command and the problem.
"""

from __future__ import annotations

import argparse
import sys
import traceback
import warnings
from importlib.metadata import PackageNotFoundError, version

from circuits.errors import CircuitError
from prover.errors import InsecureSetupWarning, ProverError
from rollup.cli import groth16, ledger, monitor, node, rfq
from rollup.errors import RollupError
from verifier.errors import VerifierError

EXIT_OK, EXIT_INVALID, EXIT_ERROR, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
TYPED_ERRORS = (CircuitError, ProverError, VerifierError, RollupError, OSError)
GROUPS = (groth16, ledger, monitor, node, rfq)  # each module: add_parsers(sub)


def _version() -> str:
    try:
        return version("zkdx")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown"


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="zkdx",
        description="zkdx: a zero-knowledge validity rollup for a perpetuals ledger (Groth16 on BN254)",
        epilog="exit status: 0 ok, 1 invalid proof, 2 error in the input, 3 internal error, 130 interrupted",
    )
    ap.add_argument("--version", action="version", version=f"zkdx {_version()}")
    ap.add_argument("--debug", action="store_true", help="print the traceback of an unexpected error")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.add_parsers(sub)
    return ap


def _fail(args: argparse.Namespace, exc: BaseException, code: int) -> int:
    """One line on stderr (the traceback too for an unexpected error under ``--debug``)."""
    kind = "error" if code == EXIT_ERROR else "internal error"
    text = " ".join(str(exc).split()) or type(exc).__name__
    if len(text) > 500:
        text = text[:500] + " …"
    hint = " (run with --debug for the traceback)" if code == EXIT_INTERNAL and not args.debug else ""
    print(f"zkdx {args.command}: {kind}: {type(exc).__name__}: {text}{hint}", file=sys.stderr)
    if code == EXIT_INTERNAL and args.debug:
        traceback.print_exc()
    return code


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    warnings.simplefilter("ignore", InsecureSetupWarning)  # commands print it once, in their own words
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print(f"zkdx {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except TYPED_ERRORS as exc:
        return _fail(args, exc, EXIT_ERROR)
    except Exception as exc:  # the one place that maps the unexpected to exit 3
        return _fail(args, exc, EXIT_INTERNAL)


if __name__ == "__main__":
    sys.exit(main())
