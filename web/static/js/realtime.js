/*
 * The browser side of the realtime protocol (docs/protocol.md), one per page.
 *
 *   import { Connection } from "../js/realtime.js";
 *   const rt = new Connection({ indicator: document.querySelector("#conn-state") });
 *   rt.subscribe("forum.thread:42", (frame) => render(frame.event));
 *   rt.send("mailbox:7", { text: "hi" }, { label: "hi" }).then((seq) => …, (error) => …);
 *   rt.deliver("forum.thread.post", "forum.thread:42", { text: "hi" }, { label: "hi" }).then((data) => …);
 *   rt.command("forum.thread.read", "forum.thread:42", { post: 9 }).then((data) => …);
 *
 * The socket asks for batches (several frames in one message, docs/protocol.md); they are
 * unpacked here, so handlers and `onFrame` listeners always see one frame at a time.
 *
 * Reconnects with exponential backoff and full jitter, resubscribes every stream with `since` =
 * the last seq it handled, and drops events it has already seen (by seq).
 *
 * The outbox: `send` (a core send frame) and `deliver` (a feature command that stores something)
 * are kept until the server answers: in memory and in localStorage under the signed-in member's
 * key (`<html data-me>`; so a reload, or the next page, sends them, and no other account on
 * the same browser ever sees them).
 * Each carries a client id (cid) made once, so a send that reached the server before the link
 * dropped is stored once when it is sent again. While they wait they are listed by
 * `outbox.entries(stream)` and may be cancelled (`outbox.cancel(cid)`); every change is an
 * `{type: "outbox"}` frame to `onFrame` listeners, and an entry sent after a reload (whose
 * promise is gone) is announced as `{type: "delivered", entry, data}`. Only `rate_limited` is
 * tried again; any other refusal ends the entry and rejects its promise with the server's error.
 * `command` is for what is not worth keeping (reads, typing-like actions): it fails at once
 * with `disconnected` when there is no open socket.
 *
 * The connection state, truthful: connecting (the first attempt), open ("live": the socket is
 * open and every stream it resumed has answered, so events flow),
 * reconnecting, offline (the browser says so, or no network), signed-out. It is shown on the
 * indicator: `data-state`, and the text of its `data-label-<state>` attribute. A socket is
 * checked with a ping and a deadline when the link comes back (`online`), the network changes,
 * the tab becomes visible, and when it has been quiet for a while; no answer by the deadline
 * and the socket is replaced by a new one that resumes every subscription.
 */
const global = globalThis;
const EPHEMERAL = new Set(["presence", "typing", "signal"]);
const CLOSE_NOT_AUTHENTICATED = 4401;
const STABLE_MS = 10000; // a connection open this long resets the reconnect backoff
const PING_DEADLINE_MS = 4000; // a socket that does not answer a ping within this is dead
const QUIET_MS = 25000; // a socket silent this long is pinged
const OUTBOX_REF = "outbox:";
const DEFAULT_LABELS = {
  connecting: "Connecting…",
  open: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline",
  "signed-out": "Signed out",
};

function randomId() {
  if (global.crypto && global.crypto.randomUUID) return global.crypto.randomUUID();
  return Date.now().toString(36) + Math.random().toString(36).slice(2);
}

class RealtimeError extends Error {
  constructor(frame) {
    super(frame.message || frame.code);
    this.code = frame.code;
    this.frame = frame;
  }
}

/* What waits to be sent: cid → { cid, stream, frame, label, created }, kept per member. */
class Outbox {
  constructor(member, storage, onChange) {
    this.key = member ? "epa.outbox." + member : null;
    this.storage = this.key ? storage : null;
    this.onChange = onChange;
    this.items = new Map();
    this.promises = new Map(); // cid → { resolve, reject }, for entries made by this page
    this.load();
  }

  load() {
    if (!this.storage) return false;
    let stored = [];
    try { stored = JSON.parse(this.storage.getItem(this.key) || "[]"); } catch (e) { stored = []; }
    const before = [...this.items.keys()].join();
    this.items = new Map(stored.map((entry) => [entry.cid, entry]));
    // Gone from storage: another tab of this member had it answered (or cancelled).
    for (const [cid, promise] of this.promises) {
      if (!this.items.has(cid)) { this.promises.delete(cid); promise.resolve(undefined); }
    }
    return before !== [...this.items.keys()].join();
  }

  save() {
    if (this.storage) {
      try {
        if (this.items.size) this.storage.setItem(this.key, JSON.stringify([...this.items.values()]));
        else this.storage.removeItem(this.key);
      } catch (e) { /* storage full or refused: the entry still waits in memory */ }
    }
    this.onChange();
  }

