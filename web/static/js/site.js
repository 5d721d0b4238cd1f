/*
 * What every page does, without inline handlers (the Content-Security-Policy forbids them):
 * a <select data-autosubmit> submits its form when changed (the language, the queue's filter),
 * a <button data-print> prints the page.
 */
for (const select of document.querySelectorAll("select[data-autosubmit]")) {
  select.addEventListener("change", () => select.form.submit());
}
for (const button of document.querySelectorAll("button[data-print]")) {
  button.addEventListener("click", () => window.print());
}
