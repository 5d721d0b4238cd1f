/*
 * Live meeting notices on the home and calendar pages: the member's user:me stream says when
 * they are invited, when a meeting changes, starts or is cancelled, and how a leave request
 * went (hosts hear of new requests). Each notice links to the meeting (or its room once it has
 * started). Words come from the list's data-* attributes, translated by the template.
 */
import { Connection } from "../js/realtime.js";
import { when } from "../js/clock.js";

(function () {
  const list = document.getElementById("meeting-notices");
  if (!list) return;
  const words = list.dataset;
  const rt = new Connection({});

  function link(href, text) {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    return a;
  }

  function show(kind, label, meetingId, title, detail, action) {
    const item = document.createElement("li");
    item.className = "meeting-notice";
    item.dataset.kind = kind;
    item.dataset.meeting = String(meetingId);
    const strong = document.createElement("strong");
    strong.textContent = label + " ";
    item.append(strong, link("/meetings/" + meetingId + "/", title));
    if (detail) {
      const muted = document.createElement("span");
      muted.className = "muted";
      muted.textContent = " · " + detail;
      item.append(muted);
    }
    if (action) item.append(" ", action);
    list.prepend(item);
    list.hidden = false;
  }

  // From here on the page hears new notices (what happened before is on the page already).
  rt.onFrame((frame) => {
    if (frame.type === "subscribed" && frame.stream === "user:me") list.dataset.live = "true";
  });
  rt.subscribe("user:me", (frame) => {
    if (frame.type !== "event") return;
    const event = frame.event;
    const type = event.type || "";
    if (type.startsWith("meetings.meeting.")) {
      const what = type.slice("meetings.meeting.".length);
      const m = event.meeting;
      if (!words[what]) return;
      const action = what === "started" ? link("/meetings/" + m.id + "/room/", words.join) : null;
      if (action) action.className = "button primary";
      show(what, words[what], m.id, m.title, what === "started" ? "" : when(m.starts_at), action);
    } else if (type === "meetings.leave.requested") {
      const detail = event.member.name + (event.reason ? ": " + event.reason : "");
      show("leave-requested", words.leaveRequested, event.meeting.id, event.meeting.title, detail, null);
    } else if (type === "meetings.leave.decided") {
      const label = event.status === "approved" ? words.leaveApproved : words.leaveDeclined;
      show("leave-" + event.status, label, event.meeting.id, event.meeting.title, "", null);
    }
  });
})();
