"""web/static/js/realtime.js in headless Chromium against a real Daphne process that dies and
comes back: the member sees the connection state, the page resumes with ``since`` and gets what
it missed once and in order, a send made while offline is stored once, and events the server
delivers again are dropped by seq."""

from __future__ import annotations

import json
from typing import Any

import pytest
from websockets.sync.client import connect as ws_connect

from realtime import services
from tests.browser.conftest import browser, new_page  # noqa: F401  (fixtures)
from tests.live import LiveServer, start_daphne
from tests.realtime.kinds import Message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEST_APP = "tests.realtime.asgi:application"

OPEN_PAGE_CLIENT = """async ([stream]) => {
  const { Connection } = await import("/static/js/realtime.js");
  window.seen = [];
  window.states = [];
  window.subscribes = [];
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (text) {
    const frame = JSON.parse(text);
    if (frame.type === "subscribe" && frame.stream === stream) subscribes.push(frame);
    return send.call(this, text);
  };
  const el = document.createElement("span");
  el.id = "rt-test-state";
  el.hidden = true;
  el.setAttribute("data-label-open", "在线");
  el.setAttribute("data-label-reconnecting", "正在重连…");
  document.body.append(el);
  window.rt = new Connection({ indicator: el, backoffInitial: 200, backoffMax: 1000 });
  rt.onFrame((f) => { if (f.type === "state") states.push(f.state); });
  rt.subscribe(stream, (f) => { if (f.type === "event") seen.push(f.seq); }, 0);
}"""


def send_over_socket(server: LiveServer, session: str, stream: str, text: str) -> int:
    """One send by another member through the real server; the acked seq."""
    with ws_connect(
        server.ws_url, origin=f"http://127.0.0.1:{server.port}", additional_headers={"Cookie": f"sessionid={session}"}
    ) as ws:
        ws.send(json.dumps({"type": "send", "stream": stream, "cid": text, "body": {"text": text}}))
        while True:
            frame = json.loads(ws.recv(timeout=30))
            if frame["type"] in ("ack", "error"):
                assert frame["type"] == "ack", frame
                return int(frame["seq"])


def test_page_shows_the_state_resumes_after_a_server_restart_and_drops_duplicates(
    browser: Any,  # noqa: F811
    new_page: Any,  # noqa: F811
    cookies: dict[str, str],
    room: str,
) -> None:
    stream = f"test.room:{room}"
    server = start_daphne({}, app=TEST_APP)
    try:
        page = new_page(locale="zh-CN")
        page.context.add_cookies([{"name": "sessionid", "value": cookies["alice"], "url": server.url}])
        page.goto(server.url + "/")
        page.evaluate(OPEN_PAGE_CLIENT, [stream])
        state = page.locator("#rt-test-state")
        page.wait_for_selector("#rt-test-state[data-state=open]")
        assert state.is_visible() and state.inner_text() == "在线"

        for n in range(3):
            assert send_over_socket(server, cookies["carol"], stream, f"live{n}") == n + 1
        page.wait_for_function("() => seen.length === 3")

        # The server dies. The page says so and keeps trying; meanwhile three events are stored
        # and the member sends one of their own.
        port = server.port
        server.kill()
        page.wait_for_selector("#rt-test-state[data-state=reconnecting]")
        assert state.inner_text() == "正在重连…"
        for n in range(3):
            services.event_append(stream=stream, payload=Message(text=f"offline{n}"))
        page.evaluate(
            "([s]) => { window.acked = null; rt.send(s, { text: 'sent offline' }).then((q) => { acked = q; }); }",
            [stream],
        )
        # Several reconnect attempts fail while nobody listens.
        page.wait_for_function("() => states.filter((s) => s === 'reconnecting').length >= 2")

        server = start_daphne({}, app=TEST_APP, port=port)
        page.wait_for_function("() => acked === 7 && seen.length === 7")
        assert page.evaluate("seen") == [1, 2, 3, 4, 5, 6, 7]
        # It resumed where it stopped rather than asking for the whole stream again.
        assert page.evaluate("subscribes") == [
            {"type": "subscribe", "stream": stream, "since": 0},
            {"type": "subscribe", "stream": stream, "since": 3},
        ]
        assert page.get_attribute("#rt-test-state", "data-state") == "open"

        # The server replays the whole stream (a re-subscribe from 0): the page drops what it had.
        page.evaluate("([s]) => rt.rawSend({ type: 'subscribe', stream: s, since: 0 })", [stream])
        assert send_over_socket(server, cookies["carol"], stream, "after") == 8
        page.wait_for_function("() => seen[seen.length - 1] === 8")
        assert page.evaluate("seen") == [1, 2, 3, 4, 5, 6, 7, 8]
    finally:
        server.stop()


def test_a_stream_taken_away_is_left_and_not_resumed(
    browser: Any,  # noqa: F811
    new_page: Any,  # noqa: F811
    cookies: dict[str, str],
    people: dict[str, Any],
    org_tree: Any,
) -> None:
    """Moved to another branch while the page is open: the page stops receiving the old branch's
    stream and does not ask for it again after a reconnect (realtime/revocation.py)."""
    stream = f"test.org:{org_tree.branch_a.pk}"
    # One process without Redis: the change made here is found by the server's periodic look.
    quick = json.dumps({"RECHECK_SECONDS": 0.5, "TAIL_CHECK_SECONDS": 0.2})
    server = start_daphne({"REALTIME_TEST_SETTINGS": quick}, app=TEST_APP)
    try:
        page = new_page()
        page.context.add_cookies([{"name": "sessionid", "value": cookies["alice"], "url": server.url}])
        page.goto(server.url + "/")
        page.evaluate(OPEN_PAGE_CLIENT, [stream])
        page.wait_for_function("() => subscribes.length === 1 && rt.state === 'open'")
        services.event_append(stream=stream, payload=Message(text="for branch A"))
        page.wait_for_function("() => seen.length === 1")

        alice = people["alice"]
        alice.organisation = org_tree.branch_b
        alice.save()
        page.wait_for_function(f"() => !rt.streams.has({json.dumps(stream)})")
        services.event_append(stream=stream, payload=Message(text="not for her now"))
        page.evaluate("() => rt.socket.close()")  # a reconnect: nothing to resume for that stream
        page.wait_for_function("() => states.filter((s) => s === 'open').length >= 2")
        page.wait_for_timeout(500)
        assert page.evaluate("seen") == [1]
        assert page.evaluate("subscribes.length") == 1
    finally:
        server.stop()
