/*
 * Mesh video: one perfect-negotiation peer (../mesh.js) per other participant of the same
 * (breakout) room, each with its tile. Signals come as "room:signal" frames; a member who
 * reloaded (a new session) gets a new connection.
 */
import { Peer } from "../mesh.js";
import { remoteTile } from "./tiles.js";

export function meshPeers(ctx, media, room, { iceServers, sameRoom }) {
  const { T, me } = ctx;
  const peers = new Map(); // member id → Peer
  // This page's WebRTC session: a reload is a new one, so peers replace their connection to it.
  const SESSION = Math.random().toString(36).slice(2, 12) + Date.now().toString(36);
  let connections = 0; // each connection this page makes is named SESSION-<n>

  /* What a mesh peer asks of the room. */
  const meshHost = {
    me,
    get iceServers() { return iceServers(); },
    get localStream() { return media.stream(); },
    audioOnly: () => ctx.audioOnly,
    connectionName: () => `${SESSION}-${(connections += 1)}`,
    signal: (data) => ctx.command("signal", data),
    view(id) {
      const { tile, video, caption } = remoteTile(ctx, id);
      return {
        tile,
        show(stream) {
          if (video.srcObject !== stream) video.srcObject = stream;
          video.play().catch(() => {}); // autoplay may need a gesture for sound; video still plays muted
        },
        caption,
        remove() { tile.remove(); },
      };
    },
    rebuild: (id) => rebuild(id),
    drop: (id) => drop(id),
  };

  function reconcile() {
    if (!media.stream()) return;
    const wanted = new Set(ctx.state.participants.filter(sameRoom).map((p) => p.member));
    for (const id of [...peers.keys()]) if (!wanted.has(id)) drop(id);
    for (const id of wanted) if (!peers.has(id)) peers.set(id, new Peer(id, meshHost));
    for (const [id, peer] of peers) peer.caption(ctx.nameOf(id));
  }

  function drop(id) {
    const peer = peers.get(id);
    if (peer) {
      peer.close();
      peers.delete(id);
    }
  }

  function dropAll() {
    for (const id of [...peers.keys()]) drop(id);
  }

  /* A connection that ICE restarts did not bring up is replaced by a fresh one, which offers at
     once; the other side sees a new connection name and replaces its end too. */
  function rebuild(id) {
    drop(id);
    peers.set(id, new Peer(id, meshHost, { eager: true }));
  }

  function hangup() {
    for (const peer of peers.values()) peer.signal({ kind: "hangup" });
  }

  /* A remote tile shows no picture while either side is on audio only. */
  function markTiles() {
    for (const [id, peer] of peers) {
      const person = ctx.person(id);
      const theirs = Boolean(person && person.audio_only);
      peer.tile.classList.toggle("audio-only", ctx.audioOnly || theirs);
      peer.caption(ctx.nameOf(id) + (theirs ? " · " + T.audioOnlyMark : ""));
    }
  }

  function onSignal(frame) {
    const id = frame.sender;
    if (id === null || id === me) return;
    let peer = peers.get(id);
    // Sent for a connection this page no longer has (an earlier load, or one rebuilt since).
    if (frame.data.peer_session && (!peer || frame.data.peer_session !== peer.session)) return;
    const session = frame.data.session || null;
    if (peer && session && peer.remoteSession && session !== peer.remoteSession) {
      // The member reloaded (or their phone's page was reopened, or their side rebuilt the
      // connection): the old connection leads nowhere, and a new one's offer cannot be applied
      // to it.
      drop(id);
      peer = null;
    }
    if (!peer) {
      // A newcomer's offer can beat the presence frame announcing them.
      if (!media.stream()) return;
      peer = new Peer(id, meshHost);
      peers.set(id, peer);
      room.refreshSoon();
    }
    if (session) peer.remoteSession = session;
    peer.receive(frame.data);
  }

  ctx.on("room:signal", onSignal);

  // Network change (Wi-Fi → mobile): the old candidates are dead; restart ICE on every peer.
  const restartAll = () => peers.forEach((peer) => peer.restart());
  window.addEventListener("online", restartAll);
  if (navigator.connection && navigator.connection.addEventListener) navigator.connection.addEventListener("change", restartAll);

  return {
    reconcile,
    drop,
    dropAll,
    hangup,
    markTiles,
    applyAudioOnly: () => peers.forEach((peer) => peer.applyAudioOnly()),
    links: () => [...peers],
    peerConnection: (id) => (peers.has(id) ? peers.get(id).pc : null),
  };
}
