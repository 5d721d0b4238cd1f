/*
 * The browser side of the media relay (docs/protocol.md "Media relay").
 *
 *   import { Session } from "./relay.js";
 *   const relay = new Session({ rt, room: "meeting:7", iceServers,
 *     publish: { mic: micTrack, cam: camTrack },          // what this tab sends (may be empty)
 *     onTrack: (mid, info, track) => …,                     // info: { member, source } or null
 *     onViewers: (count) => …, onState: (state) => … });
 *   relay.start();
 *
 * The server makes every offer; this side is the polite peer that only answers, so offers never
 * collide. The answer's transceivers follow the `layout` the server sends with each offer:
 * ones marked `publish` carry this tab's tracks (sendonly), the rest show other people.
 * Layout changes without renegotiation re-point a receiving slot to another person.
 *
 * The server (aiortc) cannot restart ICE, so recovery is a fresh peer connection under the same
 * session id, which replaces the old one on the server: at once when the connection fails or
 * the network changes, and after DISCONNECTED_GRACE_MS of "disconnected" (a dropped link is
 * back on its own within that time or not at all).
 */
const global = globalThis;
const DISCONNECTED_GRACE_MS = 1500;
const OFFER_TIMEOUT_MS = 8000;
const CONNECT_WAIT_MS = 10000;
const CANDIDATE_BATCH_MS = 50;

