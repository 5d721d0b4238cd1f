/*
 * The replay page: the slide timeline follows the video's position, and position heartbeats
 * (POST …/replay/heartbeat) let the server credit study time for real playback only: every
 * 15 s while playing, and at once on play, pause, seek and end. The server credits the time
 * between two heartbeats only when the earlier one said "playing" and the position moved on
 * consistently with the clock, so opening the page or seeking credits nothing.
 */
import { csrfToken } from "../js/dom.js";

(function () {
  const config = JSON.parse(document.getElementById("replay-config").textContent);
  const T = JSON.parse(document.getElementById("replay-text").textContent);
  const video = document.getElementById("replay-video");
  const image = document.getElementById("replay-slide");
  const caption = document.getElementById("replay-slide-caption");
  const HEARTBEAT_MS = 15000;
  let timer = null;

  // --- slides in step with the position ---------------------------------------------------------

  const timeline = (config.timeline || []).slice().sort((a, b) => a.t - b.t);

  function slideAt(seconds) {
    let current = null;
    for (const turn of timeline) {
      if (turn.t <= seconds) current = turn;
      else break;
    }
    return current;
  }

  function showSlide() {
    const turn = slideAt(video.currentTime || 0);
    if (!turn) {
      image.hidden = true;
      caption.textContent = T.noSlide;
      return;
    }
    const url = config.slide_url.replace("{deck}", String(turn.deck)).replace("{page}", String(turn.page));
    if (image.getAttribute("src") !== url) image.setAttribute("src", url);
    image.hidden = false;
    image.dataset.page = String(turn.page);
    caption.textContent = T.page.replace("{page}", String(turn.page));
  }

  video.addEventListener("timeupdate", showSlide);
  video.addEventListener("seeked", showSlide);
  video.addEventListener("loadedmetadata", showSlide);
  showSlide();

  // --- heartbeats ---------------------------------------------------------------------------

  let chain = Promise.resolve(); // heartbeats reach the server in the order they were taken
  let lastPosition = 0; // the position before a seek began

  function send(position, playing) {
    const body = JSON.stringify({ recording: config.recording, position, playing });
    chain = chain.then(() => fetch(config.heartbeat_url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body,
      keepalive: true,
    })).catch(() => {}); // a lost heartbeat only loses that interval's credit
    return chain;
  }

  function heartbeat() {
    return send(video.currentTime || 0, !video.paused && !video.ended && !video.seeking);
  }

  video.addEventListener("timeupdate", () => {
    if (!video.seeking) lastPosition = video.currentTime;
  });
  // A seek: first the time played up to it, then the new position, not playing until "seeked".
  video.addEventListener("seeking", () => {
    if (!video.paused) send(lastPosition, true);
    send(video.currentTime || 0, false);
    clearInterval(timer);
  });

  function schedule() {
    clearInterval(timer);
    timer = null;
    if (!video.paused && !video.ended) timer = setInterval(heartbeat, HEARTBEAT_MS);
  }

  for (const name of ["playing", "pause", "seeked", "ended"]) {
    video.addEventListener(name, () => {
      heartbeat();
      schedule();
    });
  }
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") heartbeat();
  });
})();
