/*
 * This member's own camera and microphone: opened on entering (nothing for a lesson's
 * audience), muted by the member or a host, and "audio only", which stops sending video and asks
 * not to receive any (video.js applies it to the connections on "room:audio-only").
 */
export function localMedia(ctx) {
  const { $, T, me } = ctx;
  let localStream = null;
  let micOn = true;
  let videoOn = true;

  function tracks(kind) {
    return localStream ? localStream.getTracks().filter((t) => t.kind === kind) : [];
  }

  async function open() {
    try {
      localStream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
    } catch (e) {
      try {
        localStream = await navigator.mediaDevices.getUserMedia({ audio: true });
      } catch (e2) {
        localStream = new MediaStream();
        ctx.notice(T.noMedia);
      }
    }
    $("local-video").srcObject = localStream;
  }

  /* A lesson's audience: nothing to send, so no camera or microphone prompt. */
  async function watch() {
    localStream = new MediaStream();
    for (const id of ["toggle-mic", "toggle-video"]) $(id).hidden = true;
    ctx.root.querySelector(".tile.local").hidden = true;
  }

  function applyMute(micMuted, videoMuted, byHost) {
    if (micMuted && micOn && byHost) ctx.notice(T.mutedByHost);
    if (videoMuted && videoOn && byHost) ctx.notice(T.videoStoppedByHost);
    micOn = !micMuted;
    videoOn = !videoMuted;
    tracks("audio").forEach((t) => (t.enabled = micOn));
    tracks("video").forEach((t) => (t.enabled = videoOn && !ctx.audioOnly));
    $("toggle-mic").textContent = micOn ? T.muteMic : T.unmuteMic;
    $("toggle-mic").setAttribute("aria-pressed", String(!micOn));
    $("toggle-video").textContent = videoOn ? T.stopVideo : T.startVideo;
    $("toggle-video").setAttribute("aria-pressed", String(!videoOn));
  }

  /* Audio only: what saves a weak link. The server keeps the choice (`announce`): others see why
     the picture went, a reconnect keeps it. */
  function setAudioOnly(on, announce) {
    ctx.audioOnly = on;
    $("toggle-audio-only").setAttribute("aria-pressed", String(on));
    $("toggle-audio-only").textContent = on ? T.video : T.audioOnly;
    tracks("video").forEach((t) => (t.enabled = videoOn && !on));
    ctx.emit("room:audio-only", on);
    if (announce && ctx.inRoom) ctx.command("audio_only", { on }).catch(ctx.fail);
  }

  $("toggle-mic").addEventListener("click", () => {
    applyMute(micOn, !videoOn, false);
    ctx.command("mute", { member: me, mic: !micOn }).catch(ctx.fail);
  });
  $("toggle-video").addEventListener("click", () => {
    applyMute(!micOn, videoOn, false);
    ctx.command("mute", { member: me, video: !videoOn }).catch(ctx.fail);
  });
  $("toggle-audio-only").addEventListener("click", () => setAudioOnly(!ctx.audioOnly, true));

  ctx.on("room:entering", () => (ctx.watchOnly ? watch() : open()));
  ctx.on("room:left", () => {
    if (localStream) localStream.getTracks().forEach((track) => track.stop());
    localStream = null;
  });
  ctx.on("room:state", (mine) => {
    if (mine) applyMute(mine.mic_muted, mine.video_muted, false);
    if (mine && Boolean(mine.audio_only) !== ctx.audioOnly) setAudioOnly(Boolean(mine.audio_only), false);
  });
  ctx.on("meetings.mute.changed", (event) => {
    if (event.member === me && event.by !== me) applyMute(event.mic_muted, event.video_muted, true);
  });
  ctx.on("meetings.audio_only.changed", (event) => {
    if (event.member === me && event.audio_only !== ctx.audioOnly) setAudioOnly(event.audio_only, false);
  });

  return { stream: () => localStream, tracks, setAudioOnly };
}
