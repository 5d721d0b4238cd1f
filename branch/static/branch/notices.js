/*
 * Notices on the home page and the notices page: a new notice arrives live on user:me and is put
 * at the top of the list (the item is rendered by the server); the unread badge follows
 * branch.notice.unread.
 */
import { connection, fragment, urlFor } from "./live.js";

const list = document.getElementById("notice-list");
const rt = list && connection();
if (rt) {
  const badge = document.getElementById("notice-badge");
  const empty = document.getElementById("no-notices");
  rt.onFrame((frame) => {
    if (frame.type === "subscribed" && frame.stream === "user:me") list.dataset.live = "true";
  });
  rt.subscribe("user:me", async (frame) => {
    if (frame.type !== "event") return;
    const event = frame.event;
    if (event.type === "branch.notice.published") {
      if (list.querySelector(`[data-notice="${event.notice}"]`)) return;
      const item = await fragment(urlFor(list.dataset.itemUrl, event.notice));
      if (!item) return;
      list.prepend(item);
      if (empty) empty.hidden = true;
      if (badge) {
        badge.textContent = String((parseInt(badge.textContent, 10) || 0) + 1);
        badge.hidden = false;
      }
    } else if (event.type === "branch.notice.unread" && badge) {
      badge.textContent = String(event.unread);
      badge.hidden = event.unread === 0;
    }
  });
}
