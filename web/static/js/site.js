/*
 * What every page does, without inline handlers (the Content-Security-Policy forbids them):
 * a <select data-autosubmit> submits its form when changed (the language, the queue's filter),
 * a <button data-print> prints the page, and a form is not submitted while the browser is
 * offline (the page would be replaced by the browser's error page and what was written lost):
 * the person is told instead, and the form keeps its contents. Pages that send through the
 * realtime client's outbox handle their own forms first.
 *
 * It also installs the service worker (web/static/js/sw.js) for a signed-in member, and on
 * logout (or on a page of nobody) deletes the pages it kept and the member's outbox (sent by
 * then: a logout needs the link), so the next person on this browser never sees them.
 */
import { keepDrafts } from "./drafts.js";

for (const select of document.querySelectorAll("select[data-autosubmit]")) {
  select.addEventListener("change", () => select.form.requestSubmit()); // through the offline check below
}
for (const button of document.querySelectorAll("button[data-print]")) {
  button.addEventListener("click", () => window.print());
}
// A <button data-copy="id"> copies the text of the element with that id (a receipt code) and says so.
for (const button of document.querySelectorAll("button[data-copy]")) {
  button.addEventListener("click", async () => {
    const source = document.getElementById(button.dataset.copy);
    const status = document.querySelector(`[data-copy-status="${button.dataset.copy}"]`);
    if (!source) return;
    const text = source.textContent.trim();
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // No clipboard permission (an old browser, an insecure origin): select the text for a manual copy.
      const range = document.createRange();
      range.selectNodeContents(source);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      if (!document.execCommand("copy")) return;
    }
    if (status) status.textContent = button.dataset.copied || "";
  });
}

keepDrafts();

// The note is made from its <template> when needed (an alert only when there is one to give).
let offlineNote = null;
document.addEventListener("submit", (e) => {
  if (e.defaultPrevented || navigator.onLine !== false) return;
  e.preventDefault();
  const template = document.getElementById("offline-form-note");
  if (!offlineNote && template) {
    offlineNote = template.content.firstElementChild.cloneNode(true);
    template.after(offlineNote);
  }
  if (offlineNote) offlineNote.scrollIntoView({ block: "nearest" });
});
window.addEventListener("online", () => {
  if (offlineNote) offlineNote.remove();
  offlineNote = null;
});

const PAGES = "epa-pages-";

async function forgetPages() {
  try { localStorage.removeItem("epa.outbox." + document.documentElement.dataset.me); } catch { /* refused */ }
  if (!globalThis.caches) return;
  for (const name of await caches.keys()) if (name.startsWith(PAGES)) await caches.delete(name);
  const worker = navigator.serviceWorker && navigator.serviceWorker.controller;
  if (worker) worker.postMessage({ type: "forget" });
}

if ("serviceWorker" in navigator) {
  if (document.documentElement.dataset.me) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
  } else if (navigator.serviceWorker.controller) {
    forgetPages();
  }
}
for (const form of document.querySelectorAll("form[data-logout]")) {
  form.addEventListener("submit", (e) => {
    if (e.defaultPrevented || navigator.onLine === false) return; // offline: the check above tells
    e.preventDefault();
    forgetPages().finally(() => form.submit());
  });
}
