// The live review queue: subscribe to this moderator's moderation.queue streams on the gateway
// (the site's one realtime client: it resumes each stream from its last seq after a drop and
// shows the connection state) and re-render the list (server-side HTML) whenever an item is
// added, claimed or decided, and after a reconnect for anything missed meanwhile.
import { jsonData } from "../js/dom.js";
import { Connection } from "../js/realtime.js";

const list = document.getElementById("queue-items");
const streams = jsonData("queue-streams", []);
let pending = null;

function refresh() {
  if (pending) return;
  pending = setTimeout(() => {
    pending = null;
    fetch(list.dataset.fragmentUrl, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
      .then((html) => { list.innerHTML = html; })
      .catch(() => {});
  }, 150);
}

if (list && streams.length) {
  const rt = new Connection({ indicator: document.getElementById("queue-live") });
  let opened = false;
  rt.onFrame((frame) => {
    if (frame.type !== "state" || frame.state !== "open") return;
    if (opened) refresh(); // anything missed while offline
    opened = true;
  });
  for (const stream of streams) {
    rt.subscribe(stream, (frame) => { if (frame.type === "event") refresh(); });
  }
}
