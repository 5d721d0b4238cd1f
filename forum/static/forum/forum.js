/*
 * Live forum pages on top of the gateway's browser client (web/static/js/realtime.js).
 *
 * Thread page: subscribes to forum.thread:<id> from the seq the page was rendered at, so a
 * reconnect (or a tab coming back) resumes with exactly what it missed; posts are keyed by id,
 * so an event for a post already on the page changes it instead of adding it twice. Replies go
 * over the socket as the forum.thread.post command with a client id (a retry is stored once);
 * with files attached the form is submitted normally. Board page: forum.board:<id>. Every page:
 * the notification badge follows user:me.
 */
import { el } from "../js/dom.js";
import { Connection } from "../js/realtime.js";

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
      if (event.type === "forum.notification" || event.type === "forum.notifications.read") {
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
    meta.textContent = t.author.name + " · " + t.post_count + " · " + new Date(t.last_post_at).toLocaleString();
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
  const kindsEl = document.getElementById("reaction-kinds");
  const kinds = kindsEl ? JSON.parse(kindsEl.textContent) : [];
  const typingEl = document.getElementById("typing");

  function reactionBar(post) {
    const bar = el("footer", { class: "post-actions" });
    for (const [kind, emoji, label] of kinds) {
      const mine = (post.my_reactions || []).includes(kind);
      const button = el("button", { type: "button", class: "reaction" + (mine ? " mine" : ""), "data-kind": kind, title: label });
      button.appendChild(document.createTextNode(emoji + " "));
      button.appendChild(el("span", { class: "count", text: post.reactions && post.reactions[kind] ? String(post.reactions[kind]) : "" }));
      bar.appendChild(button);
    }
    return bar;
  }

  function render(post) {
    const article = el("article", { class: "card post" + (post.status !== "published" || post.hidden ? " pending" : ""), id: "p" + post.id, "data-post": String(post.id), "data-author": String(post.author.id) });
    const head = el("header", { class: "post-head" },
      el("strong", { class: "author", text: post.author.name }),
      el("span", { class: "muted", text: " " + new Date(post.created).toLocaleString() }),
    );
    if (post.edited) head.appendChild(el("a", { class: "muted edited", href: "/forum/p/" + post.id + "/history/", text: " " + (i18n.edited || "edited") }));
    article.appendChild(head);
    if (post.deleted) {
      article.appendChild(el("p", { class: "muted", text: i18n.deleted || "deleted" }));
      return article;
    }
    if (post.status === "held") article.appendChild(el("p", { class: "notice warn", text: (i18n.held || "") + " " + (post.status_reason || "") }));
    else if (post.status === "rejected") article.appendChild(el("p", { class: "notice error", text: (i18n.rejected || "") + " " + (post.status_reason || "") }));
    else if (post.hidden) article.appendChild(el("p", { class: "notice warn", text: i18n.hidden || "" }));
    if (post.censored) article.appendChild(el("p", { class: "notice muted", text: i18n.censored || "" }));
    if (post.quote) {
      const quote = el("blockquote", { class: "quote" }, el("strong", { text: post.quote.author.name + ": " }));
      quote.appendChild(document.createTextNode(post.quote.excerpt));
      article.appendChild(quote);
    }
    const body = el("div", { class: "post-body" });
    body.innerHTML = post.html; // sanitised and moderated on the server (moderation.sanitize)
    article.appendChild(body);
    if (post.attachments && post.attachments.length) {
      const list = el("ul", { class: "plain attachments" });
      for (const a of post.attachments) {
        const link = el("a", { href: a.url });
        if (a.is_image) link.appendChild(el("img", { src: a.url, alt: a.filename, loading: "lazy" }));
        else link.textContent = "📄 " + a.filename;
        list.appendChild(el("li", {}, link));
      }
      article.appendChild(list);
    }
    article.appendChild(reactionBar(post));
    return article;
  }

  function upsert(post) {
    const existing = document.getElementById("p" + post.id);
    const node = render(post);
    if (existing) {
      existing.replaceWith(node);
      return;
    }
    if (!live) {
      const note = document.getElementById("posts-more");
      if (note) note.hidden = false;
      return;
    }
    const empty = document.getElementById("no-posts");
    if (empty) empty.remove();
    container.appendChild(node);
  }

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
      case "forum.post.hidden": {
        const node = document.getElementById("p" + event.post_id);
        if (node && Number(node.dataset.author) !== me) node.remove();
        break;
      }
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
    if (!button || !button.classList.contains("reaction") || rt.state !== "open") return;
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
  let lastTyping = 0;
  text.addEventListener("input", () => {
    const now = Date.now();
    if (now - lastTyping > 3000) { lastTyping = now; rt.typing(stream, true); }
  });
  form.addEventListener("submit", (e) => {
    const files = form.querySelector("input[type=file]");
    if ((files && files.files.length) || rt.state !== "open") return; // the plain form handles it
    // A frame the server refuses as too large gets no reply to wait for: the plain form says why.
    if (new TextEncoder().encode(JSON.stringify(text.value)).length > FRAME_TEXT_BYTES) return;
    e.preventDefault();
    const submit = document.getElementById("reply-submit");
    submit.disabled = true;
    error.hidden = true;
    const quote = document.getElementById("reply-quote").value;
    const args = { text: text.value, cid: form.dataset.cid || (form.dataset.cid = String(Date.now()) + Math.random().toString(36).slice(2)) };
    if (quote) args.quote = Number(quote);
    rt.command("forum.thread.post", stream, args).then((data) => {
      delete form.dataset.cid;
      text.value = "";
      document.getElementById("reply-quote").value = "";
      document.getElementById("reply-quote-note").hidden = true;
      upsert(data.post); // a held post is shown to its author only, with its notice
      rt.typing(stream, false);
    }, (err) => {
      if (err.code !== "disconnected") delete form.dataset.cid;
      const frame = err.frame || {};
      const reasons = (frame.details && frame.details.reasons) || [];
      error.textContent = [err.message].concat(reasons.map((r) => r.message).filter((m) => m !== err.message)).join(" ");
      error.hidden = false;
    }).finally(() => { submit.disabled = false; });
  });
})();
