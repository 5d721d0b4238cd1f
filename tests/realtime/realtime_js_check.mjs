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
  drop(code) { this.readyState = 3; if (this.onclose) this.onclose({ code }); }
}
FakeWebSocket.OPEN = 1;

const timers = [];
let timerIds = 0;
const listeners = {};
const networkListeners = {};
const fakeWindow = {
  location: { protocol: "https:", host: "example.org" },
  navigator: { onLine: true, connection: { addEventListener: (name, fn) => { networkListeners[name] = fn; } } },
  addEventListener: (name, fn) => { listeners[name] = fn; },
  crypto: { randomUUID: (() => { let n = 0; return () => "cid-" + ++n; })() },
  WebSocket: FakeWebSocket,
  setTimeout: (fn, ms) => { timers.push({ fn, ms, id: ++timerIds }); return timerIds; },
  clearTimeout: (id) => { const i = timers.findIndex((t) => t.id === id); if (i >= 0) timers.splice(i, 1); },
  setInterval: () => 0,
  clearInterval: () => {},
};
for (const [name, value] of Object.entries(fakeWindow)) {
  Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
}
const EpaRealtime = await import("../../web/static/js/realtime.js");
const window = { EpaRealtime };

const indicator = { dataset: {}, textContent: "", getAttribute: (name) => (name === "data-label-open" ? "在线" : null) };
const rt = new window.EpaRealtime.Connection({ indicator });
assert.strictEqual(sockets[0].url, "wss://example.org/ws/?batch=1");
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
assert.strictEqual(sockets[1].sent.length, 1); // the outbox waits until the stream is resumed
sockets[1].deliver({ type: "subscribed", stream: "forum.thread:1", seq: 5 });
assert.strictEqual(indicator.dataset.state, "open");
assert.deepStrictEqual(sockets[1].sent[1], sendFrame);
assert.strictEqual(sockets[1].sent.length, 2); // once
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

await new Promise((resolve) => setImmediate(resolve));
assert.strictEqual(acked, 6);
assert.deepStrictEqual(seen, [5, 6]);

// --- The outbox: kept per member in storage, sent again with its cid, cancellable. -----------
class FakeStorage {
  constructor() { this.data = {}; }
  getItem(key) { return key in this.data ? this.data[key] : null; }
  setItem(key, value) { this.data[key] = String(value); }
  removeItem(key) { delete this.data[key]; }
}
const storage = new FakeStorage();
timers.length = 0;
const page = new window.EpaRealtime.Connection({ member: 17, storage });
const changes = [];
page.onFrame((frame) => { if (frame.type === "outbox" || frame.type === "delivered") changes.push(frame.type); });
let socket = sockets[sockets.length - 1];
socket.drop(1006); // the link is gone before the member writes
let refused = null;
const written = page.send("mailbox:7", { text: "写于离线时" }, { label: "写于离线时" });
written.catch((error) => { refused = error; });
const reply = page.deliver("forum.thread.post", "forum.thread:3", { text: "回复" }, { label: "回复" });
assert.deepStrictEqual(page.outbox.entries("mailbox:7").map((e) => e.label), ["写于离线时"]);
assert.deepStrictEqual(page.outbox.entries().map((e) => e.stream), ["mailbox:7", "forum.thread:3"]);
const stored = JSON.parse(storage.getItem("epa.outbox.17"));
assert.strictEqual(stored.length, 2);
assert.ok(changes.includes("outbox"));
// Another account on the same browser sees none of it.
const other = new window.EpaRealtime.Connection({ member: 18, storage });
assert.deepStrictEqual(other.outbox.entries(), []);
other.close();

