/*
 * One mesh video connection to one other participant of a meeting room (room/peers.js keeps one
 * per person in the same room). Signals (offers, answers, ICE candidates, restart requests, hang-up)
 * travel through the gateway as meeting.signal commands; the gateway rate-limits commands per
 * member, so candidates go in batches.
 *
 *   const peer = new Peer(memberId, host);
 *   peer.receive(frame.data);           // each signal from that member, in order
 *
 * `host` is what the page supplies: { me, iceServers, localStream, audioOnly() → bool,
 * connectionName() → a name unique to this page's connection, signal(data) → Promise,
 * view(id) → { tile, show(stream), caption(name), remove() }, rebuild(id), drop(id) }.
 * tests/meetings/mesh_js_check.mjs drives it in Node with fake peer connections.
 */

export const ICE_DISCONNECTED_GRACE_MS = 3000;
export const NEGOTIATION_CHECK_MS = 1000;
export const CONNECT_WAIT_MS = 6000; // a peer not connected by then restarts ICE (doubling up to 30 s)
export const FIRST_OFFER_WAIT_MS = 2000; // how long the polite side waits for the other's first offer

/* One connection to one other participant, in the "perfect negotiation" pattern. To keep the
   two sides from offering at once where it can be avoided (Chromium can lose its ICE
   candidate gathering when the polite side rolls back an offer it has only just made, and
   the pair then never connects), the impolite side makes the first offer and every ICE
   restart; the polite side offers first only when none has come in FIRST_OFFER_WAIT_MS, and
   asks the other side to restart. Changes during the call (audio only, a shared screen) are
   offered by either side, and a collision then is resolved by the pattern. */
export class Peer {
  constructor(id, host, { eager = false } = {}) {
    this.id = id;
    this.host = host;
    this.session = host.connectionName(); // names this connection in its signals
    this.remoteSession = null; // the other side's connection, learnt from its first signal
    this.polite = host.me < id;
    this.eager = eager; // a rebuilt connection offers at once: the other side knows nothing of it
    this.heardOffer = false;
    this.firstOfferTimer = null;
    this.restartsUnconnected = 0;
    this.makingOffer = false;
    this.ignoreOffer = false;
    this.answerPending = false;
    this.queue = Promise.resolve(); // signals are handled one at a time, in order
    this.outCandidates = [];
    this.flushTimer = null;
    this.closed = false;
    const localStream = host.localStream;
    this.pc = new RTCPeerConnection({ iceServers: host.iceServers });
    for (const track of localStream.getTracks()) this.pc.addTrack(track, localStream);
    if (!this.tracks("audio").length) this.pc.addTransceiver("audio", { direction: "recvonly" });
    if (!this.tracks("video").length) this.pc.addTransceiver("video", { direction: "recvonly" });
    this.view = host.view(id); // { tile, show(stream), caption(name), remove() }
    this.tile = this.view.tile;
    this.pc.ontrack = ({ track, streams }) => this.view.show(streams[0] || new MediaStream([track]));
    this.negotiationTimer = null;
    this.awaitingNegotiation = false;
    this.pc.onnegotiationneeded = () => {
      this.awaitingNegotiation = false;
      if (!this.pc.currentRemoteDescription && !this.eager && (this.polite || this.heardOffer)) {
        this.offerIfNoneComes();
        return;
      }
      this.offer();
    };
    this.pc.onicecandidate = ({ candidate }) => {
      if (!candidate || !candidate.candidate) return;
      this.outCandidates.push(candidate.toJSON());
      if (!this.flushTimer) this.flushTimer = setTimeout(() => this.flushCandidates(), 100);
    };
    this.disconnectTimer = null;
    this.pc.oniceconnectionstatechange = () => {
      const ice = this.pc.iceConnectionState;
      clearTimeout(this.disconnectTimer);
      if (ice === "failed") this.restart();
      // "disconnected" often heals by itself within seconds (a brief radio fade); if it does
      // not, the path is gone (a new network) and only fresh candidates bring it back.
      else if (ice === "disconnected") {
        this.disconnectTimer = setTimeout(() => {
          if (this.pc.iceConnectionState === "disconnected") this.restart();
        }, ICE_DISCONNECTED_GRACE_MS);
      }
    };
    this.pc.onconnectionstatechange = () => {
      if (this.pc.connectionState === "failed") this.restart();
      if (this.pc.connectionState === "connected") {
        this.connectWait = CONNECT_WAIT_MS;
        this.restartsUnconnected = 0;
      }
    };
    // Signals travel at most once: a lost offer, answer or batch of candidates (a weak link, a
    // collision's stray candidates) would leave the pair unconnected for good. Not connected
    // after a while: restart ICE, which renegotiates with fresh candidates on both sides; if
    // that does not help either, the impolite side replaces the whole connection.
    this.connectWait = CONNECT_WAIT_MS;
    this.watchdog = setTimeout(() => this.checkConnected(), this.connectWait);
    if (host.audioOnly()) this.applyAudioOnly();
  }

  checkConnected() {
    if (this.closed) return;
    if (this.pc.connectionState !== "connected") {
      if (!this.polite && this.restartsUnconnected >= 1) {
        this.host.rebuild(this.id);
        return;
      }
      this.restartsUnconnected += 1;
      this.restart();
      this.connectWait = Math.min(this.connectWait * 2, 30000);
    }
    this.watchdog = setTimeout(() => this.checkConnected(), this.connectWait);
  }

  offerIfNoneComes() {
    clearTimeout(this.firstOfferTimer);
    this.firstOfferTimer = setTimeout(() => {
      const pc = this.pc;
      if (this.closed || pc.currentRemoteDescription || pc.signalingState !== "stable" || this.makingOffer) return;
      this.offer();
    }, FIRST_OFFER_WAIT_MS);
  }