  add(entry, promise) {
    this.items.set(entry.cid, entry);
    if (promise) this.promises.set(entry.cid, promise);
    this.save();
  }

  /* Done (answered by the server) or cancelled: forget it; its promise, if any, settles. */
  settle(cid, error, value) {
    const entry = this.items.get(cid);
    const promise = this.promises.get(cid);
    this.promises.delete(cid);
    if (entry) {
      this.items.delete(cid);
      this.save();
    }
    if (promise) {
      if (error) promise.reject(error);
      else promise.resolve(value);
    }
    return entry;
  }

  /* The entries waiting for one stream (or all), oldest first. */
  entries(stream) {
    return [...this.items.values()].filter((e) => !stream || e.stream === stream);
  }

  cancel(cid) {
    return Boolean(this.settle(cid, new RealtimeError({ code: "cancelled", message: "cancelled" })));
  }
}

class Connection {
  constructor(options = {}) {
    const loc = global.location;
    // `?batch=1`: frames that wait together on the server come as one `batch` message.
    this.url = options.url || (loc.protocol === "https:" ? "wss://" : "ws://") + loc.host + "/ws/?batch=1";
    this.indicator = options.indicator || null;
    if (this.indicator) this.indicator.hidden = false; // pages render it hidden for visitors without JavaScript
    this.backoffInitial = options.backoffInitial || 500; // ms
    this.backoffMax = options.backoffMax || 15000;
    this.pingDeadline = options.pingDeadline || PING_DEADLINE_MS;
    this.state = "idle";
    this.streams = new Map(); // stream → { since, handlers: Set }
    this.waiters = new Map(); // ref → { resolve, reject }
    this.unanswered = new Set(); // streams asked for on this socket's open, not yet answered
    this.listeners = new Set(); // (frame) → void, for every frame
    this.attempt = 0;
    this.refCounter = 0;
    this.socket = null;
    this.timer = null;
    this.probe = null; // the deadline of an unanswered ping
    this.lastFrameAt = 0;
    this.everOpen = false;
    this.stopped = false;
    const storage = options.storage !== undefined ? options.storage : safeLocalStorage();
    const member = options.member !== undefined ? options.member : pageMember();
    this.outbox = new Outbox(member, storage, () => this.emit({ type: "outbox" }));
    global.addEventListener("online", () => this.linkChanged());
    global.addEventListener("offline", () => this.setState("offline"));
    // Another tab of the same member changed the outbox (sent, added, cancelled).
    global.addEventListener("storage", (event) => {
      if (event.key === this.outbox.key && this.outbox.load()) this.emit({ type: "outbox" });
    });
    const doc = global.document;
    if (doc) doc.addEventListener("visibilitychange", () => { if (doc.visibilityState === "visible") this.check(); });
    const net = global.navigator && global.navigator.connection;
    if (net && net.addEventListener) net.addEventListener("change", () => this.linkChanged());
    this.heartbeat = global.setInterval ? global.setInterval(() => this.checkQuiet(), QUIET_MS) : null;
    this.connect();
  }

  setState(state) {
    this.state = state;
    const el = this.indicator;
    if (el) {
      el.dataset.state = state;
      el.textContent = el.getAttribute("data-label-" + state) || DEFAULT_LABELS[state] || state;
    }
    this.emit({ type: "state", state });
  }

  emit(frame) {
    for (const listener of this.listeners) {
      try { listener(frame); } catch (e) { console.error(e); }
    }
  }

  onFrame(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  isOpen() {
    return Boolean(this.socket && this.socket.readyState === WebSocket.OPEN);
  }

  connect() {
    if (this.stopped) return;
    this.setState(this.attempt === 0 && !this.everOpen ? "connecting" : "reconnecting");
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      this.everOpen = true;
      this.openedAt = Date.now();
      this.lastFrameAt = Date.now();
      this.unanswered = new Set(this.streams.keys());
      for (const [stream, sub] of this.streams) this.rawSend({ type: "subscribe", stream, since: sub.since });
      // Live (and the outbox sent) once every stream is answered: events flow only from then on.
      if (offline() || this.unanswered.size === 0) {
        this.flush();
        this.setState(offline() ? "offline" : "open");
      }
    };
    socket.onmessage = (message) => {
      let frame;
      try { frame = JSON.parse(message.data); } catch (e) { return; }
      try {
        if (frame && frame.type === "batch" && Array.isArray(frame.frames)) {
          for (const one of frame.frames) this.handle(one);
        } else {
          this.handle(frame);
        }
      } finally {
        this.alive();
      }
    };
    socket.onclose = (event) => this.closed(socket, event.code);
  }

