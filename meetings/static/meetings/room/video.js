/*
 * The room's video, mesh or relay as the room says now. A meeting starts as a mesh
 * (peers.js); lessons, and meetings whose mode is "relay" (a host's choice, or more than four
 * cameras), go through the server's media relay (stage.js). A room switches between the two
 * when meetings.mode.changed arrives (a fresh state), without anyone leaving it.
 */
import { meshPeers } from "./peers.js";
import { relayStage } from "./stage.js";

export function video(ctx, media, room) {
  const { T, config, me } = ctx;
  let iceServers = [];
  const shared = {
    iceServers: () => iceServers,
    sameRoom: (person) => person.member !== me && (person.breakout || null) === ctx.myBreakout,
  };
  const mesh = meshPeers(ctx, media, room, shared);
  const stage = relayStage(ctx, media, shared);

  async function loadIceServers() {
    try {
      const response = await fetch(config.ice_url, { credentials: "same-origin" });
      if (response.ok) iceServers = (await response.json()).ice_servers || [];
    } catch (e) {
      iceServers = []; // loopback and LAN need no STUN; a TURN-less room still works there
    }
  }

  const usingRelay = () => Boolean(config.lesson || (ctx.state && ctx.state.mode === "relay"));

  /* Switching closes one and opens the other. */
  function reconcile() {
    if (usingRelay()) {
      mesh.dropAll();
      stage.start();
      stage.reconcileTiles();
    } else {
      stage.stop();
      mesh.reconcile();
    }
    stage.showRecording();
  }

  ctx.on("room:entering", loadIceServers);
  ctx.on("room:state", () => {
    const state = ctx.state;
    const senders = state.participants.filter((p) => !p.video_muted && !p.audio_only).length;
    if (state.mode === "mesh" && senders > state.mesh_video_senders && !ctx.audioOnly) ctx.notice(T.meshLimit);
    reconcile();
    mesh.markTiles();
  });
  ctx.on("room:audio-only", (on) => {
    mesh.applyAudioOnly();
    stage.setVideoOff(on);
    mesh.markTiles();
  });
  ctx.on("room:left", ({ status }) => {
    if (status === "left") mesh.hangup();
    mesh.dropAll();
    stage.stop();
  });
  ctx.on("meetings.participant.removed", (event) => {
    if (event.member !== me) mesh.drop(event.member);
  });
  ctx.on("meetings.audio_only.changed", () => mesh.markTiles());
  ctx.on("meetings.media.recording", (event) => {
    ctx.state.recording = event.on;
    reconcile();
  });

  window.addEventListener("pagehide", () => {
    mesh.hangup();
    const relay = stage.session();
    if (relay) relay.stop();
  });

  /* The connections whose link quality counts (link.js): the relay's, or each mesh peer's. */
  function links() {
    const relay = stage.session();
    return relay && relay.pc ? [["relay", relay]] : mesh.links();
  }

  return { links, peerConnection: mesh.peerConnection, relay: stage.session };
}
