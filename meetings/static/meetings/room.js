/*
 * The live meeting room (stream meeting:<id>, docs/protocol.md "Meetings").
 *
 * Knock at meeting.lobby:<id>; a waiter hears "admitted" on user:me, then subscribes to the room.
 * Video is a mesh: one RTCPeerConnection per other participant of the same (breakout) room, set
 * up with the "perfect negotiation" pattern: both sides may offer at any time, and on a collision
 * the polite side (the lower member id) rolls back and answers while the impolite side ignores
 * the other's offer. Offers, answers and ICE candidates go through the gateway as meeting.signal
 * commands; candidates are batched because the gateway rate-limits commands per member.
 *
 * Lessons, and meetings whose mode is "relay" (a host's choice, or more than four cameras), send
 * video through the server's media relay instead (relay.js): one connection per page, the
 * server offering. A room switches between the two when the meetings.mode.changed event arrives,
 * without anyone leaving it.
 */
import { when } from "../js/clock.js";
import { el } from "../js/dom.js";
import { showOutbox } from "../js/outbox.js";
import { Connection } from "../js/realtime.js";
import { Peer } from "./mesh.js";
import { LessonStage, Session as RelaySession } from "./relay.js";

export const EpaRoom = {};

(function () {
  const config = JSON.parse(document.getElementById("room-config").textContent);
  const T = JSON.parse(document.getElementById("room-text").textContent);
  const ME = config.me;
  const $ = (id) => document.getElementById(id);

  const rt = new Connection({ indicator: $("rt-state") });
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
  const LINK_CHECK_MS = 5000;
  // This page's WebRTC session: a reload is a new one, so peers replace their connection to it.
  const SESSION = Math.random().toString(36).slice(2, 12) + Date.now().toString(36);
  let connections = 0; // each connection this page makes is named SESSION-<n>
  const lastInbound = new Map(); // member id → video packets lost/received at the last check
  let poorChecks = 0;
  let hintDismissed = false;
  let relay = null; // the media relay session, in lessons and relay rooms
  let lessonStage = null;
  const relayTiles = new Map(); // member id → { tile, stream }
  const relayMids = new Map(); // mid → { member, track }
  const watchOnly = Boolean(config.lesson && !config.presenter); // a lesson's audience sends nothing

  // --- helpers -------------------------------------------------------------------------------

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
    else if (event.type === "meetings.lobby.denied") closeRoom(T.denied, "closed");
    else if (event.type === "meetings.room.removed") closeRoom(T.removed, "closed");
    else if (event.type === "meetings.chat.rejected") $("chat-status").textContent = T.rejected;
  });

  let knocked = false;
  let unsubscribeRoom = null; // leaving the room's stream ends this page's part in the attendance
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
      .catch((error) => closeRoom(error.message, error.code === "conflict" ? "ended" : "closed"));
  }

  async function enterRoom() {
    if (inRoom) return;
    inRoom = true;
    $("lobby").hidden = true;
    $("room").hidden = false;
    await Promise.all([loadIceServers(), watchOnly ? watchMedia() : openMedia()]);
    unsubscribeRoom = rt.subscribe(config.room, onRoomFrame);
    // Other scripts of the page (the lesson's slides and questions) join the room's stream now.
    EpaRoom.entered = true;
    document.dispatchEvent(new CustomEvent("epa:room-entered"));
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

  /* A lesson's audience: nothing to send, so no camera or microphone prompt. */
  async function watchMedia() {
    localStream = new MediaStream();
    for (const id of ["toggle-mic", "toggle-video"]) $(id).hidden = true;
    document.querySelector(".tile.local").hidden = true;
  }

  /* Out of the room: ended, removed, denied, or left. The header no longer shows the socket's
     "live" but why the page is out; only someone who left may come back (rejoin). */
  function closeRoom(message, status) {
    inRoom = false;
    EpaRoom.entered = false;
    for (const peer of peers.values()) peer.close();
    peers.clear();
    stopRelay();
    if (localStream) localStream.getTracks().forEach((track) => track.stop());
    localStream = null;
    if (unsubscribeRoom) unsubscribeRoom();
    unsubscribeRoom = null;
    state = null;
    document.dispatchEvent(new CustomEvent("epa:room-left"));
    $("room").hidden = true;
    $("lobby").hidden = true;
    $("closed").hidden = false;
    $("closed-title").textContent = message;
    $("rejoin").hidden = status !== "left";
    rt.indicator = null;
    const indicator = $("rt-state");
    indicator.dataset.state = status;
    indicator.textContent = indicator.getAttribute("data-label-" + status) || message;
  }

  /* Hang up: the others see this member go; coming back within the grace period continues the
     same attendance. */
  function leaveRoom() {
    for (const peer of peers.values()) peer.signal({ kind: "hangup" });
    closeRoom(T.left, "left");
  }

  function rejoin() {
    $("closed").hidden = true;
    $("closed-results").replaceChildren();
    rt.indicator = $("rt-state");
    rt.setState(rt.state);
    knock();
  }

  $("leave-meeting").addEventListener("click", leaveRoom);
  $("rejoin").addEventListener("click", rejoin);

  // --- state and events ----------------------------------------------------------------------

  async function refreshState() {
    try {
      state = await command("state");
    } catch (error) {
      if (error.code === "conflict") closeRoom(T.ended, "ended");
      return;
    }
    const me = state.participants.find((p) => p.member === ME);
    myBreakout = me ? me.breakout : null;
    if (me) applyMute(me.mic_muted, me.video_muted, false);
    if (me && Boolean(me.audio_only) !== audioOnly) setAudioOnly(Boolean(me.audio_only), false);
    renderAll();
    reconcileMedia();
    markTiles();
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
      case "meetings.hands.changed":
        state.hands = event.queue;
        state.floor = event.floor;
        renderHands();
        break;
      case "meetings.mute.changed":
        if (event.member === ME && event.by !== ME) {
          applyMute(event.mic_muted, event.video_muted, true);
        }
        refreshSoon();
        break;
      case "meetings.lobby.changed":
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
        if (event.member === ME) closeRoom(T.removed, "closed");
        else dropPeer(event.member);
        refreshSoon();
        break;
      case "meetings.meeting.ended":
        closeRoom(T.ended, "ended");
        renderResults($("closed-results"), event.closed_votes);
        break;
      case "meetings.audio_only.changed": {
        const person = state.participants.find((p) => p.member === event.member);
        if (person) person.audio_only = event.audio_only;
        if (event.member === ME && event.audio_only !== audioOnly) setAudioOnly(event.audio_only, false);
        renderParticipants();
        markTiles();
        break;
      }
      case "meetings.media.recording":
        state.recording = event.on;
        reconcileMedia();
        break;
      case "meetings.roles.changed":
      case "meetings.breakout.started":
      case "meetings.breakout.ended":
      case "meetings.mode.changed":
        refreshState();
        break;
      case "meetings.chat.posted":
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
    const senders = state.participants.filter((p) => !p.video_muted && !p.audio_only).length;
    if (state.mode === "mesh" && senders > state.mesh_video_senders && !audioOnly) notice(T.meshLimit);
  }

  function renderParticipants() {
    const list = $("participants");
    list.replaceChildren();
    $("participant-count").textContent = String(state.participants.length);
    for (const person of state.participants) {
      const marks = (person.mic_muted ? "🔇" : "") + (person.video_muted ? "🚫📷" : "") + (person.audio_only ? "🎧" : "");
      const item = el(
        "li",
        { "data-member": person.member },
        el("span", { class: "name" }, person.name),
        el("span", { class: "role" }, T[person.role] || person.role),
        el("span", { class: "state", title: person.audio_only ? T.audioOnlyMark : "" }, marks),
      );
      item.dataset.audioOnly = String(Boolean(person.audio_only));
      if (state.me.is_host && person.member !== ME) {
        if (!person.mic_muted) {
          item.append(el("button", { type: "button", "data-action": "mute-mic", onclick: () => command("mute", { member: person.member, mic: true }).catch(fail) }, T.muteOther));
        }
        if (!person.video_muted) {
          item.append(el("button", { type: "button", "data-action": "mute-video", onclick: () => command("mute", { member: person.member, video: true }).catch(fail) }, T.stopOther));
        }
        if (person.role === "participant") {
          item.append(el("button", { type: "button", "data-action": "make-cohost", onclick: () => setCohost(person.member, true) }, T.makeCohost));
        } else if (person.role === "cohost") {
          item.append(el("button", { type: "button", "data-action": "drop-cohost", onclick: () => setCohost(person.member, false) }, T.dropCohost));
        }
        if (person.role !== "host") {
          item.append(el("button", { type: "button", "data-action": "remove", onclick: () => command("room.remove", { member: person.member }).catch(fail) }, T.remove));
        }
      }
      list.append(item);
    }
  }

  function setCohost(member, on) {
    const cohosts = new Set(state.participants.filter((p) => p.role === "cohost").map((p) => p.member));
    if (on) cohosts.add(member);
    else cohosts.delete(member);
    command("room.cohosts", { members: [...cohosts] }).catch(fail);
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
    banner.textContent = T.breakout + " " + room.name + " · " + T.breakoutUntil + " " + when(room.ends_at); // the site's one clock
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
    // The quorum is stated once: "met" beside the outcome, or the outcome "no quorum" itself.
    const parts = [T.eligible + " " + result.eligible, T.turnout + " " + result.turnout];
    if (result.quorum_met) parts.push(T.quorum);
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
  $("toggle-audio-only").addEventListener("click", () => setAudioOnly(!audioOnly, true));
  $("accept-audio-only").addEventListener("click", () => setAudioOnly(true, true));
  $("dismiss-audio-only").addEventListener("click", () => {
    hintDismissed = true;
    $("quality-hint").hidden = true;
  });

  /* Audio only: stop sending our video and ask not to receive any (the video transceivers
     become inactive, which renegotiates each connection): what saves a weak link. */
  function setAudioOnly(on, announce) {
    audioOnly = on;
    $("quality-hint").hidden = true;
    poorChecks = 0;
    $("toggle-audio-only").setAttribute("aria-pressed", String(on));
    $("toggle-audio-only").textContent = on ? T.video : T.audioOnly;
    tracks("video").forEach((t) => (t.enabled = videoOn && !on));
    for (const peer of peers.values()) peer.applyAudioOnly();
    if (relay) relay.setVideoOff(on);
    markTiles();
    // The server keeps the choice: others see why the picture went, a reconnect keeps it.
    if (announce && inRoom) command("audio_only", { on }).catch(fail);
  }

  /* A remote tile shows no picture while either side is on audio only. */
  function markTiles() {
    for (const [id, peer] of peers) {
      const person = state && state.participants.find((p) => p.member === id);
      const theirs = Boolean(person && person.audio_only);
      peer.tile.classList.toggle("audio-only", audioOnly || theirs);
      peer.caption(nameOf(id) + (theirs ? " · " + T.audioOnlyMark : ""));
    }
  }

  // Chat lines go through the outbox: written while the link is away they wait ("waiting to
  // send", cancellable) and are sent once when it returns.
  const chatInput = $("chat-form").elements.text;
  showOutbox(rt, $("chat-outbox"), config.room, {
    type: "meeting.chat",
    onCancel: (entry) => { if (!chatInput.value) chatInput.value = entry.label; },
  });
  rt.onFrame((frame) => {
    if (frame.type === "delivered" && frame.entry.frame.type === "meeting.chat" && frame.data.status === "held") {
      $("chat-status").textContent = T.held;
    }
  });
  $("chat-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = chatInput.value.trim();
    if (!text) return;
    $("chat-status").textContent = "";
    chatInput.value = "";
    rt.deliver("meeting.chat", config.room, { text }, { label: text }).then((data) => {
      if (data.status === "held") $("chat-status").textContent = T.held;
    }, (error) => {
      if (error.code === "cancelled") return;
      if (!chatInput.value) chatInput.value = text;
      $("chat-status").textContent = error.message;
    });
  });

  if ($("toggle-lock")) {
    $("toggle-lock").addEventListener("click", () => command("room.lock", { locked: !state.meeting.locked }).catch(fail));
    $("end-meeting").addEventListener("click", () => command("room.end").catch(fail));
    $("start-meeting").addEventListener("click", () => command("room.start").catch(fail));
    $("breakout-return").addEventListener("click", () => command("breakout.return").catch(fail));
    $("breakout-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const f = e.target.elements;
      const minutes = Number(f.minutes.value);
      if (f.split.value === "groups") {
        command("breakout.start", { minutes, by_group: true }).catch(fail);
        return;
      }
      // Ad-hoc rooms: everyone present but the hosts, dealt round the rooms in turn.
      const count = Math.max(2, Math.min(20, Number(f.rooms.value) || 2));
      const rooms = Array.from({ length: count }, (_, i) => ({ name: T.roomName + " " + (i + 1), members: [] }));
      state.participants.filter((p) => p.role === "participant").forEach((p, i) => rooms[i % count].members.push(p.member));
      command("breakout.start", { minutes, by_group: false, rooms: rooms.filter((r) => r.members.length) }).catch(fail);
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

  function usingRelay() {
    return Boolean(config.lesson || (state && state.mode === "relay"));
  }

  /* Mesh or relay, as the room says now: switching closes one and opens the other. */
  function reconcileMedia() {
    if (usingRelay()) {
      for (const id of [...peers.keys()]) dropPeer(id);
      startRelay();
      reconcileRelayTiles();
    } else {
      stopRelay();
      reconcilePeers();
    }
    const recording = Boolean(state && state.recording);
    if ($("recording-state")) $("recording-state").hidden = !recording;
    if ($("toggle-record")) {
      $("toggle-record").setAttribute("aria-pressed", String(recording));
      $("toggle-record").textContent = recording ? T.stopRecording : T.record;
    }
  }

  // --- the media relay (relay.js) -------------------------------------------------------------

  function startRelay() {
    if (relay || !localStream) return;
    const publish = {};
    if (!watchOnly) {
      const mic = tracks("audio")[0];
      const cam = tracks("video")[0];
      if (mic) publish.mic = mic;
      if (cam) publish.cam = cam;
      if (config.lesson) publish.screen = null; // negotiated now, filled when sharing starts
    }
    if (config.lesson && !lessonStage) lessonStage = new LessonStage($("media-stage"), T);
    if (lessonStage && !watchOnly) {
      lessonStage.preview(localStream);
      document.querySelector(".tile.local").hidden = true; // the stage shows it
    }
    relay = new RelaySession({
      rt,
      room: config.room,
      iceServers,
      publish,
      onTrack: onRelayTrack,
      onError: (error) => { if (error && error.code === "forbidden") fail(error); },
    });
    if (audioOnly) relay.videoOff = true;
    relay.start();
  }

  function stopRelay() {
    if (!relay) return;
    relay.stop();
    relay = null;
    for (const { tile } of relayTiles.values()) tile.remove();
    relayTiles.clear();
    relayMids.clear();
    stopScreen();
  }

  function onRelayTrack(mid, info, track) {
    if (config.lesson) {
      if (lessonStage) lessonStage.onTrack(mid, info, track);
      return;
    }
    const before = relayMids.get(mid);
    if (before && (!info || before.member !== info.member)) {
      const old = relayTiles.get(before.member);
      if (old) old.stream.removeTrack(track);
    }
    if (!info || info.member === null) {
      relayMids.delete(mid);
      return;
    }
    relayMids.set(mid, { member: info.member, track });
    const entry = relayTile(info.member);
    if (!entry.stream.getTracks().includes(track)) entry.stream.addTrack(track);
    entry.video.srcObject = entry.stream;
    entry.video.play().catch(() => {});
  }

  function relayTile(member) {
    let entry = relayTiles.get(member);
    if (!entry) {
      const tile = el("figure", { class: "tile remote", "data-member": member },
        el("video", { class: "remote", autoplay: "", playsinline: "" }), el("figcaption", {}, nameOf(member)));
      $("tiles").append(tile);
      entry = { tile, stream: new MediaStream(), video: tile.querySelector("video") };
      relayTiles.set(member, entry);
    }
    return entry;
  }

  /* Relay tiles follow the room: someone who left, or is in another breakout, goes away. */
  function reconcileRelayTiles() {
    const wanted = new Set(state.participants.filter(sameRoom).map((p) => p.member));
    for (const [member, entry] of relayTiles) {
      if (!wanted.has(member)) {
        entry.tile.remove();
        relayTiles.delete(member);
      } else {
        entry.tile.querySelector("figcaption").textContent = nameOf(member);
      }
    }
  }

  // Screen sharing and recording: a lesson's presenters.
  let screenTrack = null;

  async function shareScreen() {
    if (screenTrack) return stopScreen();
    try {
      const stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 15 } });
      screenTrack = stream.getVideoTracks()[0];
    } catch (error) {
      return; // the member cancelled the picker
    }
    screenTrack.addEventListener("ended", stopScreen);
    if (relay) relay.setTrack("screen", screenTrack);
    $("share-screen").setAttribute("aria-pressed", "true");
    $("share-screen").textContent = T.stopSharing;
  }

  function stopScreen() {
    if (!screenTrack) return;
    screenTrack.stop();
    screenTrack = null;
    if (relay) relay.setTrack("screen", null);
    if ($("share-screen")) {
      $("share-screen").setAttribute("aria-pressed", "false");
      $("share-screen").textContent = T.shareScreen;
    }
  }

  if ($("share-screen")) $("share-screen").addEventListener("click", shareScreen);
  if ($("toggle-record")) {
    $("toggle-record").addEventListener("click", () =>
      rt.command("meeting.media.record", config.room, { on: !(state && state.recording) }).catch(fail));
  }

  function reconcilePeers() {
    if (!localStream) return;
    const wanted = new Set(state.participants.filter(sameRoom).map((p) => p.member));
    for (const id of [...peers.keys()]) if (!wanted.has(id)) dropPeer(id);
    for (const id of wanted) if (!peers.has(id)) peers.set(id, new Peer(id, meshHost));
    for (const [id, peer] of peers) peer.caption(nameOf(id));
  }

  function dropPeer(id) {
    const peer = peers.get(id);
    if (peer) {
      peer.close();
      peers.delete(id);
    }
  }

  /* A connection that ICE restarts did not bring up is replaced by a fresh one, which offers at
     once; the other side sees a new connection name and replaces its end too. */
  function rebuildPeer(id) {
    dropPeer(id);
    peers.set(id, new Peer(id, meshHost, { eager: true }));
  }

  /* What a mesh peer (mesh.js) asks of the room. */
  const meshHost = {
    me: ME,
    get iceServers() { return iceServers; },
    get localStream() { return localStream; },
    audioOnly: () => audioOnly,
    connectionName: () => `${SESSION}-${(connections += 1)}`,
    signal: (data) => command("signal", data),
    view(id) {
      const tile = el("figure", { class: "tile remote", "data-member": id },
        el("video", { class: "remote", autoplay: "", playsinline: "" }), el("figcaption", {}, nameOf(id)));
      $("tiles").append(tile);
      const video = tile.querySelector("video");
      return {
        tile,
        show(stream) {
          if (video.srcObject !== stream) video.srcObject = stream;
          video.play().catch(() => {}); // autoplay may need a gesture for sound; video still plays muted
        },
        caption(name) { tile.querySelector("figcaption").textContent = name; },
        remove() { tile.remove(); },
      };
    },
    rebuild: (id) => rebuildPeer(id),
    drop: (id) => dropPeer(id),
  };

  function onSignal(frame) {
    const id = frame.sender;
    if (id === null || id === ME) return;
    let peer = peers.get(id);
    // Sent for a connection this page no longer has (an earlier load, or one rebuilt since).
    if (frame.data.peer_session && (!peer || frame.data.peer_session !== peer.session)) return;
    const session = frame.data.session || null;
    if (peer && session && peer.remoteSession && session !== peer.remoteSession) {
      // The member reloaded (or their phone's page was reopened, or their side rebuilt the
      // connection): the old connection leads nowhere, and a new one's offer cannot be applied
      // to it.
      dropPeer(id);
      peer = null;
    }
    if (!peer) {
      // A newcomer's offer can beat the presence frame announcing them.
      if (!localStream) return;
      peer = new Peer(id, meshHost);
      peers.set(id, peer);
      refreshSoon();
    }
    if (session) peer.remoteSession = session;
    peer.receive(frame.data);
  }

  // Network change (Wi-Fi → mobile): the old candidates are dead; restart ICE on every peer.
  window.addEventListener("online", () => peers.forEach((peer) => peer.restart()));
  if (navigator.connection && navigator.connection.addEventListener) {
    navigator.connection.addEventListener("change", () => peers.forEach((peer) => peer.restart()));
  }

  // --- connection quality: suggest audio only when the link is poor -----------------------------

  /* One peer's link from two getStats() readings: round-trip time, the share of video packets
     lost since the last reading, and the sender's bandwidth estimate. Weak when any of them
     crosses the room's thresholds (config.weak_link, from the server's settings). */
  function assessLink(sample, limits) {
    const reasons = [];
    if (sample.rtt !== null && sample.rtt * 1000 > limits.rtt_ms) reasons.push("rtt");
    if (sample.lossRate !== null && sample.lossRate > limits.loss) reasons.push("loss");
    if (sample.outgoingBitrate !== null && sample.outgoingBitrate < limits.min_kbps * 1000) reasons.push("bitrate");
    return reasons;
  }

  /* good, weak or bad: weak when any reading crosses a threshold, bad when one is far past it
     (twice the round trip, three times the loss, half the bandwidth); null when nothing is measured. */
  function gradeLink(sample, limits) {
    if (sample.rtt === null && sample.lossRate === null && sample.outgoingBitrate === null) return null;
    const bad = (sample.rtt !== null && sample.rtt * 1000 > 2 * limits.rtt_ms)
      || (sample.lossRate !== null && sample.lossRate > 3 * limits.loss)
      || (sample.outgoingBitrate !== null && sample.outgoingBitrate < (limits.min_kbps * 1000) / 2);
    if (bad) return "bad";
    return assessLink(sample, limits).length ? "weak" : "good";
  }

  const GRADES = ["good", "weak", "bad"];

  function showLinkGrade(grade) {
    const box = $("link-quality");
    box.hidden = !grade;
    if (!grade) return;
    box.dataset.level = grade;
    box.textContent = T.linkQuality + T["link_" + grade];
  }

  async function sampleLink(id, peer) {
    const stats = await peer.pc.getStats();
    const sample = { rtt: null, lossRate: null, outgoingBitrate: null };
    let lost = 0;
    let received = 0;
    stats.forEach((report) => {
      if (report.type === "candidate-pair" && report.nominated && report.state === "succeeded") {
        if (typeof report.currentRoundTripTime === "number") sample.rtt = report.currentRoundTripTime;
        if (typeof report.availableOutgoingBitrate === "number") sample.outgoingBitrate = report.availableOutgoingBitrate;
      }
      if (report.type === "inbound-rtp" && report.kind === "video") {
        lost += report.packetsLost || 0;
        received += report.packetsReceived || 0;
      }
    });
    const before = lastInbound.get(id);
    lastInbound.set(id, { lost, received });
    if (before) {
      const dLost = lost - before.lost;
      const dReceived = received - before.received;
      if (dLost + dReceived > 0) sample.lossRate = Math.max(0, dLost) / (Math.max(0, dLost) + dReceived);
    }
    return sample;
  }

  setInterval(async () => {
    const links = relay && relay.pc ? [["relay", relay]] : [...peers];
    if (!inRoom || !links.length) return showLinkGrade(null);
    const reasons = new Set();
    let worst = null; // the worst link decides: one bad peer spoils the picture
    for (const [id, peer] of links) {
      if (peer.pc.connectionState !== "connected") continue;
      const sample = await sampleLink(id, peer);
      for (const reason of assessLink(sample, config.weak_link)) reasons.add(reason);
      const grade = gradeLink(sample, config.weak_link);
      if (grade && (!worst || GRADES.indexOf(grade) > GRADES.indexOf(worst))) worst = grade;
    }
    showLinkGrade(worst);
    // Two weak readings in a row, so one burst of loss does not nag the member.
    poorChecks = reasons.size ? poorChecks + 1 : 0;
    const hint = $("quality-hint");
    hint.dataset.reasons = [...reasons].join(" ");
    hint.hidden = audioOnly || hintDismissed || poorChecks < 2;
  }, LINK_CHECK_MS);

  // For diagnostics from the console (and the browser tests): one peer's RTCPeerConnection.
  // The page's one connection is shared with the lesson's script (lesson.js).
  window.EpaRoom = Object.assign(EpaRoom, {
    peerConnection: (id) => (peers.has(id) ? peers.get(id).pc : null),
    relay: () => relay,
    connection: rt,
    entered: false,
    assessLink,
    gradeLink,
  });

  window.addEventListener("pagehide", () => {
    for (const peer of peers.values()) peer.signal({ kind: "hangup" });
    if (relay) relay.stop();
  });
})();
