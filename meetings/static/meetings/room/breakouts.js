/*
 * Group discussion in breakout rooms: the banner of the room this member is in, with its end
 * time; when the time is up any page calls everyone back (the server checks the time). Hosts
 * start a discussion, by party group or in ad-hoc rooms, and call everyone back early.
 */
import { when } from "../../js/clock.js";

export const MIN_ROOMS = 2;
export const MAX_ROOMS = 20;

/* Ad-hoc rooms: everyone present but the hosts, dealt round `wanted` rooms in turn (2 to 20);
   rooms left empty are not opened. */
export function dealRooms(participants, wanted, label) {
  const count = Math.max(MIN_ROOMS, Math.min(MAX_ROOMS, Number(wanted) || MIN_ROOMS));
  const rooms = Array.from({ length: count }, (_, i) => ({ name: label + " " + (i + 1), members: [] }));
  participants.filter((p) => p.role === "participant").forEach((p, i) => rooms[i % count].members.push(p.member));
  return rooms.filter((r) => r.members.length);
}

export function breakouts(ctx) {
  const { $, T } = ctx;
  let timer = null;

  function render() {
    if ($("breakout-return")) $("breakout-return").hidden = ctx.state.breakouts.length === 0;
    const banner = $("breakout-banner");
    clearTimeout(timer);
    const room = ctx.state.breakouts.find((b) => b.id === ctx.myBreakout);
    if (!room) {
      banner.hidden = true;
      return;
    }
    const until = new Date(room.ends_at);
    banner.hidden = false;
    banner.textContent = T.breakout + " " + room.name + " · " + T.breakoutUntil + " " + when(room.ends_at);
    timer = setTimeout(() => ctx.command("breakout.return").catch(() => {}), Math.max(0, until - Date.now()) + 500);
  }

  ctx.on("room:state", render);

  const form = $("breakout-form");
  if (!form) return;
  $("breakout-return").addEventListener("click", () => ctx.command("breakout.return").catch(ctx.fail));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const minutes = Number(f.minutes.value);
    if (f.split.value === "groups") {
      ctx.command("breakout.start", { minutes, by_group: true }).catch(ctx.fail);
      return;
    }
    const rooms = dealRooms(ctx.state.participants, f.rooms.value, T.roomName);
    ctx.command("breakout.start", { minutes, by_group: false, rooms }).catch(ctx.fail);
  });
}
