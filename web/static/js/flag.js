/*
 * Flagging, and what the author of moderated content reads on it (docs/moderation.md, "Flags").
 *
 * One dialog per page: the server renders it once ({% flag_dialog %}: <dialog id="flag-dialog">
 * holding the same form as the forum's no-script flag control, moderation/_flag_form.html, and
 * the translated words as data attributes). Items the server draws carry that control
 * (<details class="flag-control" data-flag-ref="forum.post:42">): here its summary opens the
 * dialog instead. Items a page's script draws (chat lines, questions) get flagButton(ref). The
 * dialog sends POST /api/moderation/flags and says in place that the flag was received, or, for
 * an item flagged before, that the flag counts once; the item's control then reads "Flagged".
 *
 * A chat line or a question that is not published is shown to its author only, with
 * moderationNote(item): awaiting review, hidden after flags, or rejected with the reason.
 */
import { el } from "./dom.js";

const dialog = () => document.getElementById("flag-dialog");
const words = () => (dialog() || { dataset: {} }).dataset;
const flagged = new Set(); // refs this page has flagged (or was told were flagged before)

/* The control for an item a page's script draws: "Flag", or "Flagged" once sent. `what` (the
   author and text, say) is shown in the dialog, so the member sees what they flag. */
export function flagButton(ref, what = "") {
  if (flagged.has(ref)) return el("span", { class: "flag-done muted", text: words().flagged });
  return el("button", { type: "button", class: "link flag-btn", "data-flag-ref": ref, "data-flag-what": what }, words().flag);
}

/* The words on an item that is not published, for its author; null when it is. */
export function moderationNote(item) {
  const w = words();
  if (item.status === "held") return el("p", { class: "notice warn moderation-note", text: w.held });
  if (item.status === "hidden") return el("p", { class: "notice warn moderation-note", text: w.hidden });
  if (item.status === "rejected") return el("p", { class: "notice error moderation-note", text: (w.rejected + " " + (item.reason || "")).trim() });
  return null;
}

/* What a page keeps of an item that moderation took away (hidden, rejected): its author keeps it,
   told why, and a rejection is not undone by a "hidden" arriving after it on another stream;
   anyone else keeps nothing (null). */
export function afterModeration(item, me, status, reason = "") {
  if (!item || item.author !== me) return null;
  if (item.status === "rejected" && status === "hidden") return item;
  return { ...item, status, reason };
}

function markFlagged(ref) {
  flagged.add(ref);
  for (const control of document.querySelectorAll("[data-flag-ref]")) {
    if (control.dataset.flagRef !== ref || control.closest("#flag-dialog")) continue;
    control.replaceWith(el("span", { class: "flag-done muted", text: words().flagged }));
  }
}

function show(box, text) {
  box.textContent = text;
  box.hidden = !text;
}

function open(ref, what) {
  const box = dialog();
  if (!box) return;
  const form = box.querySelector("form");
  form.reset();
  form.elements.ref.value = ref;
  form.hidden = false;
  form.querySelector("button[type=submit]").disabled = false;
  show(box.querySelector(".flag-item"), what || "");
  show(box.querySelector(".flag-result"), "");
  box.showModal();
  form.querySelector("input[name=reason]").focus();
}

async function send(form) {
  const box = dialog();
  const result = box.querySelector(".flag-result");
  const submit = form.querySelector("button[type=submit]");
  const ref = form.elements.ref.value;
  submit.disabled = true;
  let status = 0;
  let body = {};
  try {
    const response = await fetch("/api/moderation/flags", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": form.elements.csrfmiddlewaretoken.value },
      body: JSON.stringify({ content: ref, reason: form.elements.reason.value, note: form.elements.note.value }),
    });
    status = response.status;
    body = await response.json().catch(() => ({}));
  } catch (error) {
    status = 0; // no link: the form stays, to send again
  }
  const done = status === 201 || body.code === "conflict"; // flagged before: it counts once
  if (done) {
    form.hidden = true;
    markFlagged(ref);
  }
  submit.disabled = false;
  show(result, status === 201 ? words().received : done ? words().already : body.message || words().failed);
  box.querySelector(".flag-close").focus();
}

// The page's listeners, once (the module is also imported in Node, where there is no page).
if (typeof document !== "undefined") {
document.addEventListener("click", (e) => {
  const trigger = e.target.closest("button.flag-btn[data-flag-ref], .flag-control[data-flag-ref] > summary");
  if (trigger) {
    e.preventDefault(); // a disclosure stays closed: the dialog takes its place
    const control = trigger.closest("[data-flag-ref]");
    open(control.dataset.flagRef, control.dataset.flagWhat);
    return;
  }
  if (e.target.closest("#flag-dialog .flag-close")) dialog().close();
});

document.addEventListener("submit", (e) => {
  const form = e.target.closest("#flag-dialog form");
  if (!form) return;
  e.preventDefault();
  send(form);
});
}
