/*
 * The live meeting room (stream meeting:<id>, docs/protocol.md "Meetings").
 *
 * Knock at meeting.lobby:<id>; a waiter hears "admitted" on user:me, then subscribes to the room.
 * Video is a mesh: one RTCPeerConnection per other participant of the same (breakout) room, set
 * up with the "perfect negotiation" pattern: both sides may offer at any time, and on a collision
 * the polite side (the lower member id) rolls back and answers while the impolite side ignores
 * the other's offer. Offers, answers and ICE candidates go through the gateway as meeting.signal
 * commands; candidates are batched because the gateway rate-limits commands per member.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("room-config").textContent);
  const T = JSON.parse(document.getElementById("room-text").textContent);
  const ME = config.me;
  const $ = (id) => document.getElementById(id);

  const rt = new EpaRealtime.Connection({ indicator: $("rt-state") });
  const peers = new Map(); // member id → Peer
  let state = null; // the last meeting.state answer, kept current by events
  let inRoom = false;
  let localStream = null;
  let iceServers = [];
  let audioOnly = false;
  let micOn = true;
  let videoOn = true;
  let myBreakout = null;
  let stateTimer = null;
  let breakoutTimer = null;

  // --- helpers -------------------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "onclick") node.addEventListener("click", value);
      else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value);
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  function notice(text) {
    const box = $("room-notice");
    box.textContent = text || "";
    box.hidden = !text;
  }

  function fail(error) {
    notice(T.error + " " + (error && error.message ? error.message : error));
  }

  function command(name, args) {
    return rt.command("meeting." + name, config.room, args || {});
  }

  function nameOf(memberId) {
    const person = state && state.participants.find((p) => p.member === memberId);
    return person ? person.name : "#" + memberId;
  }

  // --- entering ------------------------------------------------------------------------------

  rt.subscribe("user:me", (frame) => {
    if (frame.type !== "event") return;
    const event = frame.event;
    if (event.meeting !== config.meeting) return;
    if (event.type === "meetings.lobby.admitted") enterRoom();
    else if (event.type === "meetings.lobby.denied") closeRoom(T.denied);
    else if (event.type === "meetings.room.removed") closeRoom(T.removed);
    else if (event.type === "meetings.chat.rejected") $("chat-status").textContent = T.rejected;
  });

  let knocked = false;
  rt.onFrame((frame) => {
    if (frame.type !== "state" || frame.state !== "open") return;
    if (!knocked) {
      knocked = true;
      knock();
    } else if (inRoom) {
      refreshState(); // resubscribed with since: events are caught up; redraw from the truth
    }
  });

  function knock() {
    rt.command("meeting.lobby.enter", config.lobby)
      .then((data) => {
        if (data.status === "admitted") enterRoom();
        else $("lobby").hidden = false;
      })
      .catch((error) => closeRoom(error.message));
  }

  async function enterRoom() {
    if (inRoom) return;
    inRoom = true;
    $("lobby").hidden = true;
    $("room").hidden = false;
    await Promise.all([loadIceServers(), openMedia()]);
    rt.subscribe(config.room, onRoomFrame);
    // The subscribe and this command travel on one socket in order: the state includes us.
    await refreshState();
  }

  async function loadIceServers() {
    try {
      const response = await fetch(config.ice_url, { credentials: "same-origin" });
      if (response.ok) iceServers = (await response.json()).ice_servers || [];
    } catch (e) {
      iceServers = []; // loopback and LAN need no STUN; a TURN-less room still works there
    }
  }

  async function openMedia() {
    try {
      localStream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
    } catch (e) {
      try {
        localStream = await navigator.mediaDevices.getUserMedia({ audio: true });
      } catch (e2) {
        localStream = new MediaStream();
        notice(T.noMedia);
      }
    }
    $("local-video").srcObject = localStream;
  }

  function closeRoom(message) {
    inRoom = false;
    for (const peer of peers.values()) peer.close();
    peers.clear();
    if (localStream) localStream.getTracks().forEach((track) => track.stop());
    $("room").hidden = true;
    $("lobby").hidden = true;
    $("closed").hidden = false;
    $("closed-title").textContent = message;
  }

  // --- state and events ----------------------------------------------------------------------

  async function refreshState() {
    try {
      state = await command("state");
    } catch (error) {
      if (error.code === "conflict") closeRoom(T.ended);
      return;
    }
    const me = state.participants.find((p) => p.member === ME);
    myBreakout = me ? me.breakout : null;
    if (me) applyMute(me.mic_muted, me.video_muted, false);
    renderAll();
    reconcilePeers();
  }

  function refreshSoon() {
    clearTimeout(stateTimer);
    stateTimer = setTimeout(refreshState, 150);
  }

  function onRoomFrame(frame) {
    if (frame.type === "signal") return onSignal(frame);
    if (frame.type === "presence") return refreshSoon();
    if (frame.type !== "event" || !state) return;
    const event = frame.event;
    switch (event.type) {
      case "meetings.hands":
        state.hands = event.queue;
        state.floor = event.floor;
        renderHands();
        break;
      case "meetings.mute":
        if (event.member === ME && event.by !== ME) {
          applyMute(event.mic_muted, event.video_muted, true);
        }
        refreshSoon();
        break;
      case "meetings.lobby":
        state.lobby = state.me.is_host ? event.waiting : [];
        renderLobby();
        break;
      case "meetings.room.locked":
        state.meeting.locked = event.locked;
        renderHost();
        break;
      case "meetings.room.started":
        state.meeting.status = "live";
        renderHost();
        break;
      case "meetings.participant.removed":
        if (event.member === ME) closeRoom(T.removed);
        else dropPeer(event.member);
        refreshSoon();
        break;
      case "meetings.meeting.ended":
        closeRoom(T.ended);
        renderResults($("closed-results"), event.closed_votes);
        break;
      case "meetings.breakout.started":
      case "meetings.breakout.ended":
      case "meetings.mode":
        refreshState();
        break;
      case "meetings.chat":
        state.chat.push(event);
        renderChat();
        break;
      case "meetings.chat.hidden":
        state.chat = state.chat.filter((line) => line.id !== event.id);
        renderChat();
        break;
      case "meetings.vote.opened":
        state.votes.push({ ...event.motion, voted: false, turnout: 0 });
        renderVotes();
        break;
      case "meetings.vote.turnout": {
        const vote = state.votes.find((v) => v.id === event.motion);
        if (vote) vote.turnout = event.turnout;
        renderVotes();
        break;
      }
      case "meetings.vote.closed": {
        const vote = state.votes.find((v) => v.id === event.motion.id);
        if (vote) Object.assign(vote, event.motion);
        else state.votes.push(event.motion);
        renderVotes();
        break;
      }
      default:
        break;
    }
  }

  // --- rendering -----------------------------------------------------------------------------

  function renderAll() {
    renderParticipants();
    renderHands();
    renderLobby();
    renderVotes();
    renderChat();
    renderHost();
    renderBreakout();
    const senders = state.participants.filter((p) => !p.video_muted).length;
    if (state.mode === "mesh" && senders > state.mesh_video_senders && !audioOnly) notice(T.meshLimit);
  }

  function renderParticipants() {
    const list = $("participants");
    list.replaceChildren();
    $("participant-count").textContent = String(state.participants.length);
    for (const person of state.participants) {
      const marks = (person.mic_muted ? "🔇" : "") + (person.video_muted ? "🚫📷" : "");
      const item = el(
        "li",
        { "data-member": person.member },
        el("span", { class: "name" }, person.name),
        el("span", { class: "role" }, T[person.role] || person.role),
        el("span", { class: "state" }, marks),
      );
      if (state.me.is_host && person.member !== ME) {
        if (!person.mic_muted) {
          item.append(el("button", { type: "button", "data-action": "mute-mic", onclick: () => command("mute", { member: person.member, mic: true }).catch(fail) }, T.muteOther));
        }
        if (!person.video_muted) {
          item.append(el("button", { type: "button", "data-action": "mute-video", onclick: () => command("mute", { member: person.member, video: true }).catch(fail) }, T.stopOther));
        }
        if (person.role !== "host") {
          item.append(el("button", { type: "button", "data-action": "remove", onclick: () => command("room.remove", { member: person.member }).catch(fail) }, T.remove));
        }
      }
      list.append(item);
    }
  }

  function renderHands() {
    const list = $("hands");
    list.replaceChildren();
    const raised = state.hands.some((h) => h.member === ME);
    $("toggle-hand").textContent = raised ? T.lower : T.raise;
    $("toggle-hand").setAttribute("aria-pressed", String(raised));
    $("floor").textContent = state.floor ? T.floor + " " + nameOf(state.floor) : "";
    for (const hand of state.hands) {
      const item = el("li", { "data-member": hand.member }, el("span", { class: "name" }, hand.name));
      if (state.me.is_host) {
        item.append(
          el("button", { type: "button", onclick: () => command("hand.floor", { member: hand.member }).catch(fail) }, T.giveFloor),
          el("button", { type: "button", onclick: () => command("hand.lower", { member: hand.member }).catch(fail) }, T.lower),
        );
      }
      list.append(item);
    }
  }

  function renderLobby() {
    const list = $("lobby-list");
    if (!list) return;
    list.replaceChildren();
    for (const waiter of state.lobby) {
      list.append(
        el(
          "li",
          {},
          el("span", { class: "name" }, waiter.name),
          el("button", { type: "button", onclick: () => command("room.admit", { member: waiter.member }).catch(fail) }, T.admit),
          el("button", { type: "button", onclick: () => command("room.admit", { member: waiter.member, admit: false }).catch(fail) }, T.deny),
        ),
      );
    }
  }

  function renderHost() {
    const lock = $("toggle-lock");
    if (!lock) return;
    lock.textContent = state.meeting.locked ? T.unlock : T.lock;
    lock.setAttribute("aria-pressed", String(state.meeting.locked));
    $("start-meeting").hidden = state.meeting.status !== "scheduled";
    $("breakout-return").hidden = state.breakouts.length === 0;
  }

  function renderBreakout() {
    const banner = $("breakout-banner");
    clearTimeout(breakoutTimer);
    const room = state.breakouts.find((b) => b.id === myBreakout);
    if (!room) {
      banner.hidden = true;
      return;
    }
    const until = new Date(room.ends_at);
    banner.hidden = false;
    banner.textContent = T.breakout + " " + room.name + " · " + T.breakoutUntil + " " + until.toLocaleTimeString();
    // When the time is up any page may call everyone back (the server checks the time).
    breakoutTimer = setTimeout(() => command("breakout.return").catch(() => {}), Math.max(0, until - Date.now()) + 500);
  }

  function renderChat() {
    const list = $("chat-lines");
    list.replaceChildren();
    for (const line of state.chat) {
      if ((line.breakout || null) !== myBreakout) continue; // each breakout room has its own chat
      list.append(el("li", {}, el("span", { class: "who" }, line.name), line.text));
    }
    list.scrollTop = list.scrollHeight;
  }

  function outcomeText(result) {
    const parts = [
      T.eligible + " " + result.eligible,
      T.turnout + " " + result.turnout,
      result.quorum_met ? T.quorum : T.noQuorum,
    ];
    if (result.outcome === "elected") {
      parts.push(T.outcome_elected + " " + (result.elected.join("、") || "—"));
      if (result.tied && result.tied.length) parts.push(T.tied + " " + result.tied.join("、"));
    } else {
      parts.push(T["outcome_" + result.outcome] || result.outcome);
    }
    return parts.join(" · ");
  }

  function renderResults(box, votes) {
    box.replaceChildren();
    for (const vote of votes || []) {
      const counts = Object.entries(vote.result.counts).map(([o, n]) => (T[o] || o) + " " + n).join(" · ");
      box.append(el("div", { class: "vote" }, el("strong", {}, vote.title), el("p", {}, counts), el("p", {}, outcomeText(vote.result))));
    }
  }

  function renderVotes() {
    const box = $("votes");
    box.replaceChildren();
    for (const vote of state.votes) {
      const card = el("div", { class: "vote", "data-motion": vote.id }, el("strong", {}, vote.title), " ",
        el("span", { class: "muted" }, vote.secret ? T.secret : T.open));
      if (vote.status === "closed" && vote.result) {
        const counts = Object.entries(vote.result.counts).map(([o, n]) => (T[o] || o) + " " + n).join(" · ");
        card.append(el("p", {}, counts), el("p", { class: "result" }, outcomeText(vote.result)));
      } else {
        card.append(el("p", { class: "muted" }, T.turnout + " " + (vote.turnout || 0)));
        if (vote.voted) {
          card.append(el("p", {}, T.voted));
        } else {
          const form = el("form", {});
          const type = vote.max_choices > 1 ? "checkbox" : "radio";
          for (const option of vote.options) {
            form.append(el("label", { class: "check" }, el("input", { type, name: "choice", value: option }), T[option] || option));
          }
          form.append(el("button", { type: "submit", class: "primary" }, T.voteCast));
          form.addEventListener("submit", (e) => {
            e.preventDefault();
            const choices = [...form.querySelectorAll("input:checked")].map((i) => i.value);
            command("vote.cast", { motion: vote.id, choices }).then(() => { vote.voted = true; renderVotes(); }, fail);
          });
          card.append(form);
        }
        if (state.me.is_host) {
          card.append(el("button", { type: "button", onclick: () => command("vote.close", { motion: vote.id }).catch(fail) }, T.closeVote));
        }
      }
      box.append(card);
    }
  }

  // --- own controls --------------------------------------------------------------------------

  function tracks(kind) {
    return localStream ? localStream.getTracks().filter((t) => t.kind === kind) : [];
  }

  function applyMute(micMuted, videoMuted, byHost) {
    if (micMuted && micOn && byHost) notice(T.mutedByHost);
    if (videoMuted && videoOn && byHost) notice(T.videoStoppedByHost);
    micOn = !micMuted;
    videoOn = !videoMuted;
    tracks("audio").forEach((t) => (t.enabled = micOn));
    tracks("video").forEach((t) => (t.enabled = videoOn && !audioOnly));
    $("toggle-mic").textContent = micOn ? T.muteMic : T.unmuteMic;
    $("toggle-mic").setAttribute("aria-pressed", String(!micOn));
    $("toggle-video").textContent = videoOn ? T.stopVideo : T.startVideo;
    $("toggle-video").setAttribute("aria-pressed", String(!videoOn));
  }

  $("toggle-mic").addEventListener("click", () => {
    applyMute(micOn, !videoOn, false);
    command("mute", { member: ME, mic: !micOn }).catch(fail);
  });
  $("toggle-video").addEventListener("click", () => {
    applyMute(!micOn, videoOn, false);
    command("mute", { member: ME, video: !videoOn }).catch(fail);
  });
  $("toggle-hand").addEventListener("click", () => {
    const raised = state && state.hands.some((h) => h.member === ME);
    command(raised ? "hand.lower" : "hand.raise").catch(fail);
  });
  $("toggle-audio-only").addEventListener("click", () => setAudioOnly(!audioOnly));
  $("accept-audio-only").addEventListener("click", () => setAudioOnly(true));

  /* Audio only: stop sending our video and ask not to receive any (the video transceivers
     become inactive, which renegotiates each connection): what saves a weak link. */
  function setAudioOnly(on) {
    audioOnly = on;
    $("quality-hint").hidden = true;
    $("toggle-audio-only").setAttribute("aria-pressed", String(on));
    $("toggle-audio-only").textContent = on ? T.video : T.audioOnly;
    tracks("video").forEach((t) => (t.enabled = videoOn && !on));
    for (const peer of peers.values()) peer.applyAudioOnly();
    document.querySelectorAll(".tile.remote").forEach((tile) => tile.classList.toggle("audio-only", on));
  }

  $("chat-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = e.target.elements.text;
    const text = input.value.trim();
    if (!text) return;
    $("chat-status").textContent = "";
    command("chat", { text }).then((data) => {
      input.value = "";
      if (data.status === "held") $("chat-status").textContent = T.held;
    }, (error) => ($("chat-status").textContent = error.message));
  });

  if ($("toggle-lock")) {
    $("toggle-lock").addEventListener("click", () => command("room.lock", { locked: !state.meeting.locked }).catch(fail));
    $("end-meeting").addEventListener("click", () => command("room.end").catch(fail));
    $("start-meeting").addEventListener("click", () => command("room.start").catch(fail));
    $("breakout-return").addEventListener("click", () => command("breakout.return").catch(fail));
    $("breakout-form").addEventListener("submit", (e) => {
      e.preventDefault();
      command("breakout.start", { minutes: Number(e.target.elements.minutes.value), by_group: true }).catch(fail);
    });
    $("vote-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const f = e.target.elements;
      const options = f.options.value.split("\n").map((s) => s.trim()).filter(Boolean);
      command("vote.open", {
        title: f.title.value, kind: f.kind.value, options, secret: f.secret.checked,
        max_choices: Number(f.max_choices.value) || 1,
      }).then(() => e.target.reset(), fail);
    });
  }

  // --- WebRTC: one perfect-negotiation peer per other participant ------------------------------

  function sameRoom(person) {
    return person.member !== ME && (person.breakout || null) === myBreakout;
  }

  function reconcilePeers() {
    if (!localStream) return;
    const wanted = new Set(state.participants.filter(sameRoom).map((p) => p.member));
    for (const id of [...peers.keys()]) if (!wanted.has(id)) dropPeer(id);
    for (const id of wanted) if (!peers.has(id)) peers.set(id, new Peer(id));
    for (const [id, peer] of peers) peer.caption(nameOf(id));
  }

  function dropPeer(id) {
    const peer = peers.get(id);
    if (peer) {
      peer.close();
      peers.delete(id);
    }
  }

  function onSignal(frame) {
    const id = frame.sender;
    if (id === null || id === ME) return;
    let peer = peers.get(id);
    if (!peer) {
      // A newcomer's offer can beat the presence frame announcing them.
      if (!localStream) return;
      peer = new Peer(id);
      peers.set(id, peer);
      refreshSoon();
    }
    peer.receive(frame.data);
  }

  class Peer {
    constructor(id) {
      this.id = id;
      this.polite = ME < id;
      this.makingOffer = false;
      this.ignoreOffer = false;
      this.answerPending = false;
      this.queue = Promise.resolve(); // signals are handled one at a time, in order
      this.outCandidates = [];
      this.flushTimer = null;
      this.closed = false;
      this.pc = new RTCPeerConnection({ iceServers });
      for (const track of localStream.getTracks()) this.pc.addTrack(track, localStream);
      if (!tracks("audio").length) this.pc.addTransceiver("audio", { direction: "recvonly" });
      if (!tracks("video").length) this.pc.addTransceiver("video", { direction: "recvonly" });
      this.tile = el("figure", { class: "tile remote", "data-member": id },
        el("video", { class: "remote", autoplay: "", playsinline: "" }), el("figcaption", {}, nameOf(id)));
      $("tiles").append(this.tile);
      this.video = this.tile.querySelector("video");
      this.pc.ontrack = ({ track, streams }) => {
        const stream = streams[0] || new MediaStream([track]);
        if (this.video.srcObject !== stream) this.video.srcObject = stream;
        this.video.play().catch(() => {}); // autoplay may need a gesture for sound; video still plays muted
      };
      this.pc.onnegotiationneeded = () => this.offer();
      this.pc.onicecandidate = ({ candidate }) => {
        if (!candidate || !candidate.candidate) return;
        this.outCandidates.push(candidate.toJSON());
        if (!this.flushTimer) this.flushTimer = setTimeout(() => this.flushCandidates(), 100);
      };
      this.pc.oniceconnectionstatechange = () => {
        if (this.pc.iceConnectionState === "failed") this.restart();
      };
      this.pc.onconnectionstatechange = () => {
        if (this.pc.connectionState === "failed") this.restart();
      };
      if (audioOnly) this.applyAudioOnly();
    }

    caption(name) {
      this.tile.querySelector("figcaption").textContent = name;
    }

    signal(data, attempt = 0) {
      if (this.closed) return Promise.resolve();
      return command("signal", { to: this.id, ...data }).catch((error) => {
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
      } else if (data.kind === "restart") {
        pc.restartIce();
      } else if (data.kind === "hangup") {
        dropPeer(this.id);
      }
    }

    /* ICE restart: a new offer with fresh credentials. The other side is asked too, so the
       restart happens whichever of the two noticed the failure first. */
    restart() {
      if (this.closed) return;
      this.pc.restartIce();
      this.signal({ kind: "restart" });
    }

    applyAudioOnly() {
      for (const transceiver of this.pc.getTransceivers()) {
        const track = transceiver.sender.track;
        if ((track && track.kind === "video") || (transceiver.receiver.track && transceiver.receiver.track.kind === "video")) {
          const hasVideo = tracks("video").length > 0;
          const wanted = audioOnly ? "inactive" : hasVideo ? "sendrecv" : "recvonly";
          if (transceiver.direction !== wanted && transceiver.direction !== "stopped") transceiver.direction = wanted;
        }
      }
    }

    close() {
      this.closed = true;
      clearTimeout(this.flushTimer);
      this.pc.close();
      this.tile.remove();
    }
  }

  // Network change (Wi-Fi → mobile): the old candidates are dead; restart ICE on every peer.
  window.addEventListener("online", () => peers.forEach((peer) => peer.restart()));
  if (navigator.connection && navigator.connection.addEventListener) {
    navigator.connection.addEventListener("change", () => peers.forEach((peer) => peer.restart()));
  }

  // --- connection quality: suggest audio only when the link is poor -----------------------------

  const lastInbound = new Map();
  setInterval(async () => {
    if (audioOnly || !peers.size) return;
    let poor = 0;
    for (const [id, peer] of peers) {
      if (peer.pc.connectionState !== "connected") continue;
      const stats = await peer.pc.getStats();
      let rtt = 0;
      let lost = 0;
      let received = 0;
      stats.forEach((report) => {
        if (report.type === "candidate-pair" && report.nominated && report.currentRoundTripTime) rtt = report.currentRoundTripTime;
        if (report.type === "inbound-rtp" && report.kind === "video") {
          lost += report.packetsLost || 0;
          received += report.packetsReceived || 0;
        }
      });
      const before = lastInbound.get(id) || { lost: 0, received: 0 };
      lastInbound.set(id, { lost, received });
      const dLost = lost - before.lost;
      const dReceived = received - before.received;
      const lossRate = dLost + dReceived > 0 ? dLost / (dLost + dReceived) : 0;
      if (rtt > 0.6 || lossRate > 0.08) poor += 1;
    }
    $("quality-hint").hidden = poor === 0;
  }, 5000);

  // For diagnostics from the console (and the browser tests): one peer's RTCPeerConnection.
  window.EpaRoom = { peerConnection: (id) => (peers.has(id) ? peers.get(id).pc : null) };

  window.addEventListener("pagehide", () => {
    for (const peer of peers.values()) peer.signal({ kind: "hangup" });
  });
})();
