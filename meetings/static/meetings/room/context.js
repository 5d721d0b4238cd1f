/*
 * What every part of the room page shares, handed to each part's function (room.js wires them):
 * the room's configuration and words (JSON in the template), the page's one realtime
 * connection, the last meeting.state answer (kept current by events), and a small bus.
 *
 * The bus carries the room's events by their type ("meetings.vote.opened", ...; the personal
 * ones of user:me for this meeting too) and the page's own moments: "room:entering" (each
 * handler may return a promise the entry waits for), "room:state" (a fresh meeting.state),
 * "room:signal" (a signal frame), "room:left" ({status}), "room:audio-only" (on).
 */
import { Connection } from "../../js/realtime.js";

export function roomContext(root) {
  const $ = (id) => root.getElementById(id);
  const config = JSON.parse($("room-config").textContent);
  const handlers = new Map(); // bus: name → [handler]

  const ctx = {
    root,
    $,
    config,
    T: JSON.parse($("room-text").textContent),
    me: config.me,
    rt: new Connection({ indicator: $("rt-state") }),
    state: null, // the last meeting.state answer, kept current by events
    inRoom: false, // admitted and not yet out
    entered: false, // in, with the room's stream subscribed (what the lesson's script waits for)
    myBreakout: null, // the breakout room this member is in, null in the main room
    audioOnly: false, // this member's choice (media.js)
    watchOnly: Boolean(config.lesson && !config.presenter), // a lesson's audience sends nothing

    command: (name, args) => ctx.rt.command("meeting." + name, config.room, args || {}),

    notice(text) {
      const box = $("room-notice");
      box.textContent = text || "";
      box.hidden = !text;
    },

    fail: (error) => ctx.notice(ctx.T.error + " " + (error && error.message ? error.message : error)),

    person: (member) => (ctx.state ? ctx.state.participants.find((p) => p.member === member) : undefined),

    nameOf(member) {
      const person = ctx.person(member);
      return person ? person.name : "#" + member;
    },

    on(name, handler) {
      if (!handlers.has(name)) handlers.set(name, []);
      handlers.get(name).push(handler);
    },

    /* Every handler of `name`, in the order they were added; their return values. */
    emit: (name, payload) => (handlers.get(name) || []).map((handler) => handler(payload)),
  };
  return ctx;
}
