"""The room's side of the media relay: who may publish, and what the media worker is told.

A lesson always goes through the relay: its lecturer (or a host) publishes microphone, camera and
screen, everyone else watches. A meeting goes through it in relay mode (a host's choice, or more
than ``MESH_VIDEO_SENDERS`` cameras): every participant publishes microphone and camera and
watches the others of their room or breakout. In mesh mode the relay is not used at all.

Every request is authorised here, against the database, before anything reaches the worker
(:mod:`meetings.media.signalling`); the room's own changes - a member leaving or removed, a
mute, breakouts, the end - are passed on after they commit, so a removed member's media stops
with their membership.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kernel.errors import Conflict, Forbidden
from meetings import events
from meetings.media import messages
from meetings.media.signalling import worker_send
from meetings.models import LiveRoom, Meeting, MeetingKind, RoomMode, Seat
from meetings.rules import can_present
from members.access import Actor
from realtime.models import StreamEvent
from realtime.services import event_append

SOURCES: tuple[messages.Source, ...] = ("mic", "cam", "screen")


def relay_used(meeting: Meeting) -> bool:
    if meeting.kind == MeetingKind.LESSON:
        return True
    mode = LiveRoom.objects.filter(meeting=meeting).values_list("mode", flat=True).first()
    return mode == RoomMode.RELAY


def _require_relay(meeting: Meeting) -> None:
    if not relay_used(meeting):
        raise Conflict(_("This room's video goes browser to browser, not through the relay."))


def _groups(meeting: Meeting) -> dict[int, str | None]:
    rows = Seat.objects.filter(meeting=meeting, breakout__isnull=False, breakout__closed_at__isnull=True)
    return {member: str(breakout) for member, breakout in rows.values_list("member_id", "breakout_id")}


def _hosts(meeting: Meeting) -> list[int]:
    ids = {meeting.host_id, *meeting.cohosts.values_list("pk", flat=True)}
    if meeting.lecturer_id:
        ids.add(meeting.lecturer_id)
    return sorted(ids)


def _send_after_commit(message: messages.Message) -> None:
    transaction.on_commit(lambda: worker_send(message))


# --- A tab's requests (the gateway's meeting.media.* commands) ----------------------------------


def media_join(
    *, by: Actor, meeting: Meeting, session: str, publish: Sequence[str], video: bool = True
) -> dict[str, Any]:
    """Ask the worker for a peer connection; its offer comes back as a ``media.offer`` signal.

    ``publish`` names what the tab will send. In a lesson only the lecturer and the hosts may
    send, and they may share their screen; in a relay meeting every participant may send their
    microphone and camera. Asking to send what one may not is refused, not silently trimmed.
    """
    _require_relay(meeting)
    lesson = meeting.kind == MeetingKind.LESSON
    wanted: list[messages.Source] = [s for s in SOURCES if s in publish]
    if lesson and wanted and not can_present(by, meeting):
        raise Forbidden(_("Only the lecturer and the hosts send video in a lesson."))
    if not lesson and "screen" in wanted:
        raise Forbidden(_("Screen sharing is for lessons."))
    worker_send(
        messages.Join(
            meeting=meeting.pk, member=by.mid, session=session, sources=wanted,
            video=video, lesson=lesson, hosts=_hosts(meeting), groups=_groups(meeting),
        )
    )  # fmt: skip
    return {"session": session, "publish": wanted, "lesson": lesson}


def media_answer(*, by: Actor, meeting: Meeting, session: str, sdp: str) -> None:
    _require_relay(meeting)
    worker_send(messages.Answer(meeting=meeting.pk, member=by.mid, session=session, sdp=sdp))


def media_candidates(*, by: Actor, meeting: Meeting, session: str, candidates: list[dict[str, Any]]) -> None:
    _require_relay(meeting)
    worker_send(messages.Candidates(meeting=meeting.pk, member=by.mid, session=session, candidates=candidates))


def media_receive(*, by: Actor, meeting: Meeting, session: str, video: bool) -> None:
    _require_relay(meeting)
    worker_send(messages.Receive(meeting=meeting.pk, member=by.mid, session=session, video=video))


def media_leave(*, by: Actor, meeting: Meeting, session: str) -> None:
    worker_send(messages.Leave(meeting=meeting.pk, member=by.mid, session=session))


def media_record(*, by: Actor, meeting: Meeting, on: bool) -> None:
    """Start or stop recording a lesson on the server; everyone in the room sees the state."""
    if meeting.kind != MeetingKind.LESSON:
        raise Conflict(_("Only lessons are recorded."))
    if not can_present(by, meeting):
        raise Forbidden(_("Only the lecturer and the hosts may record."))
    with transaction.atomic():
        event_append(stream=f"meeting:{meeting.pk}", payload=events.MediaRecording(on=on))
        _send_after_commit(messages.Record(meeting=meeting.pk, on=on, by=by.mid))


def recording_on(meeting: Meeting) -> bool:
    """Whether a presenter last asked the lesson to be recorded (the room's stored events)."""
    if meeting.kind != MeetingKind.LESSON:
        return False
    last = (
        StreamEvent.objects.filter(stream=f"meeting:{meeting.pk}", payload__type="meetings.media.recording")
        .order_by("-seq")
        .values_list("payload", flat=True)
        .first()
    )
    return bool(last and last.get("on"))


# --- The room's changes, passed on ------------------------------------------------------------


def relay_member_gone(meeting: Meeting, member_id: int) -> None:
    """A member's last tab left the room, or a host removed them: hang up all their media."""
    if relay_used(meeting):
        _send_after_commit(messages.Leave(meeting=meeting.pk, member=member_id))


def relay_mute(meeting: Meeting, seat: Seat) -> None:
    if relay_used(meeting):
        _send_after_commit(
            messages.Mute(meeting=meeting.pk, member=seat.member_id, mic=seat.mic_muted, video=seat.video_muted)
        )


def relay_regroup(meeting: Meeting) -> None:
    if relay_used(meeting):
        _send_after_commit(messages.Regroup(meeting=meeting.pk, groups=_groups(meeting)))


def relay_end(meeting: Meeting) -> None:
    """The meeting ended, or its room goes back to mesh: close every relay connection of it."""
    if relay_used(meeting):
        _send_after_commit(messages.End(meeting=meeting.pk))
