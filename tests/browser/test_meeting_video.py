# ruff: noqa: F811 - the test argument names the fixture imported from tests/meetings/conftest.py
"""Two members join a live meeting in Chromium (fake camera) and each sees the other's video."""

from __future__ import annotations

from typing import Any

from django.test import Client

from members.models import Member
from tests.meetings.conftest import Branch, branch_meeting  # noqa: F401 - a fixture

PLAYING = """(member) => {
  const video = document.querySelector(`.tile.remote[data-member="${member}"] video`);
  return video !== null && video.videoWidth > 0 && video.currentTime > 0 ? video.currentTime : false;
}"""
CURRENT_TIME = """(member) => document.querySelector(`.tile.remote[data-member="${member}"] video`).currentTime"""
ADVANCED = """([member, since]) => {
  const video = document.querySelector(`.tile.remote[data-member="${member}"] video`);
  return video !== null && video.currentTime > since;
}"""


def open_room(new_page: Any, live_server_url: str, member: Member, meeting_id: int, errors: list[str]) -> Any:
    client = Client()
    client.force_login(member.user)
    page = new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server_url}]
    )
    page.goto(f"{live_server_url}/meetings/{meeting_id}/room/")
    return page


def test_two_members_see_each_others_video(live_server_url, new_page, branch_meeting: Branch) -> None:
    meeting_id = branch_meeting.meeting.pk
    a, b = branch_meeting.full[0], branch_meeting.full[1]
    errors: list[str] = []
    page_a = open_room(new_page, live_server_url, a, meeting_id, errors)
    page_b = open_room(new_page, live_server_url, b, meeting_id, errors)
    for page, other in ((page_a, b), (page_b, a)):
        page.wait_for_selector("#room:not([hidden])", timeout=20_000)
        started = page.wait_for_function(PLAYING, arg=other.pk, timeout=30_000).json_value()
        page.wait_for_function(ADVANCED, arg=[other.pk, started], timeout=20_000)
        page.wait_for_selector(f'#participants li[data-member="{other.pk}"]', timeout=10_000)
        # Usable on a 360-px phone: nothing wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert errors == []  # no uncaught exception in either page (negotiation included)


# The negotiated directions of a peer connection's audio and video transceivers (stopped ones
# are gone from the connection).
DIRECTIONS = """(member) => {
  const pc = window.EpaRoom && window.EpaRoom.peerConnection(member);
  if (!pc) return null;
  const of = (kind) => pc.getTransceivers().filter((t) => t.receiver.track.kind === kind && t.direction !== "stopped");
  return [...of("audio"), ...of("video")].map((t) => t.currentDirection).join(" ");
}"""
LOCAL_TRACK_ENABLED = """(kind) => {
  const stream = document.getElementById("local-video").srcObject;
  const track = stream && stream.getTracks().find((t) => t.kind === kind);
  return track ? track.enabled : null;
}"""


def test_a_hosts_mute_is_obeyed_and_audio_only_stops_video(live_server_url, new_page, branch_meeting: Branch) -> None:
    meeting_id = branch_meeting.meeting.pk
    host, member = branch_meeting.secretary, branch_meeting.full[0]
    errors: list[str] = []
    host_page = open_room(new_page, live_server_url, host, meeting_id, errors)
    member_page = open_room(new_page, live_server_url, member, meeting_id, errors)
    member_page.wait_for_function(PLAYING, arg=host.pk, timeout=30_000)
    assert member_page.evaluate(LOCAL_TRACK_ENABLED, "audio") is True

    host_page.click(f'#participants li[data-member="{member.pk}"] button[data-action=mute-mic]')
    member_page.wait_for_function(f"() => ({LOCAL_TRACK_ENABLED})('audio') === false", timeout=10_000)
    assert member_page.get_attribute("#toggle-mic", "aria-pressed") == "true"
    # The server's state says so too: the host's list marks the member muted.
    host_page.wait_for_selector(
        f'#participants li[data-member="{member.pk}"]:not(:has(button[data-action=mute-mic]))', timeout=10_000
    )

    member_page.click("#toggle-audio-only")
    member_page.wait_for_function(f"() => ({LOCAL_TRACK_ENABLED})('video') === false", timeout=10_000)
    # Audio only renegotiates the video away in both directions: neither side sends the other
    # video any more, while the sound goes on.
    for page, other in ((host_page, member), (member_page, host)):
        page.wait_for_function(f"() => ({DIRECTIONS})({other.pk}) === 'sendrecv inactive'", timeout=15_000)
    # The server's state says so: the host's list marks the member, and their tile shows no picture.
    host_page.wait_for_selector(f'#participants li[data-member="{member.pk}"][data-audio-only="true"]', timeout=10_000)
    host_page.wait_for_selector(f'.tile.remote.audio-only[data-member="{member.pk}"]', timeout=10_000)

    # A reload (a phone dropping off and coming back) keeps the choice the server holds.
    member_page.reload()
    member_page.wait_for_selector("#toggle-audio-only[aria-pressed=true]", timeout=20_000)
    for page, other in ((host_page, member), (member_page, host)):
        page.wait_for_function(f"() => ({DIRECTIONS})({other.pk}) === 'sendrecv inactive'", timeout=20_000)

    # Back to video: the host sees the member's picture move again.
    member_page.click("#toggle-audio-only")
    host_page.wait_for_selector(f'#participants li[data-member="{member.pk}"][data-audio-only="false"]', timeout=10_000)
    host_page.wait_for_function(f"() => ({DIRECTIONS})({member.pk}) === 'sendrecv sendrecv'", timeout=15_000)
    now = host_page.evaluate(CURRENT_TIME, member.pk)
    host_page.wait_for_function(ADVANCED, arg=[member.pk, now], timeout=20_000)
    assert errors == []


def test_the_room_moves_to_the_relay_without_anyone_leaving(live_server_url, new_page, branch_meeting: Branch) -> None:
    meeting_id = branch_meeting.meeting.pk
    host, a, b = branch_meeting.secretary, branch_meeting.full[0], branch_meeting.full[1]
    errors: list[str] = []
    pages = {m.pk: open_room(new_page, live_server_url, m, meeting_id, errors) for m in (host, a, b)}
    pages[a.pk].wait_for_function(PLAYING, arg=b.pk, timeout=60_000)  # mesh first
    assert pages[a.pk].evaluate("(id) => EpaRoom.peerConnection(id) !== null", b.pk)

    pages[host.pk].evaluate(
        "(room) => EpaRoom.connection.command('meeting.room.mode', room, {mode: 'relay'})", f"meeting:{meeting_id}"
    )
    for member, page in pages.items():
        for other in (m for m in pages if m != member):
            # The same tile now plays the other's video as sent by the relay, and no page keeps
            # a browser-to-browser connection.
            page.wait_for_function(
                """(id) => window.EpaRoom.relay() !== null && window.EpaRoom.peerConnection(id) === null""",
                arg=other,
                timeout=20_000,
            )
            started = page.wait_for_function(PLAYING, arg=other, timeout=45_000).json_value()
            page.wait_for_function(ADVANCED, arg=[other, started], timeout=20_000)
        assert page.evaluate("() => EpaRoom.relay().pc.connectionState") == "connected"
    assert pages[a.pk].url.endswith(f"/meetings/{meeting_id}/room/")  # nobody reloaded or rejoined
    assert errors == []
