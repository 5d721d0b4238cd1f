/*
 * The roster import's progress bar: the import runs on the server and tells this page how far it
 * got (ephemeral signals on user:me) and how it ended (a stored event, which this page receives
 * even when it subscribed after the import finished, by subscribing from the head it was given).
 */
import { Connection } from "../js/realtime.js";

const box = document.getElementById("import-job");
if (box) {
  const bar = document.getElementById("import-progress");
  const result = document.getElementById("import-result");
  const job = box.dataset.job;
  const rt = new Connection({});
  rt.subscribe("user:me", (frame) => {
    if (frame.type === "signal" && frame.data && frame.data.kind === "membership.import.progress" && frame.data.job === job) {
      bar.value = frame.data.done;
    } else if (frame.type === "event" && frame.event.job === job) {
      if (frame.event.type === "membership.import.finished") {
        bar.value = frame.event.total;
        result.textContent = box.dataset.doneText
          .replace("{created}", frame.event.created)
          .replace("{updated}", frame.event.updated)
          .replace("{unchanged}", frame.event.unchanged);
        box.dataset.finished = "true";
      } else if (frame.event.type === "membership.import.failed") {
        result.textContent = box.dataset.failedText;
        result.className = "error";
        box.dataset.finished = "failed";
      }
    }
  }, Number(box.dataset.since));
}
