// Drives meetings/static/meetings/mesh.js (the mesh peer, an ES module) in Node with fake
// RTCPeerConnections and timers: who offers first, how a collision is resolved on each side,
// candidates in batches, ICE restarts asked of and made by the impolite side, hang-up.
// Exits non-zero on failure, prints "ok" on success.
import assert from "node:assert";

const timers = [];
globalThis.setTimeout = (fn, ms) => { timers.push({ fn, ms }); return timers.length; };
globalThis.clearTimeout = (id) => { if (id && timers[id - 1]) timers[id - 1].fn = () => {}; };
const runTimers = (ms) => {
  for (const timer of timers.splice(0)) if (timer.ms === ms) timer.fn(); else timers.push(timer);
};
const settle = () => new Promise((resolve) => setImmediate(resolve));

class FakeTransceiver {
  constructor(kind, direction, track = null) {
    this.mid = null;
    this.direction = direction;
    this.receiver = { track: { kind } };
    this.sender = { track, replaceTrack: async (t) => { this.sender.track = t; } };
  }
  stop() { this.direction = "stopped"; }
}

class FakePC {
  constructor(config) {
    this.config = config;
    this.signalingState = "stable";
    this.currentRemoteDescription = null;
    this.localDescription = null;
    this.connectionState = "new";
    this.iceConnectionState = "new";
    this.transceivers = [];
    this.log = [];
  }
  addTrack(track) { this.transceivers.push(new FakeTransceiver(track.kind, "sendrecv", track)); }
  addTransceiver(kind, { direction }) { this.transceivers.push(new FakeTransceiver(kind, direction)); }
  getTransceivers() { return this.transceivers; }
  async setLocalDescription() {
    const type = this.signalingState === "have-remote-offer" ? "answer" : "offer";
    this.signalingState = type === "offer" ? "have-local-offer" : "stable";
    this.localDescription = { type, sdp: type + "-sdp", toJSON() { return { type: this.type, sdp: this.sdp }; } };
    this.log.push("local " + type);
  }
  async setRemoteDescription(description) {
    if (description.type === "offer" && this.signalingState === "have-local-offer") this.log.push("rollback");
    this.signalingState = description.type === "offer" ? "have-remote-offer" : "stable";
    this.currentRemoteDescription = description;
    this.log.push("remote " + description.type);
  }
  async addIceCandidate(candidate) { this.log.push("candidate " + candidate.candidate); }
  restartIce() { this.log.push("restartIce"); }
  close() { this.log.push("close"); }
}
globalThis.RTCPeerConnection = FakePC;

const { Peer, FIRST_OFFER_WAIT_MS } = await import("../../meetings/static/meetings/mesh.js");

function makeHost(me) {
  const host = {
    me,
    iceServers: [{ urls: "stun:example.org" }],
    localStream: { getTracks: () => [{ kind: "audio" }, { kind: "video" }] },
    audioOnly: () => false,
    names: 0,
    connectionName: () => "page-" + (host.names += 1),
    signals: [],
    signal: (data) => { host.signals.push(data); return Promise.resolve(); },
    view: () => ({ tile: {}, show() {}, caption() {}, remove() { host.removed = true; } }),
    rebuilt: [],
    rebuild: (id) => host.rebuilt.push(id),
    dropped: [],
    drop: (id) => host.dropped.push(id),
  };
  return host;
}
const offer = { type: "offer", sdp: "their-offer" };

// The impolite side (the higher member id) makes the first offer at once, naming its connection.
const impoliteHost = makeHost(2);
const impolite = new Peer(1, impoliteHost);
assert.strictEqual(impolite.polite, false);
assert.deepStrictEqual(impolite.pc.config, { iceServers: impoliteHost.iceServers });
impolite.pc.onnegotiationneeded();
await settle();
assert.deepStrictEqual(impoliteHost.signals[0], {
  to: 1, session: "page-1", peer_session: undefined, kind: "description", description: { type: "offer", sdp: "offer-sdp" },
});

// Their offer collides with ours: the impolite side ignores it, and the candidates that follow it.
impolite.receive({ kind: "description", description: offer });
impolite.receive({ kind: "candidates", candidates: [{ candidate: "c1" }] });
await settle();
assert.deepStrictEqual(impolite.pc.log, ["local offer", "candidate c1"]);
assert.strictEqual(impoliteHost.signals.length, 1);

// The polite side waits for the other's first offer instead of making its own...
const politeHost = makeHost(1);
const polite = new Peer(2, politeHost);
assert.strictEqual(polite.polite, true);
polite.pc.onnegotiationneeded();
await settle();
assert.strictEqual(politeHost.signals.length, 0);
// ...and makes it only when none came in time.
runTimers(FIRST_OFFER_WAIT_MS);
await settle();
assert.strictEqual(politeHost.signals[0].description.type, "offer");

// In a collision the polite side rolls its offer back and answers, to the other's connection.
polite.receive({ kind: "description", session: "their-page-1", description: offer });
polite.remoteSession = "their-page-1";
await settle();
assert.deepStrictEqual(polite.pc.log, ["local offer", "rollback", "remote offer", "local answer"]);
const answer = politeHost.signals[1];
assert.strictEqual(answer.description.type, "answer");
assert.strictEqual(answer.session, "page-1");

// Candidates go out in one batch per 100 ms, not one command each (commands are rate-limited).
for (const name of ["a", "b", "c"]) polite.pc.onicecandidate({ candidate: { candidate: name, toJSON: () => ({ candidate: name }) } });
assert.strictEqual(politeHost.signals.length, 2);
runTimers(100);
assert.deepStrictEqual(politeHost.signals[2].candidates, [{ candidate: "a" }, { candidate: "b" }, { candidate: "c" }]);
assert.strictEqual(politeHost.signals[2].peer_session, "their-page-1");

// A failed connection: the polite side asks for the restart, the impolite side makes it.
polite.pc.connectionState = "failed";
polite.pc.onconnectionstatechange();
assert.deepStrictEqual(politeHost.signals[3].kind, "restart");
assert.ok(!polite.pc.log.includes("restartIce"));
impolite.receive({ kind: "restart" });
await settle();
assert.ok(impolite.pc.log.includes("restartIce"));

// Still not connected after a restart: the impolite side replaces the whole connection.
impolite.restartsUnconnected = 1;
impolite.checkConnected();
assert.deepStrictEqual(impoliteHost.rebuilt, [1]);

// The other side hangs up: the room drops the peer; closing stops it and removes its tile.
polite.receive({ kind: "hangup" });
await settle();
assert.deepStrictEqual(politeHost.dropped, [2]);
polite.close();
assert.ok(politeHost.removed && polite.pc.log.includes("close"));
assert.strictEqual(await polite.signal({ kind: "restart" }), undefined);
assert.strictEqual(politeHost.signals.length, 4); // a closed peer sends nothing

console.log("ok");
