/*
 * Live forum pages on top of the gateway's browser client (web/static/js/realtime.js).
 *
 * Thread page: subscribes to forum.thread:<id> from the seq the page was rendered at, so a
 * reconnect (or a tab coming back) resumes with exactly what it missed; posts are keyed by id,
 * so an event for a post already on the page changes it instead of adding it twice. Replies go
 * through the realtime client's outbox as the forum.thread.post command with the form's client
 * id: written offline they wait on the page ("waiting to send", cancellable) and go when the
 * link returns, stored once. With files attached the form is submitted normally, online only.
 * Board page: forum.board:<id>. New thread page: forum.board.thread, through the outbox too.
 * Every page: the notification badge follows user:me.
 */
import { el } from "../js/dom.js";
import { when } from "../js/clock.js";
import { clearDraft } from "../js/drafts.js";
import "../js/flag.js"; // the flag controls of posts open the page's one flag dialog
import { newCid, showOutbox } from "../js/outbox.js";
import { Connection } from "../js/realtime.js";
import { attachMentions } from "./mentions.js";

(function () {
  // The gateway refuses frames over 64 KiB (REALTIME_MAX_FRAME_BYTES); this leaves room for the envelope.
  const FRAME_TEXT_BYTES = 63 * 1024;
  const rt = new Connection({ indicator: document.getElementById("conn-state") });
  window.epaForumConnection = rt;

  const badge = document.getElementById("notification-badge");
  if (badge) {
    rt.subscribe("user:me", (frame) => {
      if (frame.type !== "event") return;
      const event = frame.event;
      if (event.type === "forum.notification.created" || event.type === "forum.notifications.read") {
        badge.textContent = String(event.unread);
        badge.dataset.count = String(event.unread);
        badge.hidden = !event.unread;
      }
    });
  }

  const board = document.getElementById("threads");
  if (board && board.dataset.board) {
    const note = document.getElementById("board-live");
    const firstPage = !new URLSearchParams(window.location.search).has("before");
    rt.subscribe("forum.board:" + board.dataset.board, (frame) => {
      if (frame.type !== "event") return;
      const event = frame.event;
      if (event.type === "forum.thread.deleted" || event.type === "forum.thread.hidden") {
        const row = document.getElementById("t" + event.thread_id);
        if (row) row.remove();
        return;
      }
      if (!event.thread) return;
      const t = event.thread;
      const row = document.getElementById("t" + t.id);
      if (t.board_id !== Number(board.dataset.board)) { // moved away
        if (row) row.remove();
        return;
      }
      if (!firstPage) { if (note) note.hidden = false; return; }
      const fresh = threadRow(t);
      if (row) row.remove();
      const empty = board.querySelector(":scope > li.muted");
      if (empty) empty.remove();
      const pinned = board.querySelectorAll(".thread-row[data-pinned='1']");
      if (t.pinned || !pinned.length) board.prepend(fresh);
      else pinned[pinned.length - 1].after(fresh);
    }, board.dataset.seq ? Number(board.dataset.seq) : null);
  }

  const compose = document.getElementById("compose");
  if (compose) composePage(compose);

  /* A new thread: over the socket through the outbox; with files, the plain form (online). */
  function composePage(form) {
    const stream = "forum.board:" + form.dataset.board;
    const status = document.getElementById("compose-error");
    const title = form.elements.title;
    const body = form.elements.text;
    const goTo = (data) => { window.location.assign("/forum/t/" + data.thread + "/"); };
    showOutbox(rt, document.getElementById("compose-outbox"), stream, {
      onCancel: (entry) => {
        if (!title.value && !body.value) { title.value = entry.frame.title; body.value = entry.frame.text; }
      },
    });
    rt.onFrame((frame) => { if (frame.type === "delivered" && frame.entry.stream === stream) goTo(frame.data); });
    form.addEventListener("submit", (e) => {
      const files = form.elements.files;
      if (files && files.files.length) {
        if (navigator.onLine !== false) return; // uploads go with the form
        e.preventDefault();
        status.textContent = status.dataset.needsLink;
        status.hidden = false;
        return;
      }
      e.preventDefault();
      status.hidden = true;
      const args = { title: title.value, text: body.value };
      const cid = form.elements.cid.value || newCid();
      form.elements.cid.value = newCid();
      title.value = "";
      body.value = "";
      clearDraft(title); // it waits in the outbox now
      clearDraft(body);
      rt.deliver("forum.board.thread", stream, args, { cid, label: args.title }).then(goTo, (err) => {
        if (err.code === "cancelled") return;
        if (!title.value && !body.value) { title.value = args.title; body.value = args.text; }
        status.textContent = err.message;
        status.hidden = false;
      });
    });
  }

  function threadRow(t) {
    const li = document.createElement("li");
    li.className = "thread-row";
    li.id = "t" + t.id;
    li.dataset.pinned = t.pinned ? "1" : "0";
    const link = document.createElement("a");
    link.href = "/forum/t/" + t.id + "/";
    link.textContent = t.title;
    li.appendChild(link);
    const badge = document.createElement("span");
    badge.className = "badge new";
    badge.textContent = "•";
    li.append(" ", badge);
    const meta = document.createElement("div");
    meta.className = "muted";
    meta.textContent = t.author.name + " · " + t.post_count + " · " + when(t.last_post_at);
    li.appendChild(meta);
    return li;
  }

  const container = document.getElementById("posts");
  if (!container) return;
  const threadId = container.dataset.thread;
  const stream = "forum.thread:" + threadId;
  const me = container.dataset.me ? Number(container.dataset.me) : null;
  const live = container.dataset.live === "1";
  const i18n = (document.getElementById("i18n-forum") || { dataset: {} }).dataset;
  const typingEl = document.getElementById("typing");

  // One renderer: a post that arrives live is drawn by the server's own template (the
  // fragment at /forum/p/<id>/), with the same buttons and time format as the page around it.
  const pending = new Map();
  function upsert(post) {
    const id = post.id;
    const existing = document.getElementById("p" + id);
    if (!existing && !live) {
      const note = document.getElementById("posts-more");
      if (note) note.hidden = false;
      return Promise.resolve();
    }
    if (pending.has(id)) return pending.get(id);
    const job = fetch("/forum/p/" + Number(id) + "/", { credentials: "same-origin" })
      .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
      .then((html) => {
        const holder = document.createElement("template");
        holder.innerHTML = html.trim(); // the server's template, from the sanitised post
        const node = holder.content.firstElementChild;
        if (!node) return;
        const current = document.getElementById("p" + id);
        if (current) { current.replaceWith(node); return; }
        const empty = document.getElementById("no-posts");
        if (empty) empty.remove();
        const later = [...container.querySelectorAll(".post")].find((n) => Number(n.dataset.post) > id);
        if (later) later.before(node);
        else container.appendChild(node);
      })
      .catch((status) => { // gone or no longer visible: nothing to show
        const current = document.getElementById("p" + id);
        if (current && (status === 404 || status === 403)) current.remove();
      })
      .finally(() => pending.delete(id));
    pending.set(id, job);
    return job;
  }

  /* The posts that quote `id` show it as it is now (its excerpt, or that it was hidden). */
  function requote(id) {
    for (const quote of container.querySelectorAll('blockquote.quote[data-quote="' + Number(id) + '"]')) {
      upsert({ id: Number(quote.closest(".post").dataset.post) });
    }
  }

  /* Moderation changed a post on the page: its author reads why on it; others see a placeholder
     where a post quotes it, or nothing. */
  function remoderate(id) {
    if (document.getElementById("p" + id)) upsert({ id });
    requote(id);
  }

  // A moderator's decision on one's own post (a rejection, even of a post nobody else saw).
  rt.subscribe("user:me", (frame) => {
    const event = frame.type === "event" ? frame.event : {};
    const notification = event.type === "forum.notification.created" ? event.notification : null;
    if (notification && notification.kind === "moderation" && notification.payload.post_id) remoderate(notification.payload.post_id);
  });

  let readTimer = null;
  function markRead(postId) {
    if (readTimer) clearTimeout(readTimer);
    readTimer = setTimeout(() => { rt.command("forum.thread.read", stream, { post: postId }).catch(() => {}); }, 1000);
  }

  const typists = new Map();
  function showTyping() {
    if (!typingEl) return;
    typingEl.textContent = typists.size ? (i18n.typing || "…") : "";
  }

  const seq = container.dataset.seq ? Number(container.dataset.seq) : null;
  rt.subscribe(stream, (frame) => {
    if (frame.type === "typing") {
      if (frame.member === me) return;
      clearTimeout(typists.get(frame.member));
      if (frame.active) typists.set(frame.member, setTimeout(() => { typists.delete(frame.member); showTyping(); }, 5000));
      else typists.delete(frame.member);
      showTyping();
      return;
    }
    if (frame.type !== "event") return;
    const event = frame.event;
    switch (event.type) {
      case "forum.post.created":
      case "forum.post.edited":
        upsert(event.post);
        requote(event.post.id); // a post approved again shows in the posts that quote it
        if (event.type === "forum.post.created" && live && !document.hidden) markRead(event.post.id);
        break;
      case "forum.post.deleted": {
        const node = document.getElementById("p" + event.post_id);
        if (node) {
          node.classList.add("deleted");
          node.replaceChildren(el("p", { class: "muted", text: i18n.deleted || "deleted" }));
        }
        break;
      }
      case "forum.post.hidden":
        remoderate(event.post_id);
        break;
      case "forum.post.reactions": {
        const node = document.getElementById("p" + event.post_id);
        if (!node) break;
        for (const button of node.querySelectorAll(".reaction")) {
          const count = event.reactions[button.dataset.kind];
          button.querySelector(".count").textContent = count ? String(count) : "";
        }
        break;
      }
      case "forum.thread.updated": {
        const tag = document.getElementById("locked-tag");
        if (event.thread.locked && !tag) document.getElementById("thread-title").after(el("p", { class: "tag", id: "locked-tag", text: "🔒 " + (i18n.locked || "") }));
        else if (!event.thread.locked && tag) tag.remove();
        break;
      }
    }
  }, seq);

  // Reactions without reloading; the form still works without JavaScript.
  function react(button) {
    const on = !button.classList.contains("mine");
    const postId = Number(button.closest(".post").dataset.post);
    return rt.command("forum.thread.react", stream, { post: postId, kind: button.dataset.kind, on }).then(() => {
      button.classList.toggle("mine", on);
      if (button.name === "reaction") button.value = button.dataset.kind + (on ? ":0" : ":1");
    });
  }
  container.addEventListener("submit", (e) => {
    const button = e.submitter;
    if (!button || !button.classList.contains("reaction")) return;
    if (rt.state !== "open") {
      if (navigator.onLine === false) e.preventDefault(); // a plain post offline ends on an error page
      return;
    }
    e.preventDefault();
    react(button).catch(() => {
      const form = e.target;
      form.appendChild(el("input", { type: "hidden", name: "reaction", value: button.value }));
      form.submit(); // submit() skips this handler: the server does it instead
    });
  });
  container.addEventListener("click", (e) => {
    const button = e.target.closest("button.reaction");
    if (button && !button.closest("form")) react(button).catch(() => {});
    const quote = e.target.closest("button.quote-btn");
    if (quote) {
      document.getElementById("reply-quote").value = quote.dataset.post;
      const note = document.getElementById("reply-quote-note");
      note.textContent = (i18n.quote || "Quote") + ": " + quote.dataset.author;
      note.hidden = false;
      document.getElementById("reply-text").focus();
    }
  });

  const form = document.getElementById("reply");
  if (!form) return;
  const text = document.getElementById("reply-text");
  const error = document.getElementById("reply-error");
  attachMentions(text);
  let lastTyping = 0;
  text.addEventListener("input", () => {
    const now = Date.now();
    if (now - lastTyping > 3000) { lastTyping = now; rt.typing(stream, true); }
  });
  const quoteInput = document.getElementById("reply-quote");
  const quoteNote = document.getElementById("reply-quote-note");
  showOutbox(rt, document.getElementById("reply-outbox"), stream, {
    onCancel: (entry) => { if (!text.value) text.value = entry.label; }, // nothing is lost
  });
  rt.onFrame((frame) => {
    // Sent after a reload (the page that wrote it is gone): the author's own copy, held or not.
    if (frame.type === "delivered" && frame.entry.stream === stream && frame.data && frame.data.post) upsert(frame.data.post);
  });
  form.addEventListener("submit", (e) => {
    const files = form.querySelector("input[type=file]");
    // Files go with the form, and a text too large for a frame goes there to be told why: both
    // only with a link, since a plain post without one ends on the browser's error page.
    const viaForm = (files && files.files.length) || new TextEncoder().encode(JSON.stringify(text.value)).length > FRAME_TEXT_BYTES;
    if (viaForm) {
      if (navigator.onLine !== false) return;
      e.preventDefault();
      error.textContent = i18n.needsLink || "";
      error.hidden = false;
      return;
    }
    e.preventDefault();
    error.hidden = true;
    const written = text.value;
    const args = { text: written };
    if (quoteInput.value) args.quote = Number(quoteInput.value);
    const cidInput = form.querySelector("input[name=cid]");
    const cid = cidInput.value || newCid();
    cidInput.value = newCid(); // the next reply is another
    text.value = "";
    clearDraft(text); // it waits in the outbox now
    quoteInput.value = "";
    quoteNote.hidden = true;
    rt.typing(stream, false);
    rt.deliver("forum.thread.post", stream, args, { cid, label: written }).then((data) => {
      upsert(data.post); // a held post is shown to its author only, with its notice
    }, (err) => {
      if (err.code === "cancelled") return;
      if (!text.value) text.value = written;
      const frame = err.frame || {};
      const reasons = (frame.details && frame.details.reasons) || [];
      error.textContent = [err.message].concat(reasons.map((r) => r.message).filter((m) => m !== err.message)).join(" ");
      error.hidden = false;
    });
  });
})();
