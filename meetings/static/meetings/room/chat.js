/*
 * The room's chat. Each breakout room has its own: a member sees the lines of the room they are
 * in. Lines go through the outbox: written while the link is away they wait ("waiting to send",
 * cancellable) and are sent once when it returns.
 */
import { el } from "../../js/dom.js";
import { outboxForm } from "../../js/outbox.js";

/* The lines of one room (the main room: breakout null). */
export function linesOf(chat, breakout) {
  return chat.filter((line) => (line.breakout || null) === breakout);
}

/* A posted line, once: after the link returns it can come both in a fresh room state and as a
   missed event. */
export function addLine(chat, line) {
  if (!chat.some((known) => known.id === line.id)) chat.push(line);
  return chat;
}

export function chat(ctx) {
  const { $, T, rt, config } = ctx;

  function render() {
    const list = $("chat-lines");
    list.replaceChildren();
    for (const line of linesOf(ctx.state.chat, ctx.myBreakout)) {
      list.append(el("li", {}, el("span", { class: "who" }, line.name), line.text));
    }
    list.scrollTop = list.scrollHeight;
  }

  outboxForm(rt, $("chat-form"), config.room, {
    type: "meeting.chat", list: $("chat-outbox"), status: $("chat-status"), held: T.held,
  });

  ctx.on("room:state", render);
  ctx.on("meetings.chat.posted", (event) => {
    addLine(ctx.state.chat, event);
    render();
  });
  ctx.on("meetings.chat.hidden", (event) => {
    ctx.state.chat = ctx.state.chat.filter((line) => line.id !== event.id);
    render();
  });
  ctx.on("meetings.chat.rejected", () => {
    $("chat-status").textContent = T.rejected;
  });
}