  /* The socket ended (closed by the server, by the network, or replaced as dead). */
  closed(socket, code) {
    if (socket !== this.socket) return; // a replaced socket's late close
    this.socket = null;
    this.clearProbe();
    // Back off afresh only after a connection that lasted: a server that accepts and then
    // closes at once (4503: its channel layer is down) must not be hammered every 0.5 s.
    if (this.openedAt && Date.now() - this.openedAt > STABLE_MS) this.attempt = 0;
    this.openedAt = 0;
    for (const waiter of this.waiters.values()) waiter.reject(new RealtimeError({ code: "disconnected" }));
    this.waiters.clear();
    if (code === CLOSE_NOT_AUTHENTICATED) {
      this.stopped = true;
      this.setState("signed-out");
      return;
    }
    this.scheduleReconnect();
  }

  /* A frame came: the socket is alive. */
  alive() {
    this.lastFrameAt = Date.now();
    this.clearProbe();
    if (this.state !== "open" && this.isOpen() && !offline() && this.unanswered.size === 0) {
      this.setState("open");
      this.flush(); // what was written while the link was away goes now
    }
  }

  scheduleReconnect() {
    if (this.stopped || this.timer) return;
    if (offline()) {
      this.setState("offline"); // the "online" event reconnects
      return;
    }
    const ceiling = Math.min(this.backoffMax, this.backoffInitial * 2 ** this.attempt);
    this.attempt += 1;
    this.setState("reconnecting");
    // Full jitter: after a server restart, thousands of tabs must not come back in step.
    this.timer = setTimeout(() => { this.timer = null; this.connect(); }, Math.random() * ceiling);
  }

  /* The link is back or changed (Wi-Fi ↔ mobile): whatever socket we have may be dead. */
  linkChanged() {
    if (this.stopped) return;
    if (offline()) { this.setState("offline"); return; } // the "online" event comes back here
    if (this.socket) {
      if (this.state === "offline") this.setState("reconnecting");
      this.check();
    } else {
      this.reconnectNow();
    }
  }

  reconnectNow() {
    if (this.stopped) return;
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (!this.socket) { this.attempt = 0; this.connect(); }
  }

  /* Ask the socket to answer within the deadline; if it does not, replace it. */
  check() {
    if (this.stopped || this.probe) return;
    if (!this.socket) { this.reconnectNow(); return; }
    if (!this.isOpen()) return; // still connecting: its own open or close will tell
    this.probe = setTimeout(() => { this.probe = null; this.replace(); }, this.pingDeadline);
    this.rawSend({ type: "ping", ref: "ping" });
  }

  checkQuiet() {
    if (this.isOpen() && Date.now() - this.lastFrameAt >= QUIET_MS) this.check();
  }

  clearProbe() {
    if (this.probe) { clearTimeout(this.probe); this.probe = null; }
  }

  /* A dead socket (no answer to a ping): drop it without waiting for its close, and connect
     again at once; the new one resumes every stream and re-sends the outbox. */
  replace() {
    const dead = this.socket;
    if (!dead) return;
    dead.onopen = dead.onmessage = dead.onclose = null;
    try { dead.close(); } catch (e) { /* already closing */ }
    this.closed(dead, 1006); // reconnects (offline: when the link returns)
    if (!offline()) this.reconnectNow();
  }

