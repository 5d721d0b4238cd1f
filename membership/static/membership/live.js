/*
 * Party record pages, live: the page subscribes to the streams its script tag names
 * (an organisation's pipeline board, or the member's own user:me) and, when a step of the
 * pipeline or a transfer concerns it, fetches the page again and swaps in the server-rendered
 * content (one renderer: the server's templates), keeping what the person is typing in a form.
 */
import { Connection } from "../js/realtime.js";

const script = document.querySelector("script[data-streams]");
const streams = script ? script.dataset.streams.split(" ").filter(Boolean) : [];
const main = document.querySelector("main.container");

function typing() {
  const active = document.activeElement;
  return active && active.closest && active.closest("main form") && ["INPUT", "TEXTAREA", "SELECT"].includes(active.tagName);
}

async function refresh() {
  if (typing()) return; // never take a half-filled form away; the next event refreshes
  const response = await fetch(location.href, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" });
  if (!response.ok) return;
  const html = await response.text();
  const next = new DOMParser().parseFromString(html, "text/html").querySelector("main.container");
  if (next && main) {
    main.replaceChildren(...next.childNodes);
    main.dataset.refreshed = String(Number(main.dataset.refreshed || 0) + 1);
  }
}

if (streams.length && main) {
  const rt = new Connection({ indicator: document.getElementById("rt-state") });
  for (const stream of streams) {
    rt.subscribe(stream, (frame) => {
      if (frame.type === "event" && String(frame.event.type || "").startsWith("membership.")) refresh();
    });
  }
}
