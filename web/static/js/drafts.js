/*
 * Unsent drafts kept across reloads, per person and per place: every <textarea> or <input>
 * with data-draft="place" (a thread's reply box, a new thread on a board, a conversation, a
 * thought report) is saved in this browser's localStorage under the member's id and the place,
 * restored when the page opens with the field empty, and forgotten when it is sent (the page's
 * script calls clearDraft, or the form is submitted the plain way). Logging out forgets the
 * member's drafts, so the next person on a shared phone finds none.
 */
const PREFIX = "epa.draft:";

function me() {
  return document.documentElement.dataset.me || "";
}

function key(field) {
  return PREFIX + me() + ":" + field.dataset.draft;
}

function store() {
  try { return window.localStorage; } catch { return null; }
}

export function clearDraft(field) {
  const s = store();
  if (s && field && field.dataset.draft && me()) s.removeItem(key(field));
}

export function keepDrafts(root = document) {
  const s = store();
  if (!s || !me()) return;
  for (const field of root.querySelectorAll("[data-draft]")) {
    const saved = s.getItem(key(field));
    if (saved && !field.value) field.value = saved;
    field.addEventListener("input", () => {
      if (field.value) s.setItem(key(field), field.value);
      else s.removeItem(key(field));
    });
    // A plain submission (no script took it over) sends the text: the page that answers shows it
    // again if it was refused, so the copy here is no longer needed.
    if (field.form) field.form.addEventListener("submit", (e) => { setTimeout(() => { if (!e.defaultPrevented) clearDraft(field); }, 0); });
  }
  for (const logout of document.querySelectorAll("form[data-logout]")) {
    logout.addEventListener("submit", () => {
      for (let i = s.length - 1; i >= 0; i--) {
        const k = s.key(i);
        if (k && k.startsWith(PREFIX + me() + ":")) s.removeItem(k);
      }
    });
  }
}
