/*
 * The browser side of the realtime protocol (docs/protocol.md).
 *
 *   import { Connection } from "/static/js/realtime.js";
 *   const rt = new Connection({ indicator: document.querySelector("#rt-state") });
 *   rt.subscribe("forum.thread:42", (frame) => render(frame.event));
 *   rt.send("forum.thread:42", { text: "hi" }).then((seq) => …, (error) => …);
 *
 * One socket per tab. It reconnects with exponential backoff and full jitter, resubscribes every
 * stream with `since` = the last seq it handled, drops events it has already seen (by seq),
 * re-sends unacknowledged sends with their original cid (the server stores each cid once), and
 * shows the connection state to the user on the indicator element: its `data-state` attribute
 * is set to connecting | open | reconnecting | offline | signed-out, and its text to the
 * matching `data-label-<state>` attribute (so the template supplies translated labels).
 */
const global = globalThis;
const EPHEMERAL = new Set(["presence", "typing", "signal"]);
const CLOSE_NOT_AUTHENTICATED = 4401;
const STABLE_MS = 10000; // a connection open this long resets the reconnect backoff
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

class Connection {
  constructor(options = {}) {
    const loc = global.location;
    this.url = options.url || (loc.protocol === "https:" ? "wss://" : "ws://") + loc.host + "/ws/";
    this.indicator = options.indicator || null;
    if (this.indicator) this.indicator.hidden = false; // pages render it hidden for visitors without JavaScript
    this.backoffInitial = options.backoffInitial || 500; // ms
    this.backoffMax = options.backoffMax || 15000;
    this.state = "idle";
    this.streams = new Map(); // stream → { since, handlers: Set }
    this.pendingSends = new Map(); // cid → { frame, resolve, reject }
    this.waiters = new Map(); // ref → { resolve, reject }
    this.listeners = new Set(); // (frame) → void, for every frame
    this.attempt = 0;
    this.refCounter = 0;
    this.socket = null;
    this.timer = null;
    this.stopped = false;
    global.addEventListener("online", () => this.reconnectNow());
    global.addEventListener("offline", () => this.setState("offline"));
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

  connect() {
    if (this.stopped) return;
    this.setState(this.attempt === 0 ? "connecting" : "reconnecting");
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      this.openedAt = Date.now();
      for (const [stream, sub] of this.streams) this.rawSend({ type: "subscribe", stream, since: sub.since });
      for (const pending of this.pendingSends.values()) this.rawSend(pending.frame);
      this.setState("open");
    };
    socket.onmessage = (message) => {
      let frame;
      try { frame = JSON.parse(message.data); } catch (e) { return; }
      this.handle(frame);
    };
    socket.onclose = (event) => {
      this.socket = null;
      // Back off afresh only after a connection that lasted: a server that accepts and then
      // closes at once (4503: its channel layer is down) must not be hammered every 0.5 s.
      if (this.openedAt && Date.now() - this.openedAt > STABLE_MS) this.attempt = 0;
      this.openedAt = 0;
      for (const waiter of this.waiters.values()) waiter.reject(new RealtimeError({ code: "disconnected" }));
      this.waiters.clear();
      if (event.code === CLOSE_NOT_AUTHENTICATED) {
        this.stopped = true;
        this.setState("signed-out");
        return;
      }
      this.scheduleReconnect();
    };
  }

  scheduleReconnect() {
    if (this.stopped || this.timer) return;
    if (global.navigator && global.navigator.onLine === false) {
      this.setState("offline"); // the "online" event reconnects
      return;
    }
    const ceiling = Math.min(this.backoffMax, this.backoffInitial * 2 ** this.attempt);
    this.attempt += 1;
    this.setState("reconnecting");
    // Full jitter: after a server restart, thousands of tabs must not come back in step.
    this.timer = setTimeout(() => { this.timer = null; this.connect(); }, Math.random() * ceiling);
  }

  reconnectNow() {
    if (this.stopped) return;
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (!this.socket) { this.attempt = 0; this.connect(); }
  }

  close() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.socket) this.socket.close(1000);
    this.setState("idle");
  }

  rawSend(frame) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(frame));
      return true;
    }
    return false; // replayed by onopen (subscriptions and sends), refused otherwise
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
        const sub = this.streams.get(frame.stream);
        if (sub && (sub.since === null || frame.seq < sub.since)) sub.since = frame.seq;
        break;
      }
      case "ack": {
        const pending = this.pendingSends.get(frame.cid);
        if (pending) { this.pendingSends.delete(frame.cid); pending.resolve(frame.seq); }
        break;
      }
      case "error": {
        if (frame.cid && this.pendingSends.has(frame.cid)) {
          const pending = this.pendingSends.get(frame.cid);
          if (frame.code === "rate_limited") {
            setTimeout(() => this.rawSend(pending.frame), Math.ceil((frame.retry_after || 1) * 1000));
            return;
          }
          this.pendingSends.delete(frame.cid);
          pending.reject(new RealtimeError(frame));
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

  /* Store `body` on `stream` once (even across reconnects); resolves with its seq. */
  send(stream, body, cid = randomId()) {
    const frame = { type: "send", stream, cid, body };
    return new Promise((resolve, reject) => {
      this.pendingSends.set(cid, { frame, resolve, reject });
      this.rawSend(frame);
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

export { Connection, RealtimeError };
