// An RFQ gateway client written with Node's `ws` package (pinned in package.json) and
// circomlibjs, independent of the Python client: it builds the ledger trade message and
// signs it itself.  Driven over stdin/stdout, one JSON object a line:
//   in:  {"op": "send_raw", "text": "..."} | {"op": "send", "msg": {...}}
//        {"op": "quote", "rfq": {...}, "price": n, "expiry": n, "my_nonce": n, "ref": "..."}
//        {"op": "accept", "quote": {...}, "ref": "...", "key_hex": "..."}   (key_hex: sign with another key)
//        {"op": "close"}
//   out: {"event": "open"} | {"event": "message", "msg": {...}} | {"event": "close", "code": n, "reason": "..."}
//        {"event": "error", "message": "..."} | {"event": "sent", "quote_id": "0x..."}
// Usage: node client.mjs URL CA CERT KEY L2_KEY_HEX
import fs from "node:fs";
import readline from "node:readline";
import WebSocket from "ws";

const [url, caPath, certPath, keyPath, l2Hex] = process.argv.slice(2);
let eddsa = null; // built while the connection opens (about a second of WebAssembly set-up)
const ready = import("circomlibjs").then((m) => m.buildEddsa()).then((e) => { eddsa = e; });
const say = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");

// record = type(4) | market(4) | buyer(24) | seller(24) | size(64) | price(40), type 3 = trade
function tradeMessage(domain, t) {
  let rec = 3n;
  for (const [v, bits] of [[t.market, 4n], [t.buyer, 24n], [t.seller, 24n], [t.size, 64n], [t.price, 40n]]) {
    rec = (rec << bits) | BigInt(v);
  }
  const nonces = BigInt(t.nonce_buyer) + (BigInt(t.nonce_seller) << 32n);
  const F = eddsa.poseidon.F;
  return F.toObject(eddsa.poseidon([BigInt(domain), rec, nonces, BigInt(t.expiry)]));
}

function sign(msg, keyHex) {
  const sig = eddsa.signPoseidon(Buffer.from(keyHex, "hex"), eddsa.babyJub.F.e(msg));
  return { r8: sig.R8.map((v) => eddsa.babyJub.F.toObject(v).toString()), s: sig.S.toString() };
}

const hex64 = (x) => "0x" + x.toString(16).padStart(64, "0");
let domain = null;
let account = null;

const ws = new WebSocket(url, {
  ca: fs.readFileSync(caPath), cert: fs.readFileSync(certPath), key: fs.readFileSync(keyPath),
  minVersion: "TLSv1.3", maxVersion: "TLSv1.3",
});
ws.on("open", () => say({ event: "open" }));
ws.on("message", (data) => {
  const msg = JSON.parse(data.toString());
  if (msg.type === "welcome") { domain = msg.domain; account = msg.identity.account; }
  say({ event: "message", msg });
});
ws.on("close", (code, reason) => { say({ event: "close", code, reason: reason.toString() }); process.exit(0); });
ws.on("error", (err) => say({ event: "error", message: String(err.message || err) }));

const rl = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve(); // commands run in order; signing ones wait for circomlibjs
rl.on("line", (line) => { queue = queue.then(() => run(JSON.parse(line))); });

async function run(cmd) {
  if (cmd.op === "quote" || cmd.op === "accept") await ready;
  if (cmd.op === "send_raw") ws.send(cmd.text);
  else if (cmd.op === "send") ws.send(JSON.stringify(cmd.msg));
  else if (cmd.op === "close") ws.close(1000, "done");
  else if (cmd.op === "quote") {
    const r = cmd.rfq;
    const takerBuys = r.side === "buy";
    const t = {
      market: r.market, size: r.size, price: cmd.price, expiry: cmd.expiry,
      buyer: takerBuys ? r.taker_account : account, seller: takerBuys ? account : r.taker_account,
      nonce_buyer: takerBuys ? r.taker_nonce : cmd.my_nonce, nonce_seller: takerBuys ? cmd.my_nonce : r.taker_nonce,
    };
    const msg = tradeMessage(domain, t);
    ws.send(JSON.stringify({ v: 1, type: "quote", ref: cmd.ref, rfq_id: r.rfq_id, price: cmd.price, expiry: cmd.expiry,
      nonce_buyer: t.nonce_buyer, nonce_seller: t.nonce_seller, signature: sign(msg, cmd.key_hex || l2Hex) }));
    say({ event: "sent", quote_id: hex64(msg) });
  } else if (cmd.op === "accept") {
    const q = cmd.quote;
    const msg = tradeMessage(domain, q.terms);
    if (hex64(msg) !== q.quote_id) { say({ event: "error", message: "quote id is not the message of its terms" }); return; }
    ws.send(JSON.stringify({ v: 1, type: "accept", ref: cmd.ref, quote_id: q.quote_id, signature: sign(msg, cmd.key_hex || l2Hex) }));
    say({ event: "sent", quote_id: q.quote_id });
  }
}
