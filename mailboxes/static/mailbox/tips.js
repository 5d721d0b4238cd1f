/*
 * Inspectors are told, as it happens, that a report arrived: the server sends them an ephemeral
 * signal on user:me (nothing stored) with the count of reports no inspector has opened yet, and
 * the menu's badge and a notice follow it.
 */
import { Connection } from "../js/realtime.js";

export function followTipAlerts(frame) {
  if (frame.type !== "signal" || !frame.data || frame.data.kind !== "mailbox.tips.new") return;
  const count = Number(frame.data.count) || 0;
  for (const badge of document.querySelectorAll(".tips-badge")) {
    badge.textContent = String(count);
    badge.hidden = !count;
  }
  const notice = document.getElementById("tips-live");
  if (notice) notice.hidden = false;
}

// The inspectors' own pages (the list, a report) listen by themselves.
if (document.getElementById("tips-live")) {
  const rt = new Connection({ indicator: document.getElementById("conn-state") });
  rt.subscribe("user:me", followTipAlerts);
}