function sessionId() {
  const bytes = new Uint8Array(8);
  global.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

class Session {
  constructor(options) {
    this.rt = options.rt;
    this.room = options.room;
    this.iceServers = options.iceServers || [];
    // What this tab sends: source → track (null: negotiated, nothing sent yet, e.g. the screen).
    this.publish = Object.assign({}, options.publish || {});
    this.onTrack = options.onTrack || (() => {});
    this.onViewers = options.onViewers || (() => {});
    this.onState = options.onState || (() => {});
    this.onError = options.onError || (() => {});
    this.session = sessionId();
    this.pc = null;
    this.layout = {};
    this.receivers = new Map(); // mid → received MediaStreamTrack
    this.pendingCandidates = [];
    this.candidateTimer = null;
    this.disconnectTimer = null;
    this.offerTimer = null;
    this.stopped = true;
    this.videoOff = false;
    this.unsubscribe = null;
    this.restarts = 0;
    this.queue = Promise.resolve(); // signals are handled one at a time, in order
    this.connectTimer = null;
    this.onNetworkChange = () => this.restart("network");
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = this.rt.subscribe(this.room, (frame) => this.onFrame(frame));
    global.addEventListener("online", this.onNetworkChange);
    if (global.navigator.connection) global.navigator.connection.addEventListener("change", this.onNetworkChange);
    this.connect();
  }

  stop() {
    if (this.stopped) return;
    this.stopped = true;
    global.removeEventListener("online", this.onNetworkChange);
    if (global.navigator.connection) global.navigator.connection.removeEventListener("change", this.onNetworkChange);
    this.rt.command("meeting.media.leave", this.room, { session: this.session }).catch(() => {});
    this.closePc();
    if (this.unsubscribe) this.unsubscribe();
    this.setState("closed");
  }

  /* Replace what this tab sends for one source (a camera switch, screen sharing on or off). */
  setTrack(source, track) {
    this.publish[source] = track || null;
    return this.applyTrack(source);
  }

  applyTrack(source) {
    const transceiver = this.transceiverFor(source);
    const track = source === "cam" && this.videoOff ? null : this.publish[source] || null;
    if (transceiver && transceiver.sender.track !== track) return transceiver.sender.replaceTrack(track);
    return Promise.resolve();
  }

  /* Audio only: the relay stops sending video to this tab, and this tab stops sending its own. */
  setVideoOff(off) {
    this.videoOff = off;
    this.applyTrack("cam");
    return this.rt.command("meeting.media.receive", this.room, { session: this.session, video: !off }).catch(() => {});
  }

  // --- the connection ------------------------------------------------------------------------

  connect() {
    this.closePc();
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    this.pc = pc;
    this.receivers.clear();
    pc.ontrack = (event) => {
      const mid = event.transceiver.mid;
      this.receivers.set(mid, event.track);
      this.onTrack(mid, this.infoFor(mid), event.track);
    };
    pc.onicecandidate = (event) => {
      if (pc !== this.pc) return;
      this.pendingCandidates.push(event.candidate ? event.candidate.toJSON() : { candidate: "" });
      if (!this.candidateTimer) this.candidateTimer = setTimeout(() => this.flushCandidates(), CANDIDATE_BATCH_MS);
    };
    pc.onconnectionstatechange = () => {
      if (pc !== this.pc) return;
      const state = pc.connectionState;
      this.setState(state);
      clearTimeout(this.disconnectTimer);
      if (state === "failed") this.restart("failed");
      else if (state === "disconnected") {
        this.disconnectTimer = setTimeout(() => this.restart("disconnected"), DISCONNECTED_GRACE_MS);
      } else if (state === "connected") this.restarts = 0;
    };
    this.setState("connecting");
    const publish = Object.keys(this.publish);
    this.rt
      .command("meeting.media.join", this.room, { session: this.session, publish, video: !this.videoOff })
      .catch((error) => {
        this.onError(error);
        this.retryLater();
      });
    clearTimeout(this.offerTimer);
    this.offerTimer = setTimeout(() => this.retryLater(), OFFER_TIMEOUT_MS);
  }

  retryLater() {
    if (this.stopped) return;
    clearTimeout(this.offerTimer);
    const delay = Math.min(10000, 500 * 2 ** Math.min(this.restarts++, 5)) * (0.5 + Math.random() / 2);
    this.offerTimer = setTimeout(() => this.connect(), delay);
  }

  restart() {
    if (this.stopped || !this.pc) return;
    this.setState("reconnecting");
    this.connect();
  }

  closePc() {
    clearTimeout(this.candidateTimer);
    clearTimeout(this.disconnectTimer);
    clearTimeout(this.offerTimer);
    clearTimeout(this.connectTimer);
    this.candidateTimer = null;
    this.pendingCandidates = [];
    if (this.pc) {
      const pc = this.pc;
      this.pc = null;
      pc.ontrack = pc.onicecandidate = pc.onconnectionstatechange = null;
      pc.close();
    }
  }

  flushCandidates() {
    this.candidateTimer = null;
    const batch = this.pendingCandidates.splice(0, 50);
    if (!batch.length || this.stopped) return;
    this.rt.command("meeting.media.candidates", this.room, { session: this.session, candidates: batch }).catch(() => {});
    if (this.pendingCandidates.length) this.candidateTimer = setTimeout(() => this.flushCandidates(), CANDIDATE_BATCH_MS);
  }

  // --- signals from the relay ------------------------------------------------------------------

  onFrame(frame) {
    if (frame.type !== "signal" || frame.sender !== null) return;
    const data = frame.data || {};
    if (data.kind === "media.viewers") return this.onViewers(data.count);
    if (data.session !== this.session) return;
    // One at a time, in order: a layout that follows an offer must not be applied while that
    // offer is still being answered, or the answer would put the older layout back.
    this.queue = this.queue.then(() => this.handle(data)).catch((error) => {
      this.onError(error);
      this.retryLater();
    });
  }

  async handle(data) {
    if (data.kind === "media.offer") await this.answer(data);
    else if (data.kind === "media.layout") this.applyLayout(data.layout || {});
    else if (data.kind === "media.closed") this.retryLater();
  }

  async answer(data) {
    const pc = this.pc;
    if (!pc) return;
    clearTimeout(this.offerTimer);
    await pc.setRemoteDescription({ type: "offer", sdp: data.sdp });
    this.layout = data.layout || {};
    for (const transceiver of pc.getTransceivers()) {
      const info = this.layout[transceiver.mid];
      if (info && info.publish) {
        transceiver.direction = "sendonly";
        const track = info.source === "cam" && this.videoOff ? null : this.publish[info.source] || null;
        if (transceiver.sender.track !== track) await transceiver.sender.replaceTrack(track);
      } else {
        transceiver.direction = "recvonly";
      }
    }
    await pc.setLocalDescription(await pc.createAnswer());
    if (pc !== this.pc) return;
    await this.rt.command("meeting.media.answer", this.room, { session: this.session, sdp: pc.localDescription.sdp });
    this.flushCandidates();
    this.applyLayout(this.layout);
    // Answered but never connected (candidates lost on the way): start afresh.
    clearTimeout(this.connectTimer);
    this.connectTimer = setTimeout(() => {
      if (pc === this.pc && pc.connectionState !== "connected") this.restart();
    }, CONNECT_WAIT_MS);
  }

  applyLayout(layout) {
    this.layout = layout;
    for (const [mid, track] of this.receivers) this.onTrack(mid, this.infoFor(mid), track);
  }

  infoFor(mid) {
    const info = this.layout[mid];
    return info && !info.publish ? info : null;
  }

  transceiverFor(source) {
    if (!this.pc) return null;
    for (const transceiver of this.pc.getTransceivers()) {
      const info = this.layout[transceiver.mid];
      if (info && info.publish && info.source === source) return transceiver;
    }
    return null;
  }

  setState(state) {
    this.state = state;
    this.onState(state);
  }

  /* Inbound video statistics for the quality hint: packets received and lost so far. */
  async inboundVideo() {
    if (!this.pc) return null;
    let received = 0;
    let lost = 0;
    (await this.pc.getStats()).forEach((report) => {
      if (report.type === "inbound-rtp" && report.kind === "video") {
        received += report.packetsReceived || 0;
        lost += report.packetsLost || 0;
      }
    });
    return { received, lost };
  }
}

/*
 * A lesson's stage: the programme in one <video> (the shared screen while it is shown, else the
 * camera), the camera small beside a shared screen, the sound in an <audio> element.
 */
class LessonStage {
  constructor(container, text) {
    this.container = container;
    this.text = text || {};
    this.main = document.createElement("video");
    this.side = document.createElement("video");
    this.sound = document.createElement("audio");
    for (const video of [this.main, this.side]) {
      video.autoplay = true;
      video.playsInline = true;
      video.muted = true; // the sound plays from the audio element
    }
    this.main.className = "stage-main";
    this.side.className = "stage-side";
    this.side.hidden = true;
    this.sound.autoplay = true;
    this.waiting = document.createElement("p");
    this.waiting.className = "stage-waiting muted";
    this.waiting.textContent = this.text.waiting || "";
    this.unmute = document.createElement("button");
    this.unmute.type = "button";
    this.unmute.hidden = true;
    this.unmute.textContent = this.text.playSound || "▶";
    this.unmute.addEventListener("click", () => this.play());
    container.replaceChildren(this.main, this.side, this.sound, this.waiting, this.unmute);
    this.tracks = { cam: null, screen: null, mic: null };
    this.local = null; // the presenter's own camera, shown at once instead of the relay's copy
  }

  /* On the presenter's page: his own camera, not "waiting for the lecturer", and never his own
     sound played back to him. */
  preview(stream) {
    this.local = (stream && stream.getVideoTracks()[0]) || null;
    this.render();
  }

  onTrack(mid, info, track) {
    if (!info) return;
    this.tracks[info.source] = track;
    track.onunmute = track.onmute = () => this.render();
    this.render();
  }

  render() {
    const live = (track) => track && track.readyState === "live" && !track.muted;
    const screen = live(this.tracks.screen);
    const camera = this.local || this.tracks.cam;
    const main = screen ? this.tracks.screen : camera;
    this.attach(this.main, main);
    this.attach(this.side, screen ? camera : null);
    this.side.hidden = !screen;
    this.waiting.hidden = Boolean(this.local) || live(this.tracks.cam) || screen;
    if (this.local) return;
    if (this.tracks.mic && (!this.sound.srcObject || this.sound.srcObject.getTracks()[0] !== this.tracks.mic)) {
      this.sound.srcObject = new MediaStream([this.tracks.mic]);
      this.play();
    }
  }

  attach(video, track) {
    const current = video.srcObject && video.srcObject.getTracks()[0];
    if (current === track) return;
    video.srcObject = track ? new MediaStream([track]) : null;
    if (track) video.play().catch(() => {});
  }

  play() {
    this.sound.play().then(
      () => { this.unmute.hidden = true; },
      () => { this.unmute.hidden = false; }, // autoplay with sound needs a tap first
    );
  }
}

export { Session, LessonStage };
