/*
 * Dues forms: the amount follows the number of months (the standard × months, in fen, written as
 * yuan; the server checks it again). On the member's own page a confirmation or rejection by the
 * branch arrives live on user:me and the page's months and payments are re-read.
 */
import { connection, refresh } from "./live.js";

const yuan = (fen) => Math.floor(fen / 100) + "." + String(fen % 100).padStart(2, "0");

for (const form of document.querySelectorAll("form")) {
  const months = form.querySelector("[data-dues-months]");
  const amount = form.querySelector("[data-dues-amount]");
  if (!months || !amount) continue;
  const monthly = parseInt(amount.dataset.monthlyFen, 10) || 0;
  months.addEventListener("input", () => {
    const n = parseInt(months.value, 10);
    if (monthly && n >= 1 && n <= 24) amount.value = yuan(monthly * n);
  });
}

const mine = document.getElementById("my-dues");
const rt = mine && connection();
if (rt) {
  rt.onFrame((frame) => {
    if (frame.type === "subscribed" && frame.stream === "user:me") mine.dataset.live = "true";
  });
  rt.subscribe("user:me", (frame) => {
    if (frame.type !== "event") return;
    const type = frame.event.type || "";
    if (type === "branch.dues.confirmed" || type === "branch.dues.rejected" || type === "branch.dues.standard") {
      for (const old of document.querySelectorAll(".messages")) old.remove();
      refresh(["my-dues", "dues-payments"]).then(() => {
        const again = document.getElementById("my-dues");
        if (again) again.dataset.live = "true";
      });
    }
  });
}
