/*
 * Being in the room: entering once the lobby lets this member in (lobby.js), the room's stream
 * and its state, and being out of it again (ended, removed, denied, or left by choice). Each
 * event of the room's stream, and of user:me about this meeting, goes out on the bus by its type.
 */
// Events that restate the whole of what they change, so applying one twice is harmless.
const RESTATED = new Set(["meetings.audio_only.changed", "meetings.hands.changed", "meetings.lobby.changed"]);

export function lifecycle(ctx) {
  const { $, T, rt, config } = ctx;
  let unsubscribeRoom = null; // leaving the room's stream ends this page's part in the attendance
  let stateTimer = null;
  const arriving = new Set(); // per state request in flight: the room's events that came meanwhile

  rt.subscribe("user:me", (frame) => {
    if (frame.type === "event" && frame.event.meeting === config.meeting) ctx.emit(frame.event.type, frame.event);
  });

  // Resubscribed with since after a reconnect: events are caught up; redraw from the truth.
  rt.onFrame((frame) => {
    if (frame.type === "state" && frame.state === "open" && ctx.inRoom) refresh();
  });

  async function enter() {
    if (ctx.inRoom) return;
    ctx.inRoom = true;
    $("lobby").hidden = true;
    $("room").hidden = false;
    await Promise.all(ctx.emit("room:entering"));
    unsubscribeRoom = rt.subscribe(config.room, onRoomFrame);
    // Other scripts of the page (the lesson's slides and questions) join the room's stream now.
    ctx.entered = true;
    ctx.root.dispatchEvent(new CustomEvent("epa:room-entered"));
    // The subscribe and this command travel on one socket in order: the state includes us.
    await refresh();
  }

  /* Out of the room: ended, removed, denied, or left. The header no longer shows the socket's
     "live" but why the page is out; only someone who left may come back (rejoin). */
  function close(message, status) {
    ctx.inRoom = false;
    ctx.entered = false;
    ctx.emit("room:left", { status });
    if (unsubscribeRoom) unsubscribeRoom();
    unsubscribeRoom = null;
    ctx.state = null;
    ctx.root.dispatchEvent(new CustomEvent("epa:room-left"));
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
  $("leave-meeting").addEventListener("click", () => close(T.left, "left"));

  /* A fresh meeting.state. It may be older than an event that reached the page while it was
     read (the event is queued on the socket before the answer), so the events of this kind that
     came meanwhile are applied again on top of it: each says the whole of what it changed. */
  async function refresh() {
    const meanwhile = [];
    arriving.add(meanwhile);
    let state;
    try {
      state = await ctx.command("state");
    } catch (error) {
      if (error.code === "conflict") close(T.ended, "ended");
      return;
    } finally {
      arriving.delete(meanwhile);
    }
    ctx.state = state;
    const me = ctx.person(ctx.me);
    ctx.myBreakout = me ? me.breakout : null;
    ctx.emit("room:state", me);
    for (const event of meanwhile) if (RESTATED.has(event.type)) ctx.emit(event.type, event);
  }

  function refreshSoon() {
    clearTimeout(stateTimer);
    stateTimer = setTimeout(refresh, 150);
  }

  function onRoomFrame(frame) {
    if (frame.type === "signal") return ctx.emit("room:signal", frame);
    if (frame.type === "presence") return refreshSoon();
    if (frame.type !== "event") return;
    for (const list of arriving) list.push(frame.event);
    if (ctx.state) ctx.emit(frame.event.type, frame.event);
  }

  ctx.on("meetings.room.removed", () => close(T.removed, "closed"));
  ctx.on("meetings.participant.removed", (event) => {
    if (event.member === ctx.me) close(T.removed, "closed");
    refreshSoon();
  });
  ctx.on("meetings.meeting.ended", () => close(T.ended, "ended"));
  for (const type of ["meetings.roles.changed", "meetings.breakout.started", "meetings.breakout.ended", "meetings.mode.changed"]) {
    ctx.on(type, refresh);
  }

  return { enter, close, refresh, refreshSoon };
}
