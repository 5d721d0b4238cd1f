/*
 * The lesson's part of the room page (docs/protocol.md "Lessons"): the current slide, turning
 * pages for the lecturer and hosts, uploading a PDF with its progress, questions with upvotes,
 * and the viewer count. It shares the room's connection (room.js exports it as
 * EpaRoom.connection) and starts when room.js has entered the room.
 *
 * A slide turn is the durable event {"type": "lessons.slide.turned", "deck": d, "page": p}; the image
 * comes from the access-checked URL built from config.slide_url. A page that (re)joins asks for
 * meeting.lesson.state, and a reconnecting connection resumes the stream with `since`, so the
 * slide shown is always the lecturer's.
 */
import { csrfToken, el } from "../js/dom.js";
import { afterModeration, flagButton, moderationNote } from "../js/flag.js";
import { outboxForm } from "../js/outbox.js";
import { EpaRoom } from "../meetings/room.js";

(function () {
  const config = JSON.parse(document.getElementById("lesson-config").textContent);
  const T = JSON.parse(document.getElementById("lesson-text").textContent);
  const $ = (id) => document.getElementById(id);

  const rt = EpaRoom.connection; // the room's (room.js), shared
  let started = false;
  let state = null; // the last meeting.lesson.state answer, kept current by events
  const decks = new Map(); // deck id → {id, filename, status, pages, rendered, error}
  const questions = new Map(); // question id → question
  const present = new Set(); // members on the stream (presence), until the relay counts viewers
  let relayViewers = null; // the media relay's count, once it has sent one

  function command(name, args) {
    return rt.command("meeting." + name, config.room, args || {});
  }

  function fail(error) {
    const status = $("question-status");
    status.textContent = T.error + " " + (error && error.message ? error.message : error);
  }

  // --- starting, and coming back after a reconnect --------------------------------------------

  let leaveRoomStream = null;
  let listening = false;

  function start() {
    if (started) return;
    started = true;
    leaveRoomStream = rt.subscribe(config.room, onFrame);
    if (!listening) {
      listening = true;
      rt.subscribe("user:me", onPersonal);
      rt.onFrame((frame) => {
        if (started && frame.type === "state" && frame.state === "open") refresh();
      });
    }
    refresh();
  }

  /* The member left the room (room.js): this page's part of the room's stream goes with it, so
     the attendance ends; entering again starts over. */
  function stop() {
    started = false;
    if (leaveRoomStream) leaveRoomStream();
    leaveRoomStream = null;
  }

  async function refresh() {
    try {
      state = await command("lesson.state");
    } catch (error) {
      return; // the room script shows why (ended, removed)
    }
    decks.clear();
    for (const deck of state.decks) decks.set(deck.id, deck);
    questions.clear();
    for (const question of state.questions) questions.set(question.id, question);
    renderDecks();
    renderQuestions();
    if (state.slide) showSlide(state.slide.deck, state.slide.page);
    else showNothing();
  }

  // --- frames ----------------------------------------------------------------------------------

  function onFrame(frame) {
    if (frame.type === "presence") return onPresence(frame);
    if (frame.type === "signal") return onSignal(frame);
    if (frame.type !== "event") return;
    const event = frame.event;
    switch (event.type) {
      case "lessons.slide.turned":
        showSlide(event.deck, event.page);
        break;
      case "lessons.deck.ready":
        decks.set(event.deck.id, event.deck);
        renderDecks();
        break;
      case "lessons.question.shown": { // asked, or approved by a moderator (its author has it already)
        const known = questions.get(event.id);
        questions.set(event.id, { ...event, voted: known ? known.voted : false });
        renderQuestions();
        break;
      }
      case "lessons.question.voted": {
        const question = questions.get(event.id);
        if (question) question.votes = event.votes;
        renderQuestions();
        break;
      }
      case "lessons.question.answered": {
        const question = questions.get(event.id);
        if (question) question.answered = event.answered;
        renderQuestions();
        break;
      }
      case "lessons.question.hidden":
        moderateQuestion(event.id, "hidden");
        break;
      default:
        break;
    }
  }

  function onPersonal(frame) {
    if (frame.type !== "event") return;
    const event = frame.event;
    if (event.type === "lessons.question.rejected" && event.meeting === config.meeting) {
      $("question-status").textContent = T.rejected + " " + event.reason;
      moderateQuestion(event.id, "rejected", event.reason);
    }
  }

  /* Its author keeps a question moderation took away, told why; others no longer see it. */
  function moderateQuestion(id, status, reason) {
    const kept = afterModeration(questions.get(id), state ? state.me.member : null, status, reason);
    if (kept) questions.set(id, kept);
    else questions.delete(id);
    renderQuestions();
  }

  function onSignal(frame) {
    const data = frame.data || {};
    if (data.kind === "media.viewers" && Number.isInteger(data.count)) {
      relayViewers = data.count;
      renderViewers();
    } else if (data.kind === "slides.progress" && frame.sender === null) {
      onProgress(data);
    }
  }

  function onPresence(frame) {
    if (frame.members) {
      present.clear();
      frame.members.forEach((m) => present.add(m));
    }
    (frame.joined || []).forEach((m) => present.add(m));
    (frame.left || []).forEach((m) => present.delete(m));
    renderViewers();
  }

  function renderViewers() {
    const box = $("viewer-count");
    if (!box) return;
    // Until the relay counts the members receiving media: everyone present but the lecturer.
    const fromPresence = [...present].filter((m) => m !== config.lecturer).length;
    box.textContent = String(relayViewers !== null ? relayViewers : fromPresence);
  }

  // --- slides ----------------------------------------------------------------------------------

  function slideUrl(deck, page) {
    return config.slide_url.replace("{deck}", String(deck)).replace("{page}", String(page));
  }

  function showNothing() {
    $("slide-image").hidden = true;
    $("slide-caption").textContent = T.noSlides;
  }

  function showSlide(deckId, page) {
    const image = $("slide-image");
    const url = slideUrl(deckId, page);
    if (image.getAttribute("src") !== url) image.setAttribute("src", url);
    image.hidden = false;
    image.dataset.deck = String(deckId);
    image.dataset.page = String(page);
    const deck = decks.get(deckId);
    $("slide-caption").textContent = (deck && deck.pages ? T.pageOf : T.page)
      .replace("{page}", String(page)).replace("{pages}", deck ? String(deck.pages) : "");
    const goto = $("slide-goto");
    if (goto) {
      goto.elements.page.value = String(page);
      if (deck) goto.elements.page.max = String(deck.pages);
    }
    if (state) state.slide = { deck: deckId, page };
  }

  function turn(args) {
    command("slides.turn", args).then((data) => showSlide(data.deck, data.page), fail);
  }

  function renderDecks() {
    const list = $("decks");
    if (!list) return;
    list.replaceChildren();
    for (const deck of decks.values()) {
      const label = deck.status === "ready" ? T.ready : deck.status === "failed" ? T.failed + (deck.error ? ": " + deck.error : "") : T.rendering;
      const item = el("li", { "data-deck": deck.id },
        el("span", { class: "name" }, deck.filename + (deck.pages ? " · " + deck.pages : "")),
        el("span", { class: "state" }, label));
      if (deck.status === "ready") {
        item.append(el("button", { type: "button", "data-action": "show-deck", onclick: () => turn({ action: "goto", deck: deck.id, page: 1 }) }, T.show));
      }
      list.append(item);
    }
  }

  function onProgress(data) {
    const deck = decks.get(data.deck) || { id: data.deck, filename: "", status: data.status, pages: 0, rendered: 0, error: "" };
    Object.assign(deck, { status: data.status, pages: data.total, rendered: data.done, error: data.error || "" });
    decks.set(deck.id, deck);
    renderDecks();
    const bar = $("slides-progress");
    const status = $("slides-status");
    if (!bar) return;
    bar.hidden = data.status !== "rendering";
    bar.max = Math.max(1, data.total);
    bar.value = data.done;
    if (data.status === "rendering") status.textContent = T.rendering + " " + data.done + " / " + (data.total || "…");
    else if (data.status === "ready") status.textContent = T.ready;
    else status.textContent = T.failed + (data.error ? ": " + data.error : "");
  }

  /* Upload with XMLHttpRequest for its upload progress; rendering progress then arrives as
     slides.progress signals on the room's stream. */
  function upload(form) {
    const file = form.elements.file.files[0];
    if (!file) return;
    const bar = $("slides-progress");
    const status = $("slides-status");
    if (file.size > config.max_bytes) {
      status.textContent = T.failed;
      return;
    }
    const body = new FormData();
    body.append("file", file);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", config.upload_url);
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.upload.onprogress = (e) => {
      if (!e.lengthComputable) return;
      bar.hidden = false;
      bar.max = e.total;
      bar.value = e.loaded;
      status.textContent = T.uploading + " " + Math.round((100 * e.loaded) / e.total) + "%";
    };
    xhr.onload = () => {
      let data = {};
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = {}; }
      if (xhr.status === 201) {
        if (!decks.has(data.id) || decks.get(data.id).status === "rendering") onProgress({ deck: data.id, status: data.status, done: data.rendered, total: data.pages, error: data.error });
        decks.get(data.id).filename = data.filename;
        renderDecks();
        form.reset();
      } else {
        bar.hidden = true;
        status.textContent = T.error + " " + (data.message || xhr.status);
      }
    };
    xhr.onerror = () => {
      bar.hidden = true;
      status.textContent = T.error + " " + T.failed;
    };
    xhr.send(body);
  }

  // --- questions -------------------------------------------------------------------------------

  function ordered() {
    return [...questions.values()].sort((a, b) => b.votes - a.votes || (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id - b.id));
  }

  function renderQuestions() {
    const list = $("questions");
    list.replaceChildren();
    const all = ordered();
    $("question-count").textContent = String(all.length);
    if (!all.length) list.append(el("li", { class: "muted" }, T.noQuestions));
    const me = state ? state.me.member : null;
    const presenter = state ? state.me.presenter : false;
    for (const q of all) {
      const item = el("li", { "data-question": q.id, class: q.answered ? "answered" : null },
        el("span", { class: "text" }, q.text),
        el("span", { class: "who" }, q.name),
        el("span", { class: "votes", "data-votes": q.votes }, q.votes + " " + T.votes));
      if (q.answered) item.append(el("span", { class: "done" }, "✓ " + T.answered));
      if (q.author === me && moderationNote(q)) item.append(moderationNote(q));
      if (q.author !== me) {
        item.append(el("button", {
          type: "button", "data-action": "upvote", "aria-pressed": String(!!q.voted),
          onclick: () => command("question.vote", { question: q.id, up: !q.voted }).then((data) => {
            const known = questions.get(q.id);
            if (known) { known.voted = data.voted; known.votes = data.votes; }
            renderQuestions();
          }, fail),
        }, q.voted ? T.withdraw : "▲ " + T.upvote));
      }
      if (presenter) {
        item.append(el("button", {
          type: "button", "data-action": "answer",
          onclick: () => command("question.answer", { question: q.id, answered: !q.answered }).catch(fail),
        }, q.answered ? T.markOpen : T.markAnswered));
      }
      if (q.author !== me) item.append(flagButton("lessons.question:" + q.id, q.name + "：" + q.text));
      list.append(item);
    }
  }

  // Questions go through the outbox, like chat lines: kept while the link is away, sent once. A
  // held one shows on its author's list, saying so.
  outboxForm(rt, $("question-form"), config.room, {
    type: "meeting.question.ask", list: $("question-outbox"), status: $("question-status"), onHeld: refresh,
  });

  if (config.presenter) {
    if ($("lesson-end")) $("lesson-end").addEventListener("click", () => command("room.end").catch(fail));
    $("slide-next").addEventListener("click", () => turn({ action: "next" }));
    $("slide-previous").addEventListener("click", () => turn({ action: "previous" }));
    $("slide-goto").addEventListener("submit", (e) => {
      e.preventDefault();
      turn({ action: "goto", page: Number(e.target.elements.page.value) });
    });
    $("slides-upload").addEventListener("submit", (e) => {
      e.preventDefault();
      upload(e.target);
    });
    document.addEventListener("keydown", (e) => {
      if (!started || e.target.closest("input, textarea, select")) return;
      if (e.key === "ArrowRight" || e.key === "PageDown") turn({ action: "next" });
      else if (e.key === "ArrowLeft" || e.key === "PageUp") turn({ action: "previous" });
    });
  }

  if (EpaRoom.entered) start();
  document.addEventListener("epa:room-entered", start);
  document.addEventListener("epa:room-left", stop);
})();
