// Drives web/static/js/realtime.js (an ES module) in Node with a fake WebSocket and window;
// exits 1 on failure.
import assert from "node:assert";

const sockets = [];
class FakeWebSocket {
  constructor(url) { this.url = url; this.readyState = 0; this.sent = []; sockets.push(this); }
  send(text) { this.sent.push(JSON.parse(text)); }
  close(code) { this.readyState = 3; this.onclose && this.onclose({ code: code || 1000 }); }
  open() { this.readyState = 1; this.onopen(); }
  deliver(frame) { this.onmessage({ data: JSON.stringify(frame) }); }
  drop(code) { this.readyState = 3; this.onclose({ code }); }
}
FakeWebSocket.OPEN = 1;

const timers = [];
const listeners = {};
const fakeWindow = {
  location: { protocol: "https:", host: "example.org" },
  navigator: { onLine: true },
  addEventListener: (name, fn) => { listeners[name] = fn; },
  crypto: { randomUUID: (() => { let n = 0; return () => "cid-" + ++n; })() },
  WebSocket: FakeWebSocket,
  setTimeout: (fn, ms) => { timers.push({ fn, ms }); return timers.length; },
  clearTimeout: () => {},
};
for (const [name, value] of Object.entries(fakeWindow)) {
  Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
}
const EpaRealtime = await import("../../web/static/js/realtime.js");
const window = { EpaRealtime };

const indicator = { dataset: {}, textContent: "", getAttribute: (name) => (name === "data-label-open" ? "在线" : null) };
const rt = new window.EpaRealtime.Connection({ indicator });
assert.strictEqual(sockets[0].url, "wss://example.org/ws/");
assert.strictEqual(indicator.dataset.state, "connecting");
sockets[0].open();
assert.strictEqual(indicator.dataset.state, "open");
assert.strictEqual(indicator.textContent, "在线");

const seen = [];
rt.subscribe("forum.thread:1", (frame) => seen.push(frame.seq));
assert.deepStrictEqual(sockets[0].sent[0], { type: "subscribe", stream: "forum.thread:1", since: null });
sockets[0].deliver({ type: "subscribed", stream: "forum.thread:1", seq: 4 });
sockets[0].deliver({ type: "event", stream: "forum.thread:1", seq: 5, event: {} });
sockets[0].deliver({ type: "event", stream: "forum.thread:1", seq: 5, event: {} }); // duplicate
sockets[0].deliver({ type: "event", stream: "forum.thread:1", seq: 4, event: {} }); // old
assert.deepStrictEqual(seen, [5]);

let acked = null;
rt.send("forum.thread:1", { text: "hi" }).then((seq) => { acked = seq; });
const sendFrame = sockets[0].sent[1];
assert.strictEqual(sendFrame.type, "send");

// The link drops: backoff with jitter, then resume with since and re-send with the same cid.
sockets[0].drop(1006);
assert.strictEqual(indicator.dataset.state, "reconnecting");
assert.strictEqual(timers.length, 1);
assert.ok(timers[0].ms >= 0 && timers[0].ms <= 500);
timers.shift().fn();
sockets[1].open();
assert.deepStrictEqual(sockets[1].sent[0], { type: "subscribe", stream: "forum.thread:1", since: 5 });
assert.deepStrictEqual(sockets[1].sent[1], sendFrame);
sockets[1].deliver({ type: "ack", stream: "forum.thread:1", cid: sendFrame.cid, seq: 6 });
sockets[1].deliver({ type: "event", stream: "forum.thread:1", seq: 6, event: {} });
sockets[1].deliver({ type: "event", stream: "forum.thread:1", seq: 6, event: {} });

// A second drop backs off longer (the ceiling doubles per attempt; the brief connection in
// between does not start the backoff again).
sockets[1].drop(1006);
assert.ok(timers[0].ms <= 1000);
timers.shift().fn();
sockets[2].drop(1006);
assert.ok(timers[0].ms <= 2000);
timers.shift().fn();
sockets[3].drop(4401);
assert.strictEqual(indicator.dataset.state, "signed-out");
assert.strictEqual(timers.length, 0); // no reconnect without a session

// A server that accepts and closes at once (4503: its channel layer is down) is retried with
// growing delays: opening a socket does not reset the backoff, only a connection that lasted.
timers.length = 0;
const random = Math.random;
Math.random = () => 0.999;
const flaky = new window.EpaRealtime.Connection({});
const delays = [];
for (let i = 0; i < 5; i++) {
  const socket = sockets[sockets.length - 1];
  socket.open();
  socket.drop(4503);
  const timer = timers.shift();
  delays.push(Math.round(timer.ms));
  timer.fn();
}
Math.random = random;
assert.deepStrictEqual(delays, [500, 999, 1998, 3996, 7992]);
flaky.close();

setImmediate(() => {
  assert.strictEqual(acked, 6);
  assert.deepStrictEqual(seen, [5, 6]);
  console.log("ok");
});
