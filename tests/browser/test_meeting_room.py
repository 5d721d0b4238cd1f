# ruff: noqa: F811 - the test arguments name the fixture imported from tests/meetings/conftest.py
"""The room's WebRTC client in Chromium (fake camera): perfect negotiation when both sides offer
at once, ICE restart after a network change, and the weak-link suggestion of audio only.

Simultaneous offers are made certain rather than hoped for: each page's socket is routed through
Playwright (``route_web_socket``), which holds the ``signal`` frames the server sends the page
until both pages have sent their own offer. Only then are the held frames delivered, so each
side receives the other's offer while its own is outstanding — the glare the pattern must
resolve without deadlock.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.test_meeting_video import ADVANCED, CURRENT_TIME, PLAYING, open_room
from tests.live import start_daphne
from tests.meetings.conftest import Branch, branch_meeting  # noqa: F401 - a fixture

WAIT = 30_000  # ms, an upper bound for each step, never a speed claim

SIGNALING_STATE = """(member) => {
  const pc = window.EpaRoom && window.EpaRoom.peerConnection(member);
  return pc ? pc.signalingState : null;
}"""
VIDEO_DIRECTIONS = """(member) => {
  const pc = window.EpaRoom && window.EpaRoom.peerConnection(member);
  if (!pc) return null;
  const video = pc.getTransceivers().filter((t) => t.receiver.track.kind === "video" && t.direction !== "stopped");
  return video.map((t) => t.currentDirection);
}"""
ICE_UFRAGS = """(member) => {
  const pc = window.EpaRoom.peerConnection(member);
  const ufrag = (d) => (d && /a=ice-ufrag:(\\S+)/.exec(d.sdp) || [])[1] || null;
  return { local: ufrag(pc.currentLocalDescription), remote: ufrag(pc.currentRemoteDescription),
           ice: pc.iceConnectionState, signaling: pc.signalingState };
}"""


class SignalGate:
    """One page's socket, proxied: signals from the server wait while the gate is shut; the
    page's own offers are counted on their way out."""

    def __init__(self) -> None:
        self.shut = True
        self.held: list[tuple[Any, str | bytes]] = []
        self.offers = 0

    def attach(self, page: Any) -> None:
        page.route_web_socket(re.compile(r"/ws/(\?batch=1)?$"), self._route)

    def _route(self, ws: Any) -> None:
        server = ws.connect_to_server()

        def to_page(message: str | bytes) -> None:
            for one in _unbatched(message):  # a batch's frames pass (or wait) one by one
                if _frame(one).get("type") == "signal" and (self.shut or self.held):
                    self.held.append((ws, one))
                else:
                    ws.send(one)

        def to_server(message: str | bytes) -> None:
            frame = _frame(message)
            if frame.get("type") == "meeting.signal" and (frame.get("description") or {}).get("type") == "offer":
                self.offers += 1
            server.send(message)

        server.on_message(to_page)
        ws.on_message(to_server)

    def open(self) -> None:
        self.shut = False
        while self.held:  # in order; frames arriving meanwhile queue behind the held ones
            ws, message = self.held.pop(0)
            ws.send(message)


def _unbatched(message: str | bytes) -> list[str | bytes]:
    """The page's socket asks for batches (``?batch=1``): the frames of one, each as a message."""
    frame = _frame(message)
    if frame.get("type") == "batch":
        return [json.dumps(one) for one in frame["frames"]]
    return [message]


def _frame(message: str | bytes) -> dict[str, Any]:
    try:
        frame = json.loads(message)
    except ValueError:
        return {}
    return frame if isinstance(frame, dict) else {}


