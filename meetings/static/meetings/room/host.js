/*
 * The host's controls of the meeting itself: start it (a scheduled one), lock or unlock the room,
 * end it for everyone. Only hosts' pages have them.
 */
export function host(ctx) {
  const { $, T } = ctx;
  const lock = $("toggle-lock");
  if (!lock) return;

  function render() {
    lock.textContent = ctx.state.meeting.locked ? T.unlock : T.lock;
    lock.setAttribute("aria-pressed", String(ctx.state.meeting.locked));
    $("start-meeting").hidden = ctx.state.meeting.status !== "scheduled";
  }

  lock.addEventListener("click", () => ctx.command("room.lock", { locked: !ctx.state.meeting.locked }).catch(ctx.fail));
  $("end-meeting").addEventListener("click", () => ctx.command("room.end").catch(ctx.fail));
  $("start-meeting").addEventListener("click", () => ctx.command("room.start").catch(ctx.fail));

  ctx.on("room:state", render);
  ctx.on("meetings.room.locked", (event) => {
    ctx.state.meeting.locked = event.locked;
    render();
  });
  ctx.on("meetings.room.started", () => {
    ctx.state.meeting.status = "live";
    render();
  });
}
