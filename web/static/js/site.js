/*
 * What every page does, without inline handlers (the Content-Security-Policy forbids them):
 * a <select data-autosubmit> submits its form when changed (the language, the queue's filter),
 * a <button data-print> prints the page.
 */
import { keepDrafts } from "./drafts.js";

for (const select of document.querySelectorAll("select[data-autosubmit]")) {
  select.addEventListener("change", () => select.form.submit());
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