def wait_until(page: Any, condition: Any, what: str, timeout: float = WAIT / 1000) -> None:
    """Let Playwright run (and the routes forward frames) until ``condition()`` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        page.wait_for_timeout(50)


def gated_room(new_page: Any, url: str, member: Any, meeting_id: int, errors: list[str]) -> tuple[Any, SignalGate]:
    gate = SignalGate()
    page = new_page()
    gate.attach(page)
    page = open_room(lambda: page, url, member, meeting_id, errors)
    return page, gate


def sees_video(page: Any, other: Any) -> None:
    started = page.wait_for_function(PLAYING, arg=other.pk, timeout=WAIT).json_value()
    page.wait_for_function(ADVANCED, arg=[other.pk, started], timeout=WAIT)


def test_simultaneous_offers_do_not_deadlock(live_server_url, new_page, branch_meeting: Branch) -> None:
    meeting_id = branch_meeting.meeting.pk
    a, b = branch_meeting.full[0], branch_meeting.full[1]  # a has the lower id: a is the polite side
    errors: list[str] = []
    page_a, gate_a = gated_room(new_page, live_server_url, a, meeting_id, errors)
    page_a.wait_for_selector("#room:not([hidden])", timeout=WAIT)
    page_b, gate_b = gated_room(new_page, live_server_url, b, meeting_id, errors)
    pages = ((page_a, gate_a, b), (page_b, gate_b, a))

    def glare(step: str) -> None:
        """Both pages have offered and neither has heard the other: both wait with an offer."""
        wait_until(page_a, lambda: gate_a.offers >= 1 and gate_b.offers >= 1, f"both offers ({step})")
        for page, _gate, other in pages:
            page.wait_for_function(f"() => ({SIGNALING_STATE})({other.pk}) === 'have-local-offer'", timeout=WAIT)

    # 1. Joining: each side sets up its connection to the other and offers at once.
    glare("joining")
    for _page, gate, _other in pages:
        gate.open()
    for page, _gate, other in pages:
        sees_video(page, other)
        page.wait_for_function(f"() => ({SIGNALING_STATE})({other.pk}) === 'stable'", timeout=WAIT)

    # 2. During the call: both switch to audio only at the same moment, renegotiating at once.
    for _page, gate, _other in pages:
        gate.shut, gate.offers = True, 0
    for page, _gate, _other in pages:
        page.click("#toggle-audio-only")
    glare("audio only")
    for _page, gate, _other in pages:
        gate.open()
    for page, _gate, other in pages:
        page.wait_for_function(
            f"() => JSON.stringify(({VIDEO_DIRECTIONS})({other.pk})) === '[\"inactive\"]'", timeout=WAIT
        )
        page.wait_for_function(f"() => ({SIGNALING_STATE})({other.pk}) === 'stable'", timeout=WAIT)

    # 3. And back to video together: pictures flow again both ways. (The polite side rolled
    #    its offer back in step 2; Chromium then sends no negotiationneeded for its next change,
    #    which the page must notice and offer anyway.)
    for _page, gate, _other in pages:
        gate.shut, gate.offers = True, 0
    for page, _gate, _other in pages:
        page.click("#toggle-audio-only")
    glare("video again")
    for _page, gate, _other in pages:
        gate.open()
    for page, _gate, other in pages:
        page.wait_for_function(
            f"() => JSON.stringify(({VIDEO_DIRECTIONS})({other.pk})) === '[\"sendrecv\"]'", timeout=WAIT
        )
        page.wait_for_function(ADVANCED, arg=[other.pk, page.evaluate(CURRENT_TIME, other.pk)], timeout=WAIT)
    assert errors == []


def test_a_network_change_restarts_ice_and_the_call_goes_on(live_server_url, new_page, branch_meeting: Branch) -> None:
    meeting_id = branch_meeting.meeting.pk
    a, b = branch_meeting.full[0], branch_meeting.full[1]
    errors: list[str] = []
    page_a = open_room(new_page, live_server_url, a, meeting_id, errors)
    page_b = open_room(new_page, live_server_url, b, meeting_id, errors)
    for page, other in ((page_a, b), (page_b, a)):
        sees_video(page, other)
    before = {page: page.evaluate(ICE_UFRAGS, other.pk) for page, other in ((page_a, b), (page_b, a))}

    # The phone moved from Wi-Fi to mobile data: the browser fires "online" on the new network.
    page_a.evaluate("window.dispatchEvent(new Event('online'))")
    for page, other in ((page_a, b), (page_b, a)):
        page.wait_for_function(
            """([member, old]) => {
              const pc = window.EpaRoom.peerConnection(member);
              const ufrag = (d) => (d && /a=ice-ufrag:(\\S+)/.exec(d.sdp) || [])[1] || null;
              return ufrag(pc.currentLocalDescription) !== old.local
                && ufrag(pc.currentRemoteDescription) !== old.remote
                && pc.signalingState === "stable"
                && ["connected", "completed"].includes(pc.iceConnectionState);
            }""",
            arg=[other.pk, before[page]],
            timeout=WAIT,
        )
        page.wait_for_function(ADVANCED, arg=[other.pk, page.evaluate(CURRENT_TIME, other.pk)], timeout=WAIT)
    assert errors == []


@pytest.fixture
def weak_link_server_url(transactional_db: None) -> Iterator[str]:
    """A server whose rooms count any link under 10 Gbit/s as weak: every real link is."""
    server = start_daphne({"MEETING_WEAK_LINK_MIN_KBPS": "10000000"})
    try:
        yield server.url
    finally:
        server.stop()


def test_a_weak_link_suggests_audio_only_and_the_others_see_the_choice(
    weak_link_server_url, new_page, branch_meeting: Branch
) -> None:
    meeting_id = branch_meeting.meeting.pk
    weak, other = branch_meeting.full[0], branch_meeting.full[1]
    errors: list[str] = []
    weak_page = open_room(new_page, weak_link_server_url, weak, meeting_id, errors)
    other_page = open_room(new_page, weak_link_server_url, other, meeting_id, errors)
    sees_video(weak_page, other)

    # The page's own reading of its connection (getStats: the bandwidth estimate) brings the hint.
    weak_page.wait_for_selector("#quality-hint:not([hidden])", timeout=WAIT)
    assert "bitrate" in weak_page.get_attribute("#quality-hint", "data-reasons").split()
    # The indicator grades the link all along (under half the threshold: poor).
    assert weak_page.get_attribute("#link-quality", "data-level") == "bad"
    assert weak_page.is_visible("#link-quality")
    weak_page.click("#accept-audio-only")
    assert weak_page.get_attribute("#toggle-audio-only", "aria-pressed") == "true"

    # The server keeps the choice; the other page marks the member and loses their picture.
    other_page.wait_for_selector(f'#participants li[data-member="{weak.pk}"][data-audio-only="true"]', timeout=WAIT)
    other_page.wait_for_selector(f'.tile.remote.audio-only[data-member="{weak.pk}"]', timeout=WAIT)
    other_page.wait_for_function(
        f"() => JSON.stringify(({VIDEO_DIRECTIONS})({weak.pk})) === '[\"inactive\"]'", timeout=WAIT
    )
    assert weak_page.is_hidden("#quality-hint")
    assert errors == []


ASSESS = "([sample, limits]) => window.EpaRoom.assessLink(sample, limits)"


def test_what_counts_as_a_weak_link(live_server_url, new_page, branch_meeting: Branch) -> None:
    page = open_room(new_page, live_server_url, branch_meeting.full[0], branch_meeting.meeting.pk, [])
    page.wait_for_function("() => window.EpaRoom && typeof window.EpaRoom.assessLink === 'function'")
    limits = {"rtt_ms": 600, "loss": 0.08, "min_kbps": 150}
    good = {"rtt": 0.05, "lossRate": 0.01, "outgoingBitrate": 1_500_000}
    cases = [
        (good, []),
        ({**good, "rtt": 0.8}, ["rtt"]),
        ({**good, "lossRate": 0.2}, ["loss"]),
        ({**good, "outgoingBitrate": 90_000}, ["bitrate"]),
        ({"rtt": None, "lossRate": None, "outgoingBitrate": None}, []),  # nothing measured yet
        ({"rtt": 1.2, "lossRate": 0.3, "outgoingBitrate": 50_000}, ["rtt", "loss", "bitrate"]),
    ]
    for sample, reasons in cases:
        assert page.evaluate(ASSESS, [sample, limits]) == reasons, sample
    grades = [
        (good, "good"),
        ({**good, "rtt": 0.8}, "weak"),
        ({**good, "rtt": 1.3}, "bad"),
        ({**good, "lossRate": 0.2}, "weak"),
        ({**good, "lossRate": 0.3}, "bad"),
        ({**good, "outgoingBitrate": 90_000}, "weak"),
        ({**good, "outgoingBitrate": 60_000}, "bad"),
        ({"rtt": None, "lossRate": None, "outgoingBitrate": None}, None),
    ]
    for sample, grade in grades:
        assert page.evaluate("([s, l]) => window.EpaRoom.gradeLink(s, l)", [sample, limits]) == grade, sample
