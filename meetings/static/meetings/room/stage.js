/*
 * Video through the server's media relay (../relay.js), in lessons and relay rooms: one
 * connection per page, the server offering. A relay room shows a tile per other person of the
 * same (breakout) room; a lesson shows its stage (LessonStage), where its presenters also share
 * their screen and record.
 */
import { LessonStage, Session } from "../relay.js";
import { remoteTile } from "./tiles.js";

export function relayStage(ctx, media, { iceServers, sameRoom }) {
  const { $, T, config } = ctx;
  let relay = null;
  let lessonStage = null;
  let screenTrack = null;
  const tiles = new Map(); // member id → { tile, video, caption, stream }
  const mids = new Map(); // mid → { member, track }

  function start() {
    if (relay || !media.stream()) return;
    const publish = {};
    if (!ctx.watchOnly) {
      const mic = media.tracks("audio")[0];
      const cam = media.tracks("video")[0];
      if (mic) publish.mic = mic;
      if (cam) publish.cam = cam;
      if (config.lesson) publish.screen = null; // negotiated now, filled when sharing starts
    }
    if (config.lesson && !lessonStage) lessonStage = new LessonStage($("media-stage"), T);
    if (lessonStage && !ctx.watchOnly) {
      lessonStage.preview(media.stream());
      ctx.root.querySelector(".tile.local").hidden = true; // the stage shows it
    }
    relay = new Session({
      rt: ctx.rt,
      room: config.room,
      iceServers: iceServers(),
      publish,
      onTrack,
      onError: (error) => { if (error && error.code === "forbidden") ctx.fail(error); },
    });
    if (ctx.audioOnly) relay.videoOff = true;
    relay.start();
  }

  function stop() {
    if (!relay) return;
    relay.stop();
    relay = null;
    for (const { tile } of tiles.values()) tile.remove();
    tiles.clear();
    mids.clear();
    stopScreen();
  }

  function onTrack(mid, info, track) {
    if (config.lesson) {
      if (lessonStage) lessonStage.onTrack(mid, info, track);
      return;
    }
    const before = mids.get(mid);
    if (before && (!info || before.member !== info.member)) {
      const old = tiles.get(before.member);
      if (old) old.stream.removeTrack(track);
    }
    if (!info || info.member === null) {
      mids.delete(mid);
      return;
    }
    mids.set(mid, { member: info.member, track });
    const entry = tileOf(info.member);
    if (!entry.stream.getTracks().includes(track)) entry.stream.addTrack(track);
    entry.video.srcObject = entry.stream;
    entry.video.play().catch(() => {});
  }

  function tileOf(member) {
    let entry = tiles.get(member);
    if (!entry) {
      entry = { ...remoteTile(ctx, member), stream: new MediaStream() };
      tiles.set(member, entry);
    }
    return entry;
  }

  /* Tiles follow the room: someone who left, or is in another breakout, goes away. */
  function reconcileTiles() {
    const wanted = new Set(ctx.state.participants.filter(sameRoom).map((p) => p.member));
    for (const [member, entry] of tiles) {
      if (!wanted.has(member)) {
        entry.tile.remove();
        tiles.delete(member);
      } else {
        entry.caption(ctx.nameOf(member));
      }
    }
  }

  // Screen sharing and recording: a lesson's presenters.
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

  function showRecording() {
    const recording = Boolean(ctx.state && ctx.state.recording);
    if ($("recording-state")) $("recording-state").hidden = !recording;
    if ($("toggle-record")) {
      $("toggle-record").setAttribute("aria-pressed", String(recording));
      $("toggle-record").textContent = recording ? T.stopRecording : T.record;
    }
  }

  if ($("share-screen")) $("share-screen").addEventListener("click", shareScreen);
  if ($("toggle-record")) {
    $("toggle-record").addEventListener("click", () =>
      ctx.rt.command("meeting.media.record", config.room, { on: !(ctx.state && ctx.state.recording) }).catch(ctx.fail));
  }

  return {
    start,
    stop,
    reconcileTiles,
    showRecording,
    session: () => relay,
    setVideoOff: (on) => { if (relay) relay.setVideoOff(on); },
  };
}