// The member reloads the page while offline: the new page has the same entries and sends them
// with their original cids when the link returns.
const reloaded = new window.EpaRealtime.Connection({ member: 17, storage });
const delivered = [];
reloaded.onFrame((frame) => { if (frame.type === "delivered") delivered.push(frame.data); });
assert.deepStrictEqual(reloaded.outbox.entries().map((e) => e.cid), stored.map((e) => e.cid));
page.close();
socket = sockets[sockets.length - 1];
socket.open();
const [mail, post] = stored;
assert.deepStrictEqual(socket.sent[0], { type: "send", stream: "mailbox:7", cid: mail.cid, body: { text: "写于离线时" } });
assert.deepStrictEqual(socket.sent[1], {
  text: "回复", cid: post.cid, type: "forum.thread.post", stream: "forum.thread:3", ref: "outbox:" + post.cid,
});
socket.deliver({ type: "ack", stream: "mailbox:7", cid: mail.cid, seq: 12 });
socket.deliver({ type: "result", ref: "outbox:" + post.cid, data: { post: { id: 5 } } });
assert.deepStrictEqual(delivered, [12, { post: { id: 5 } }]);
assert.strictEqual(storage.getItem("epa.outbox.17"), null);
assert.deepStrictEqual(reloaded.outbox.entries(), []);

// A refusal ends the entry and says why; rate_limited is tried again after retry_after.
const limited = reloaded.deliver("meeting.chat", "meeting:4", { text: "大家好" });
const chatFrame = socket.sent[socket.sent.length - 1];
socket.deliver({ type: "error", code: "rate_limited", retry_after: 2, ref: chatFrame.ref });
assert.strictEqual(reloaded.outbox.entries().length, 1);
const retry = timers.find((t) => t.ms === 2000);
timers.splice(timers.indexOf(retry), 1);
retry.fn();
assert.deepStrictEqual(socket.sent[socket.sent.length - 1], chatFrame);
let chatError = null;
limited.catch((error) => { chatError = error; });
socket.deliver({ type: "error", code: "content_blocked", message: "涉密", ref: chatFrame.ref });
await new Promise((resolve) => setImmediate(resolve));
assert.strictEqual(chatError.code, "content_blocked");
assert.deepStrictEqual(reloaded.outbox.entries(), []);

// Cancelled while waiting: never sent, and its promise says so.
socket.drop(1006);
const cancelled = reloaded.send("mailbox:7", { text: "算了" });
let cancelError = null;
cancelled.catch((error) => { cancelError = error; });
assert.ok(reloaded.outbox.cancel(reloaded.outbox.entries()[0].cid));
await new Promise((resolve) => setImmediate(resolve));
assert.strictEqual(cancelError.code, "cancelled");
timers.shift().fn();
socket = sockets[sockets.length - 1];
socket.open();
assert.ok(!socket.sent.some((frame) => frame.type === "send"));
reloaded.close();
void reply;
void written;
void refused;

