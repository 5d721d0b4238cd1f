// The live review queue: subscribe to this moderator's moderation.queue streams on the gateway
// and re-render the list (server-side HTML) whenever an item is added, claimed or decided.
(function () {
  "use strict";
  var list = document.getElementById("queue-items");
  var state = document.getElementById("queue-live");
  var streams = JSON.parse(document.getElementById("queue-streams").textContent);
  if (!list || !streams.length || !window.WebSocket) return;
  var since = {};
  var pending = null;
  var delay = 1000;

  function refresh() {
    if (pending) return;
    pending = setTimeout(function () {
      pending = null;
      fetch(list.dataset.fragmentUrl, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) { list.innerHTML = html; })
        .catch(function () {});
    }, 150);
  }

  function connect() {
    var ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/");
    ws.onopen = function () {
      delay = 1000;
      state.dataset.state = "open";
      state.textContent = state.dataset.live;
      streams.forEach(function (stream) {
        var frame = { type: "subscribe", stream: stream };
        if (since[stream] !== undefined) frame.since = since[stream];
        ws.send(JSON.stringify(frame));
      });
    };
    ws.onmessage = function (message) {
      var frame = JSON.parse(message.data);
      if (frame.type === "subscribed" && since[frame.stream] === undefined) since[frame.stream] = frame.seq;
      if (frame.type === "event") {
        since[frame.stream] = frame.seq;
        refresh();
      }
    };
    ws.onclose = function () {
      state.dataset.state = "closed";
      state.textContent = state.dataset.offline;
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
      refresh();  // anything missed while offline
    };
  }
  connect();
})();
