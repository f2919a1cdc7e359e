"""``zkdx ca ...`` (the operator's CA), ``zkdx rfq ...`` (traders) and ``zkdx gateway``.

Passphrases never come from the command line: the CA key's from $ZKDX_CA_PASSPHRASE or
--passphrase-file, a trader's L2 keystore's from $ZKDX_L2_PASSPHRASE or --l2-passphrase-file.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rollup.cli.errors import UsageError
from rollup.rfq.names import ALGORITHMS, REASONS, ROLES

FMT = argparse.ArgumentDefaultsHelpFormatter
MAX_QUOTE_FILE = 1 << 16  # a quote message is ~1 KiB


def _ca(args: argparse.Namespace) -> object:
    from rollup import keystore  # cryptography and asyncio load in the commands, not for every `zkdx`
    from rollup.rfq.pki import CertificateAuthority

    return CertificateAuthority.open(args.dir, keystore.passphrase_from(args.passphrase_env, args.passphrase_file))


def _registry(args: argparse.Namespace) -> object:
    from rollup.rfq.registry import L1KeyRegistry, NodeKeyRegistry

    if args.node:
        return NodeKeyRegistry(args.node)
    if args.l1 and args.rollup:
        from rollup.l1.client import ZERO, Deployment, L1Client, connect

        return L1KeyRegistry(L1Client(connect(args.l1), Deployment(args.rollup, ZERO, ZERO)))
    raise UsageError("say where the registered L2 keys are: --node URL, or --l1 URL with --rollup ADDRESS")


def _write(path: str, data: bytes, mode: int = 0o644) -> None:
    from rollup.rfq.pki import write_atomic

    write_atomic(Path(path), data, mode)
    print(f"wrote {path}")


# ---- zkdx ca ---------------------------------------------------------------------------
def cmd_ca_init(args: argparse.Namespace) -> int:
    from rollup import keystore
    from rollup.rfq.pki import CertificateAuthority

    passphrase = keystore.passphrase_from(args.passphrase_env, args.passphrase_file)
    ca = CertificateAuthority.init(args.dir, passphrase, args.algorithm, args.days, args.name)
    print(f"CA {ca.cert.subject.rfc4514_string()} ({args.algorithm}) in {args.dir}; CRL written")
    return 0


def cmd_ca_server_cert(args: argparse.Namespace) -> int:
    cert = _ca(args).server_cert(args.host, args.days, args.algorithm)
    print(f"server certificate {cert.serial_number:x} for {', '.join(args.host)} in {args.dir}")
    return 0


def cmd_ca_approve(args: argparse.Namespace) -> int:
    from rollup.rfq.onboarding import MAX_CSR, approve
    from rollup.rfq.pki import cert_pem
    from verifier import jsonsafe

    csr = jsonsafe.read_file(args.csr, UsageError, MAX_CSR)  # bounded: a FIFO or /dev/zero is refused
    cert = approve(_ca(args), csr, args.days, _registry(args))
    _write(args.out, cert_pem(cert))
    print(f"issued {cert.serial_number:x} to {cert.subject.rfc4514_string()} until {cert.not_valid_after_utc}")
    return 0


def cmd_ca_renew(args: argparse.Namespace) -> int:
    from rollup.rfq.pki import cert_pem

    cert = _ca(args).renew(args.serial, args.days)
    _write(args.out, cert_pem(cert))
    print(f"renewed as {cert.serial_number:x} until {cert.not_valid_after_utc}")
    return 0


def cmd_ca_list(args: argparse.Namespace) -> int:
    from rollup.rfq.pki import CertificateAuthority

    entries = CertificateAuthority.reader(args.dir).list()
    if args.json:
        print(json.dumps(entries, indent=1))
        return 0
    for e in entries:
        ident = e["identity"]
        print(
            f"{e['serial']:<42} {e['status']:<8} {ident['role']:<6} account {ident['account']:<6} "
            f"{e['subject']}  until {e['not_after']}"
        )
    return 0


def cmd_ca_revoke(args: argparse.Namespace) -> int:
    crl = _ca(args).revoke(args.serial, args.reason)
    print(f"revoked {args.serial} ({args.reason}); CRL {crl.extensions[0].value.crl_number} lists {len(list(crl))}")
    return 0


def cmd_ca_crl(args: argparse.Namespace) -> int:
    crl = _ca(args).write_crl()
    print(f"CRL re-signed, next update {crl.next_update_utc}")
    return 0


# ---- zkdx rfq --------------------------------------------------------------------------
def _l2_key(args: argparse.Namespace) -> bytes:
    from rollup import keystore

    passphrase = keystore.passphrase_from(args.l2_passphrase_env, args.l2_passphrase_file)
    return keystore.load(args.l2_key, passphrase, "babyjubjub")


def cmd_rfq_csr(args: argparse.Namespace) -> int:
    from circuits.native import eddsa
    from rollup.rfq.identity import Identity
    from rollup.rfq.onboarding import make_csr
    from rollup.rfq.pki import key_pem

    secret = _l2_key(args)
    identity = Identity(args.firm, args.trader, args.role, args.account, eddsa.public_key(secret))
    key, csr = make_csr(identity, secret, args.algorithm)
    _write(f"{args.out}.key.pem", key_pem(key), 0o600)
    _write(f"{args.out}.csr.pem", csr)
    return 0


def _client(args: argparse.Namespace, sign: bool = True) -> object:
    from rollup.rfq.client import RfqClient

    return RfqClient.from_files(args.url, args.ca, args.cert, args.key, _l2_key(args) if sign else None)


async def _with(client: object, body: object) -> int:
    async with client:
        return await body(client)


def _run(client: object, body: object) -> int:
    import asyncio

    return asyncio.run(_with(client, body))


def cmd_rfq_request(args: argparse.Namespace) -> int:
    from rollup.rfq import trader

    body = lambda c: trader.request(c, args.market, args.side, args.size, args.expiry_in, args.wait, args.accept)  # noqa: E731
    return _run(_client(args, sign=args.accept), body)


def cmd_rfq_quote(args: argparse.Namespace) -> int:
    from rollup.rfq import trader

    body = lambda c: trader.quote(c, args.price, args.expiry_in, args.count, args.wait, args.rfq, args.market)  # noqa: E731
    return _run(_client(args), body)


def cmd_rfq_accept(args: argparse.Namespace) -> int:
    from rollup.rfq import trader
    from verifier import jsonsafe

    raw = jsonsafe.read_file(args.quote, UsageError, MAX_QUOTE_FILE)  # bounded, like the CSR
    quote = jsonsafe.loads(raw, UsageError, max_bytes=MAX_QUOTE_FILE, max_depth=8)
    if not isinstance(quote, dict) or quote.get("type") != "quote":
        raise UsageError(f"{args.quote}: not a quote as printed by `zkdx rfq request`")
    return _run(_client(args), lambda c: trader.accept(c, quote))


# ---- zkdx gateway ------------------------------------------------------------------------
def cmd_gateway(args: argparse.Namespace) -> int:
    from rollup.rfq.serve import run_gateway

    return run_gateway(args)


# ---- parsers ------------------------------------------------------------------------------
def _passphrase(p: argparse.ArgumentParser) -> None:
    p.add_argument("--passphrase-env", default="ZKDX_CA_PASSPHRASE", help="environment variable with the CA passphrase")
    p.add_argument("--passphrase-file", help="file whose first line is the CA passphrase")


def _dir(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dir", required=True, help="CA directory")


def _ca_parsers(sub: argparse._SubParsersAction) -> None:
    ca = sub.add_parser("ca", help="the operator's private CA for the RFQ gateway", formatter_class=FMT)
    casub = ca.add_subparsers(dest="ca_command", required=True, metavar="CA_COMMAND")
    p = casub.add_parser("init", help="create the CA (encrypted key, certificate, empty CRL)", formatter_class=FMT)
    _dir(p), _passphrase(p)
    p.add_argument("--algorithm", choices=ALGORITHMS, default="ed25519", help="CA key type")
    p.add_argument("--days", type=int, default=3650, help="CA certificate validity")
    p.add_argument("--name", default="zkdx operator CA", help="CA common name")
    p.set_defaults(func=cmd_ca_init)
    p = casub.add_parser("server-cert", help="the gateway's TLS key and certificate", formatter_class=FMT)
    _dir(p), _passphrase(p)
    p.add_argument("--host", action="append", required=True, help="DNS name or IP address (repeat)")
    p.add_argument("--days", type=int, default=365, help="validity")
    p.add_argument("--algorithm", choices=ALGORITHMS, default="ed25519", help="server key type")
    p.set_defaults(func=cmd_ca_server_cert)
    p = casub.add_parser("approve", help="check a trader's CSR and issue its certificate", formatter_class=FMT)
    p.add_argument("csr", help="CSR file (from `zkdx rfq csr`)")
    _dir(p), _passphrase(p)
    p.add_argument("--days", type=int, required=True, help="validity")
    p.add_argument("--out", required=True, help="certificate file to write")
    p.add_argument("--node", help="operator node URL (GET /v1/accounts/N) for the registered L2 key")
    p.add_argument("--l1", help="L1 JSON-RPC URL (with --rollup) for the registered L2 key")
    p.add_argument("--rollup", help="Rollup contract address on L1")
    p.set_defaults(func=cmd_ca_approve)
    p = casub.add_parser("renew", help="re-issue a valid certificate: same key, same identity", formatter_class=FMT)
    p.add_argument("serial", help="serial (hex) of the certificate to renew")
    _dir(p), _passphrase(p)
    p.add_argument("--days", type=int, required=True, help="validity")
    p.add_argument("--out", required=True, help="certificate file to write")
    p.set_defaults(func=cmd_ca_renew)
    p = casub.add_parser("list", help="issued certificates and their status", formatter_class=FMT)
    _dir(p)
    p.add_argument("--json", action="store_true", help="JSON output")
    p.set_defaults(func=cmd_ca_list)
    p = casub.add_parser("revoke", help="revoke a certificate and write a new CRL", formatter_class=FMT)
    p.add_argument("serial", help="serial (hex)")
    _dir(p), _passphrase(p)
    p.add_argument("--reason", choices=REASONS, default="unspecified", help="CRL reason code")
    p.set_defaults(func=cmd_ca_revoke)
    p = casub.add_parser("crl", help="re-sign the CRL (before its nextUpdate)", formatter_class=FMT)
    _dir(p), _passphrase(p)
    p.set_defaults(func=cmd_ca_crl)


def _connection(p: argparse.ArgumentParser) -> None:
    p.add_argument("--url", required=True, help="gateway WebSocket URL, wss://HOST:PORT/v1/ws")
    p.add_argument("--ca", required=True, help="the operator's CA certificate (verifies the gateway)")
    p.add_argument("--cert", required=True, help="your client certificate")
    p.add_argument("--key", required=True, help="your TLS key")
    _l2(p)


def _l2(p: argparse.ArgumentParser) -> None:
    p.add_argument("--l2-key", help="your Baby Jubjub keystore (zkdx keystore, kind babyjubjub)")
    p.add_argument("--l2-passphrase-env", default="ZKDX_L2_PASSPHRASE", help="environment variable with its passphrase")
    p.add_argument("--l2-passphrase-file", help="file whose first line is its passphrase")


def _rfq_parsers(sub: argparse._SubParsersAction) -> None:
    rfq = sub.add_parser("rfq", help="trader side of the RFQ gateway", formatter_class=FMT)
    rsub = rfq.add_subparsers(dest="rfq_command", required=True, metavar="RFQ_COMMAND")
    p = rsub.add_parser("csr", help="TLS key and CSR binding your L2 account key", formatter_class=FMT)
    for name in ("firm", "trader"):
        p.add_argument(f"--{name}", required=True, help=f"{name} name")
    p.add_argument("--role", choices=ROLES, required=True, help="taker (sends RFQs) or maker (quotes)")
    p.add_argument("--account", type=int, required=True, help="L2 account index")
    _l2(p)
    p.add_argument("--algorithm", choices=("ed25519", "p256"), default="ed25519", help="TLS key type")
    p.add_argument("--out", required=True, help="prefix: writes PREFIX.key.pem (0600) and PREFIX.csr.pem")
    p.set_defaults(func=cmd_rfq_csr)
    p = rsub.add_parser("request", help="taker: send an RFQ, print quotes, accept the best", formatter_class=FMT)
    _connection(p)
    p.add_argument("--market", type=int, required=True, help="market index")
    p.add_argument("--side", choices=("buy", "sell"), required=True, help="your side")
    p.add_argument("--size", type=int, required=True, help="size in the market's units")
    p.add_argument("--expiry-in", type=int, default=30, help="RFQ lifetime, seconds")
    p.add_argument("--wait", type=float, default=5.0, help="seconds to collect quotes")
    p.add_argument("--accept", action="store_true", help="sign and accept the best quote")
    p.set_defaults(func=cmd_rfq_request)
    p = rsub.add_parser("quote", help="maker: answer RFQs with signed firm quotes", formatter_class=FMT)
    _connection(p)
    p.add_argument("--price", type=int, required=True, help="price in the market's price units")
    p.add_argument("--rfq", help="quote only this RFQ id")
    p.add_argument("--market", type=int, help="quote only this market")
    p.add_argument("--count", type=int, default=1, help="quotes to send")
    p.add_argument("--expiry-in", type=int, default=30, help="quote lifetime, seconds")
    p.add_argument("--wait", type=float, default=30.0, help="seconds to wait for RFQs and fills")
    p.set_defaults(func=cmd_rfq_quote)
    p = rsub.add_parser("accept", help="taker: accept a quote printed by `request`", formatter_class=FMT)
    _connection(p)
    p.add_argument("--quote", required=True, help="file with one quote message (JSON)")
    p.set_defaults(func=cmd_rfq_accept)


def _gateway_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gateway", help="run the RFQ gateway (mTLS WebSocket)", formatter_class=FMT)
    p.add_argument("--dir", required=True, help="CA directory (server certificate, CA certificate, live CRL)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=8443, help="port (0: any free port)")
    p.add_argument("--node", help="operator node URL: trades go to POST /v1/transactions")
    p.add_argument("--demo-ledger", type=int, metavar="N", help="in-process spec on a funded demo ledger of N accounts")
    p.add_argument("--markets", type=int, default=2, help="markets traded (indices 0..M-1)")
    p.add_argument("--rate", type=float, default=200.0, help="messages a second per identity")
    p.add_argument("--burst", type=float, default=400.0, help="burst per identity")
    p.add_argument("--verify-workers", type=int, default=0, help="processes checking signatures (0: on the loop)")
    p.add_argument("--audit", help="audit log file (default: DIR/audit.log)")
    p.set_defaults(func=cmd_gateway)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Parsers only: the gateway and its dependencies are imported when a command runs."""
    _ca_parsers(sub)
    _rfq_parsers(sub)
    _gateway_parser(sub)
