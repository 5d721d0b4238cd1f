/*
 * The publisher's view of a notice: each first opening and each confirmation arrives on the
 * notice's stream with the new counts; the member's row is re-rendered by the server.
 */
import { connection, fragment, urlFor } from "./live.js";

const root = document.getElementById("receipts");
const rt = root && connection(document.getElementById("conn-state"));
if (rt) {
  const setCounts = (scope, counts) => {
    for (const [name, value] of Object.entries(counts)) {
      const el = scope && scope.querySelector(`[data-count="${name}"]`);
      if (el) el.textContent = String(value);
    }
  };
  rt.subscribe(root.dataset.stream, async (frame) => {
    if (frame.type !== "event" || frame.event.type !== "branch.notice.receipt") return;
    const event = frame.event;
    setCounts(root, event.totals);
    setCounts(document.querySelector(`.receipts-org[data-organisation="${event.organisation}"]`), event.counts);
    const row = document.querySelector(`tr[data-member="${event.member}"]`);
    const fresh = row && (await fragment(urlFor(root.dataset.rowUrl, event.member)));
    if (row && fresh) row.replaceWith(fresh);
  }, parseInt(root.dataset.seq, 10));
}
