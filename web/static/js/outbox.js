/*
 * What waits to be sent on one stream, shown to the person who wrote it (realtime.js keeps it):
 * each line says "waiting to send" with its text and a button to cancel it. The list element
 * comes from web/templates/web/_outbox.html, with its words in data-label-* attributes.
 *
 *   showOutbox(rt, document.getElementById("reply-outbox"), "forum.thread:42", {
 *     type: "forum.thread.post",                     // only these (the frame's type), if given
 *     onCancel: (entry) => { if (!textarea.value) textarea.value = entry.label; },
 *   });
 *
 * outboxForm: a one-line form (its field named "text") whose lines are delivered through the
 * outbox, for a room's chat and a lesson's questions.
 */
import { el } from "./dom.js";

export function showOutbox(rt, list, stream, { type = null, onCancel = null } = {}) {
  if (!list) return;
  const words = list.dataset;
  function render() {
    // One list per kind of thing: a lesson room's chat lines and questions share its stream.
    const entries = rt.outbox.entries(stream).filter((entry) => !type || entry.frame.type === type);
    list.replaceChildren(...entries.map((entry) => el("li", { class: "outbox-item", "data-cid": entry.cid },
      el("span", { class: "outbox-state", text: words.labelWaiting }), " ",
      el("span", { class: "outbox-text", text: entry.label }), " ",
      el("button", {
        type: "button",
        class: "outbox-cancel",
        onclick: () => { if (rt.outbox.cancel(entry.cid) && onCancel) onCancel(entry); },
      }, words.labelCancel))));
    list.hidden = entries.length === 0;
  }
  // Without a live connection the person is told that what they write waits here.
  const note = document.getElementById(list.id + "-note");
  const showNote = () => { if (note) note.hidden = rt.state === "open" || rt.state === "connecting"; };
  rt.onFrame((frame) => {
    if (frame.type === "outbox") render();
    else if (frame.type === "state") showNote();
  });
  render();
  showNote();
}

/* The form empties at once; a line the server refuses comes back into it (unless something new
   was typed) and `status` says why; a line held for review is handed to `onHeld` (the command's
   answer: id, status, text), also for a line sent after a reload, so the page shows it to its
   author, saying so. */
export function outboxForm(rt, form, stream, { type, list, status, onHeld }) {
  const input = form.elements.text;
  showOutbox(rt, list, stream, {
    type,
    onCancel: (entry) => { if (!input.value) input.value = entry.label; },
  });
  rt.onFrame((frame) => {
    if (frame.type === "delivered" && frame.entry.frame.type === type && frame.data.status === "held") {
      onHeld(frame.data);
    }
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    status.textContent = "";
    input.value = "";
    rt.deliver(type, stream, { text }, { label: text }).then((data) => {
      if (data.status === "held") onHeld(data);
    }, (error) => {
      if (error.code === "cancelled") return;
      if (!input.value) input.value = text;
      status.textContent = error.message;
    });
  });
}

/* A client id for the next thing a form sends (kept with it in the outbox). */
export function newCid() {
  if (globalThis.crypto && globalThis.crypto.randomUUID) return globalThis.crypto.randomUUID();
  return Date.now().toString(36) + Math.random().toString(36).slice(2);
}