  close() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.heartbeat) global.clearInterval(this.heartbeat);
    this.clearProbe();
    if (this.socket) this.socket.close(1000);
    this.setState("idle");
  }

  rawSend(frame) {
    if (this.isOpen()) {
      this.socket.send(JSON.stringify(frame));
      return true;
    }
    return false; // replayed by onopen (subscriptions and the outbox), refused otherwise
  }

  /* Send everything in the outbox (on open; entries are answered or sent again next time). */
  flush() {
    for (const entry of this.outbox.entries()) this.rawSend(entry.frame);
  }

  handle(frame) {
    switch (frame.type) {
      case "event": {
        const sub = this.streams.get(frame.stream);
        if (!sub) return;
        if (sub.since !== null && frame.seq <= sub.since) return; // already handled
        sub.since = frame.seq;
        for (const handler of sub.handlers) handler(frame);
        break;
      }
      case "subscribed": {
        this.unanswered.delete(frame.stream);
        const sub = this.streams.get(frame.stream);
        if (sub && (sub.since === null || frame.seq < sub.since)) sub.since = frame.seq;
        break;
      }
      case "ack":
        this.answered(frame.cid, null, frame.seq);
        break;
      case "result":
        if (isOutboxRef(frame.ref)) this.answered(frame.ref.slice(OUTBOX_REF.length), null, frame.data);
        break;
      case "error": {
        if (frame.stream) this.unanswered.delete(frame.stream);
        const cid = frame.cid || (isOutboxRef(frame.ref) ? frame.ref.slice(OUTBOX_REF.length) : null);
        if (cid && this.outbox.items.has(cid)) {
          if (frame.code === "rate_limited") {
            const entry = this.outbox.items.get(cid);
            setTimeout(() => this.rawSend(entry.frame), Math.ceil((frame.retry_after || 1) * 1000));
            return;
          }
          this.answered(cid, new RealtimeError(frame));
          return;
        }
        // Access to a subscribed stream was taken away: it is not resumed after a reconnect.
        if (frame.code === "forbidden" && frame.stream && (frame.ref === undefined || frame.ref === null)) {
          this.streams.delete(frame.stream);
        }
        break;
      }
      default:
        if (EPHEMERAL.has(frame.type)) {
          const sub = this.streams.get(frame.stream);
          if (sub) for (const handler of sub.handlers) handler(frame);
        }
    }
    if (frame.ref !== undefined && frame.ref !== null && this.waiters.has(frame.ref)) {
      const waiter = this.waiters.get(frame.ref);
      this.waiters.delete(frame.ref);
      if (frame.type === "error") waiter.reject(new RealtimeError(frame));
      else waiter.resolve(frame);
    }
    this.emit(frame);
  }

  /* The server answered an outbox entry: it is done, whichever page made it. */
  answered(cid, error, value) {
    const hadPromise = this.outbox.promises.has(cid);
    const entry = this.outbox.settle(cid, error, value);
    if (entry && !hadPromise && !error) this.emit({ type: "delivered", entry, data: value });
  }

  /* Subscribe (from now on, or resuming after `since`); handler gets events and ephemeral frames. */
  subscribe(stream, handler, since = null) {
    let sub = this.streams.get(stream);
    if (!sub) {
      sub = { since, handlers: new Set() };
      this.streams.set(stream, sub);
      this.rawSend({ type: "subscribe", stream, since });
    }
    if (handler) sub.handlers.add(handler);
    return () => {
      if (handler) sub.handlers.delete(handler);
      if (sub.handlers.size === 0) {
        this.streams.delete(stream);
        this.rawSend({ type: "unsubscribe", stream });
      }
    };
  }

  /* Store `body` on `stream` once (even across reconnects and reloads); resolves with its seq. */
  send(stream, body, { cid = randomId(), label = "" } = {}) {
    return this.enqueue({ cid, stream, label, frame: { type: "send", stream, cid, body } });
  }

  /* A feature command that stores something once per cid (it gets `args.cid`); kept in the
     outbox until answered; resolves with the result's data. */
  deliver(type, stream, args = {}, { cid = randomId(), label = "" } = {}) {
    const frame = { ...args, cid, type, stream, ref: OUTBOX_REF + cid };
    return this.enqueue({ cid, stream, label, frame });
  }

  enqueue({ cid, stream, label, frame }) {
    return new Promise((resolve, reject) => {
      this.outbox.add({ cid, stream, label, frame, created: new Date().toISOString() }, { resolve, reject });
      if (this.state === "open") this.rawSend(frame);
    });
  }

  /* A feature command `<kind>.<command>`; resolves with the result frame's data. */
  command(type, stream, args = {}) {
    const ref = "r" + ++this.refCounter;
    return new Promise((resolve, reject) => {
      this.waiters.set(ref, { resolve: (frame) => resolve(frame.data), reject });
      if (!this.rawSend({ ...args, type, stream, ref })) {
        this.waiters.delete(ref);
        reject(new RealtimeError({ code: "disconnected", message: "not connected" }));
      }
    });
  }

  typing(stream, active = true) {
    this.rawSend({ type: "typing", stream, active });
  }
}

function isOutboxRef(ref) {
  return typeof ref === "string" && ref.startsWith(OUTBOX_REF);
}

function offline() {
  return Boolean(global.navigator && global.navigator.onLine === false);
}

function safeLocalStorage() {
  try { return global.localStorage || null; } catch (e) { return null; } // refused in some private modes
}

/* The member whose outbox this page keeps (base.html puts it on <html data-me>). */
function pageMember() {
  const root = global.document && global.document.documentElement;
  return root && root.dataset.me ? root.dataset.me : null;
}

export { Connection, RealtimeError };