  caption(name) {
    this.view.caption(name);
  }

  tracks(kind) {
    return this.host.localStream.getTracks().filter((t) => t.kind === kind);
  }

  signal(data, attempt = 0) {
    if (this.closed) return Promise.resolve();
    const sessions = { session: this.session, peer_session: this.remoteSession || undefined };
    return this.host.signal({ to: this.id, ...sessions, ...data }).catch((error) => {
      if (error.code === "rate_limited" && attempt < 5) {
        const wait = Math.ceil(((error.frame && error.frame.retry_after) || 0.5) * 1000);
        return new Promise((r) => setTimeout(r, wait)).then(() => this.signal(data, attempt + 1));
      }
      if (error.code !== "forbidden") console.warn("signal failed", error);
    });
  }

  flushCandidates() {
    this.flushTimer = null;
    const batch = this.outCandidates.splice(0, 50);
    if (batch.length) this.signal({ kind: "candidates", candidates: batch });
    if (this.outCandidates.length) this.flushTimer = setTimeout(() => this.flushCandidates(), 100);
  }

  async offer() {
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      await this.signal({ kind: "description", description: this.pc.localDescription.toJSON() });
    } catch (error) {
      console.warn("offer failed", error);
    } finally {
      this.makingOffer = false;
    }
  }

  receive(data) {
    if (data.kind === "description" && data.description.type === "offer") this.heardOffer = true;
    this.queue = this.queue.then(() => this.handle(data)).catch((error) => console.warn("signal", error));
  }

  async handle(data) {
    if (this.closed) return;
    const pc = this.pc;
    if (data.kind === "description") {
      const description = data.description;
      const readyForOffer = !this.makingOffer && (pc.signalingState === "stable" || this.answerPending);
      const collision = description.type === "offer" && !readyForOffer;
      this.ignoreOffer = !this.polite && collision;
      if (this.ignoreOffer) return;
      this.answerPending = description.type === "answer";
      await pc.setRemoteDescription(description); // polite + collision: an implicit rollback
      this.answerPending = false;
      if (description.type === "offer") {
        await this.adoptTransceivers();
        this.applyAudioOnly(false); // the answer itself carries our audio-only choice
        await pc.setLocalDescription();
        await this.signal({ kind: "description", description: pc.localDescription.toJSON() });
      }
    } else if (data.kind === "candidates") {
      for (const candidate of data.candidates) {
        try {
          await pc.addIceCandidate(candidate);
        } catch (error) {
          if (!this.ignoreOffer) throw error; // candidates of an offer we ignored are expected to fail
        }
      }
    } else if (data.kind === "restart" && !this.polite) {
      pc.restartIce();
      this.expectNegotiation();
    } else if (data.kind === "hangup") {
      this.host.drop(this.id);
    }
  }

  /* ICE restart: a new offer with fresh credentials, made by the impolite side whichever of
     the two noticed the failure first (both restarting at once would collide). */
  restart() {
    if (this.closed) return;
    if (this.polite) {
      this.signal({ kind: "restart" });
      return;
    }
    this.pc.restartIce();
    this.expectNegotiation();
  }

  /* A local change (direction, ICE restart) must reach the other side. After the polite side
     has rolled back its own offer in a collision, Chromium may never fire negotiationneeded
     for the next change (its flag stays set from the rolled-back offer), and the change would
     wait forever: if the event has not come by the time the connection is stable, offer. */
  expectNegotiation() {
    this.awaitingNegotiation = true;
    clearTimeout(this.negotiationTimer);
    const check = () => {
      if (this.closed || !this.awaitingNegotiation) return;
      if (this.makingOffer || this.pc.signalingState !== "stable") {
        this.negotiationTimer = setTimeout(check, NEGOTIATION_CHECK_MS);
        return;
      }
      this.awaitingNegotiation = false;
      this.offer();
    };
    this.negotiationTimer = setTimeout(check, NEGOTIATION_CHECK_MS);
  }

  /* An offer whose video section is inactive or sendonly (the other side is on audio only)
     cannot take over the transceiver our addTrack made: the browser makes a new one for it,
     and ours would come back as an extra section in our next offer, where the receiving side
     would get video after all. So our track moves onto the offer's transceiver and the spare
     one is stopped before it was ever negotiated. */
  async adoptTransceivers() {
    const all = this.pc.getTransceivers().filter((t) => t.direction !== "stopped");
    for (const spare of all.filter((t) => t.mid === null && t.sender.track)) {
      const kind = spare.sender.track.kind;
      const free = all.find((t) => t.mid !== null && t.receiver.track.kind === kind && !t.sender.track);
      if (!free) continue;
      await free.sender.replaceTrack(spare.sender.track);
      if (free.sender.setStreams) free.sender.setStreams(this.host.localStream);
      free.direction = "sendrecv";
      spare.stop();
    }
  }

  applyAudioOnly(negotiate = true) {
    let changed = false;
    for (const transceiver of this.pc.getTransceivers()) {
      if (transceiver.receiver.track.kind !== "video" || transceiver.direction === "stopped") continue;
      const wanted = this.host.audioOnly() ? "inactive" : this.tracks("video").length ? "sendrecv" : "recvonly";
      if (transceiver.direction !== wanted) {
        transceiver.direction = wanted;
        changed = true;
      }
    }
    if (changed && negotiate) this.expectNegotiation();
  }

  close() {
    this.closed = true;
    clearTimeout(this.flushTimer);
    clearTimeout(this.disconnectTimer);
    clearTimeout(this.negotiationTimer);
    clearTimeout(this.watchdog);
    clearTimeout(this.firstOfferTimer);
    this.pc.close();
    this.view.remove();
  }
}
