/*
 * The room's chat. Each breakout room has its own: a member sees the lines of the room they are
 * in. Lines go through the outbox: written while the link is away they wait ("waiting to send",
 * cancellable) and are sent once when it returns. Others' lines can be flagged (web/static/js/
 * flag.js); one's own line that moderation held, hid or rejected stays, saying so.
 */
import { el } from "../../js/dom.js";
import { afterModeration, flagButton, moderationNote } from "../../js/flag.js";
import { outboxForm } from "../../js/outbox.js";

/* The lines of one room (the main room: breakout null). */
export function linesOf(chat, breakout) {
  return chat.filter((line) => (line.breakout || null) === breakout);
}

/* A posted line, once: after the link returns it can come both in a fresh room state and as a
   missed event; a line a moderator approved comes again and replaces its author's copy. */
export function addLine(chat, line) {
  const at = chat.findIndex((known) => known.id === line.id);
  if (at < 0) chat.push(line);
  else chat[at] = line;
  return chat;
}

export function chat(ctx) {
  const { $, T, rt, config } = ctx;

  function render() {
    const list = $("chat-lines");
    list.replaceChildren();
    for (const line of linesOf(ctx.state.chat, ctx.myBreakout)) {
      const mine = line.author === ctx.me; // its author reads what moderation did; others may flag it
      list.append(el("li", { "data-chat": line.id }, el("span", { class: "who" }, line.name), line.text,
        mine ? moderationNote(line) : flagButton("meetings.chatmessage:" + line.id, line.name + "：" + line.text)));
    }
    list.scrollTop = list.scrollHeight;
  }

  function moderate(id, status, reason) {
    ctx.state.chat = ctx.state.chat.map((line) => (line.id === id ? afterModeration(line, ctx.me, status, reason) : line))
      .filter(Boolean);
    render();
  }

  // A held line stays on its author's page, saying it awaits review.
  function held(data) {
    if (!ctx.state) return;
    addLine(ctx.state.chat, { id: data.id, author: ctx.me, name: ctx.nameOf(ctx.me), text: data.text,
      breakout: ctx.myBreakout, status: "held", reason: "" });
    render();
  }

  outboxForm(rt, $("chat-form"), config.room, {
    type: "meeting.chat", list: $("chat-outbox"), status: $("chat-status"), onHeld: held,
  });

  ctx.on("room:state", render);
  ctx.on("meetings.chat.posted", (event) => {
    addLine(ctx.state.chat, event);
    render();
  });
  ctx.on("meetings.chat.hidden", (event) => moderate(event.id, "hidden"));
  ctx.on("meetings.chat.rejected", (event) => {
    $("chat-status").textContent = T.rejected;
    if (ctx.state) moderate(event.id, "rejected", event.reason);
  });
}
