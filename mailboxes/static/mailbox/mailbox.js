/*
 * A live heart-to-heart conversation on the gateway's browser client (web/static/js/realtime.js).
 *
 * Subscribes to mailbox:<id> from the seq the page was rendered at, so a reconnect resumes with
 * exactly what was missed; messages are keyed by seq, so nothing shows twice. Sending is the
 * gateway's `send` frame with the form's client id, through the realtime client's outbox: a
 * message written offline waits on the page ("waiting to send", cancellable) and goes when the
 * link returns, stored once even if an earlier attempt got through. Messages from
 * the other side are marked read with the mailbox.read command while the page is visible; their
 * read receipts (mailbox.conversation.read events) show "Read" under my messages. On every mailbox page the
 * member's user:me stream keeps the unread badge current and shows thought-report events live.
 */
import { timeElement } from "../js/clock.js";
import { clearDraft } from "../js/drafts.js";
import { newCid, showOutbox } from "../js/outbox.js";
import { Connection } from "../js/realtime.js";
import { followTipAlerts } from "./tips.js";

(function () {
  const rt = new Connection({ indicator: document.getElementById("conn-state") });
  window.epaMailboxConnection = rt;

  // Every mailbox page: the unread badge and live notices from the member's own user:me stream.
  const badge = document.getElementById("mailbox-badge");
  const forumBadge = document.getElementById("notification-badge");
  const notices = document.getElementById("mailbox-live");
  const live = (document.getElementById("i18n-mailbox-live") || { dataset: {} }).dataset;
  const WRITING_LABELS = { "mailbox.writing.submitted": "submitted", "mailbox.writing.comment": "comment", "mailbox.writing.reviewed": "reviewed" };
  rt.subscribe("user:me", (frame) => {
    followTipAlerts(frame);
    if (frame.type !== "event") return;
    const event = frame.event;
    if (event.type === "mailbox.unread.changed" && badge) {
      badge.textContent = String(event.unread);
      badge.hidden = !event.unread;
    } else if ((event.type === "forum.notification.created" || event.type === "forum.notifications.read") && forumBadge) {
      forumBadge.textContent = String(event.unread); // the site's notifications badge, as on forum pages
      forumBadge.dataset.count = String(event.unread);
      forumBadge.hidden = !event.unread;
    } else if (WRITING_LABELS[event.type] && notices) {
      const notice = document.createElement("p");
      notice.className = "notice live-notice";
      notice.dataset.event = event.type;
      notice.appendChild(document.createTextNode((live[WRITING_LABELS[event.type]] || "") + " "));
      const link = document.createElement("a");
      link.href = "/mailbox/writings/" + Number(event.writing) + "/";
      link.textContent = event.title; // text, never HTML
      notice.appendChild(link);
      notices.prepend(notice);
    }
  });

  const list = document.getElementById("messages");
  if (!list || list.dataset.live !== "1") return; // an older page of the history stays as it is
  const stream = "mailbox:" + list.dataset.conversation;
  const me = Number(list.dataset.me);
  const i18n = document.getElementById("i18n-mailbox").dataset;
  const typing = document.getElementById("typing");
  let otherRead = Number(list.dataset.otherRead || 0);
  let readUpto = Number(list.dataset.seq || 0);
  let typingTimer = null;

  function showReceipts() {
    for (const li of list.querySelectorAll("li.message.mine")) {
      const receipt = li.querySelector(".receipt");
      if (receipt) receipt.hidden = Number(li.dataset.seq) > otherRead;
    }
  }

  function add(seq, event) {
    if (list.querySelector(`li.message[data-seq="${seq}"]`)) return;
    const empty = document.getElementById("no-messages");
    if (empty) empty.remove();
    const li = document.createElement("li");
    const mine = event.sender === me;
    li.className = "message " + (mine ? "mine" : "theirs");
    li.dataset.seq = String(seq);
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    bubble.textContent = event.text; // stored escaped-safe plain text; shown as text, never HTML
    const meta = document.createElement("div");
    meta.className = "meta muted";
    meta.appendChild(timeElement(new Date()));
    if (mine) {
      const receipt = document.createElement("span");
      receipt.className = "receipt";
      receipt.textContent = i18n.read;
      receipt.hidden = seq > otherRead;
      meta.appendChild(receipt);
    }
    li.append(bubble, meta);
    list.appendChild(li);
    li.scrollIntoView({ block: "end" });
  }

  function markRead(seq) {
    if (seq <= readUpto || document.visibilityState !== "visible") return;
    readUpto = seq;
    rt.command("mailbox.read", stream, { upto: seq }).catch(() => {});
  }

  rt.subscribe(stream, (frame) => {
    if (frame.type === "typing") {
      if (frame.member === me) return;
      typing.textContent = frame.active ? i18n.typing : "";
      return;
    }
    if (frame.type !== "event") return;
    const event = frame.event;
    if (event.type === "mailbox.message.sent") {
      add(frame.seq, event);
      if (event.sender !== me) { typing.textContent = ""; markRead(frame.seq); }
    } else if (event.type === "mailbox.conversation.read" && event.member !== me) {
      otherRead = Math.max(otherRead, event.upto);
      showReceipts();
    }
  }, list.dataset.seq ? Number(list.dataset.seq) : null);

  document.addEventListener("visibilitychange", () => {
    const last = list.querySelector("li.message.theirs:last-of-type");
    if (last) markRead(Number(last.dataset.seq));
  });

  const form = document.getElementById("send");
  const text = document.getElementById("send-text");
  const error = document.getElementById("send-error");
  text.addEventListener("input", () => {
    if (typingTimer === null) rt.typing(stream, true);
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => { rt.typing(stream, false); typingTimer = null; }, 3000);
  });
  const cidInput = document.getElementById("send-cid");
  showOutbox(rt, document.getElementById("send-outbox"), stream, {
    onCancel: (entry) => { if (!text.value) text.value = entry.label; }, // nothing is lost
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const body = text.value.trim();
    if (!body) { // only spaces: the textarea's "required" lets them through
      error.textContent = i18n.empty;
      error.hidden = false;
      return;
    }
    error.hidden = true;
    const cid = cidInput.value || newCid();
    cidInput.value = newCid(); // the next message is another
    text.value = "";
    clearDraft(text); // it waits in the outbox now
    rt.send(stream, { text: body }, { cid, label: body }).catch((err) => {
      if (err.code === "cancelled") return;
      if (!text.value) text.value = body;
      error.textContent = err.message || err.code;
      error.hidden = false;
    });
  });
})();