// --- A truthful state: offline, the link back, a ping with a deadline, a dead socket replaced. --
timers.length = 0;
const live = new window.EpaRealtime.Connection({ indicator: { dataset: {}, getAttribute: () => null }, member: null });
live.subscribe("forum.thread:9", () => {});
socket = sockets[sockets.length - 1];
socket.open();
// Live only once the stream is answered: an event sent before that would not reach this page.
assert.strictEqual(live.state, "connecting");
socket.deliver({ type: "subscribed", stream: "forum.thread:9", seq: 2 });
assert.strictEqual(live.state, "open");
socket.deliver({ type: "event", stream: "forum.thread:9", seq: 3, event: {} });
fakeWindow.navigator.onLine = false;
listeners.offline();
assert.strictEqual(live.state, "offline");
// Chromium holds the socket open through an outage; when the link returns it is asked to prove
// it is alive, and the badge says "reconnecting" until it does.
fakeWindow.navigator.onLine = true;
listeners.online();
assert.strictEqual(live.state, "reconnecting");
assert.deepStrictEqual(socket.sent[socket.sent.length - 1], { type: "ping", ref: "ping" });
socket.deliver({ type: "pong", ref: "ping" });
assert.strictEqual(live.state, "open");
assert.strictEqual(timers.length, 0); // the deadline was cleared
// Next time it stays silent: at the deadline it is replaced, and the new socket resumes.
listeners.online();
const deadline = timers.shift();
assert.strictEqual(deadline.ms, 4000);
deadline.fn();
assert.notStrictEqual(sockets[sockets.length - 1], socket);
assert.strictEqual(live.state, "reconnecting");
const fresh = sockets[sockets.length - 1];
fresh.open();
assert.deepStrictEqual(fresh.sent[0], { type: "subscribe", stream: "forum.thread:9", since: 3 });
assert.strictEqual(live.state, "reconnecting");
// A refused stream answers too: the page is live for the others.
fresh.deliver({ type: "error", code: "forbidden", stream: "forum.thread:9", message: "no" });
assert.strictEqual(live.state, "open");
live.subscribe("forum.thread:9", () => {});
socket.drop(1006); // the old socket's close, late: ignored
assert.strictEqual(live.state, "open");
assert.strictEqual(timers.length, 0);
// Wi-Fi → mobile: the network changes under an "open" socket that leads nowhere now; it is
// pinged, found dead at the deadline and replaced, and the new one resumes from the last seq.
fresh.deliver({ type: "event", stream: "forum.thread:9", seq: 4, event: {} });
networkListeners.change();
assert.deepStrictEqual(fresh.sent[fresh.sent.length - 1], { type: "ping", ref: "ping" });
timers.shift().fn();
const afterChange = sockets[sockets.length - 1];
assert.notStrictEqual(afterChange, fresh);
afterChange.open();
assert.deepStrictEqual(afterChange.sent[0], { type: "subscribe", stream: "forum.thread:9", since: 4 });
// A change while the browser says it is offline waits for the link instead of probing.
fakeWindow.navigator.onLine = false;
networkListeners.change();
assert.strictEqual(live.state, "offline");
assert.strictEqual(timers.length, 0);
fakeWindow.navigator.onLine = true;
live.close();

// --- Batches: unpacked in order, so handlers and listeners see each frame on its own. ---------
const batched = new window.EpaRealtime.Connection({ member: null });
const got = [];
const heard = [];
batched.subscribe("moderation.queue", (frame) => got.push(frame.seq));
batched.onFrame((frame) => heard.push(frame.type));
socket = sockets[sockets.length - 1];
assert.ok(socket.url.endsWith("/ws/?batch=1"));
socket.open();
const answer = batched.command("forum.thread.read", "forum.thread:9", { post: 1 });
const asked = socket.sent[socket.sent.length - 1];
heard.length = 0;
socket.deliver({
  type: "batch",
  frames: [
    { type: "subscribed", stream: "moderation.queue", seq: 2 },
    { type: "event", stream: "moderation.queue", seq: 3, event: {} },
    { type: "result", stream: "forum.thread:9", command: "read", data: { ok: 1 }, ref: asked.ref },
    { type: "event", stream: "moderation.queue", seq: 4, event: {} },
    { type: "event", stream: "moderation.queue", seq: 4, event: {} }, // a duplicate, dropped
    { type: "event", stream: "moderation.queue", seq: 2, event: {} }, // old, dropped
  ],
});
assert.deepStrictEqual(got, [3, 4]);
// … and once the batch that answered the subscription is handled, the page is live.
assert.deepStrictEqual(heard, ["subscribed", "event", "result", "event", "state"]);
assert.strictEqual(batched.state, "open");
assert.deepStrictEqual(await answer, { ok: 1 });
// A plain frame after a batch is handled as ever, and a reconnect resumes after the batch.
socket.deliver({ type: "event", stream: "moderation.queue", seq: 5, event: {} });
assert.deepStrictEqual(got, [3, 4, 5]);
socket.drop(1006);
timers.shift().fn();
socket = sockets[sockets.length - 1];
socket.open();
assert.deepStrictEqual(socket.sent[0], { type: "subscribe", stream: "moderation.queue", since: 5 });
batched.close();

console.log("ok");
