"""The live room of a meeting (stream ``meeting:<id>``): lobby, hands, mute, breakouts, chat,
votes, and the rule for relaying WebRTC signals.

Every write takes ``by: Actor``, checks permission (``meetings.rules.is_host`` for host powers,
admission for participants), changes the database in a transaction and stores the room's event
on ``meeting:<id>`` with :func:`realtime.services.event_append`, which publishes it after commit.
Room events are durable on purpose, hand queue and mute requests included: a phone that drops
and resumes with ``since`` must see the same queue and obey the same mute as everyone else.
Notices for one person (admitted, denied, removed) go to that member's ``user:<id>`` stream,
the only stream a lobby waiter can read. WebRTC signals are the exception: they are ephemeral,
relayed to one member with :func:`realtime.services.ephemeral_send`.

Breakout rooms stay inside the meeting's one stream: each participant's ``Seat`` names their
breakout; chat events carry ``breakout`` (an id, or null for the main room) and clients show the
lines of their own room. Signals are relayed only between members of the same room or breakout,
so video splits with the rooms while attendance (one stream, one stay) simply continues.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.errors import Conflict, Forbidden, Invalid, NotFound
from meetings import relay, selectors, services
from meetings.models import (
    AdmissionStatus,
    Breakout,
    ChatMessage,
    LiveRoom,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Motion,
    MotionStatus,
    RoomMode,
    Seat,
    Stay,
    VoteRecord,
)
from meetings.rules import is_host
from members.access import Actor, require_member
from members.models import Member, Organisation, OrgKind
from realtime.protocol import Signal
from realtime.services import ephemeral_send, event_append
from realtime.streams import user_stream

# Browsers connected to each other send every video stream to every peer; beyond about four
# senders a phone's uplink and CPU give out (issue 7). The relay path lifts this limit.
MESH_VIDEO_SENDERS = 4
BREAKOUT_MINUTES_MAX = 240


def room_stream(meeting_id: int) -> str:
    return f"meeting:{meeting_id}"


def _append(meeting: Meeting, payload: dict[str, Any], *, author: int | None = None) -> int:
    return event_append(stream=room_stream(meeting.pk), payload=payload, author=author).seq


def _notify(member_id: int, payload: dict[str, Any]) -> None:
    event_append(stream=user_stream(member_id), payload=payload)


def _names(ids: Sequence[int]) -> dict[int, str]:
    return dict(Member.objects.filter(pk__in=list(ids)).values_list("pk", "real_name"))


def _require_host(by: Actor, meeting: Meeting) -> None:
    if not is_host(by, meeting):
        raise Forbidden(_("Only the meeting's hosts may do this."))


def _require_open(meeting: Meeting) -> None:
    if meeting.status in (MeetingStatus.ENDED, MeetingStatus.CANCELLED):
        raise Conflict(_("This meeting is over."))


# --- Who is in the room --------------------------------------------------------------------------


def is_participant(meeting: Meeting, member_id: int | None) -> bool:
    """Hosts, and members a host (or their invitation) let in."""
    if member_id is None:
        return False
    if member_id == meeting.host_id or meeting.cohosts.filter(pk=member_id).exists():
        return True
    return meeting.admissions.filter(member_id=member_id, status=AdmissionStatus.ADMITTED).exists()


def room_get_for(*, actor: Actor, meeting_id: int) -> Meeting:
    """The meeting if ``actor`` is one of its participants; lobby waiters are refused."""
    meeting = selectors.meeting_get_for(actor=actor, meeting_id=meeting_id)
    _require_open(meeting)
    if not is_participant(meeting, actor.member_id):
        raise Forbidden(_("Wait in the lobby until a host lets you in."))
    return meeting


def _seat(meeting: Meeting, member_id: int) -> Seat:
    seat, _created = Seat.objects.get_or_create(meeting=meeting, member_id=member_id)
    return seat


def _live_room(meeting: Meeting) -> LiveRoom:
    room, _created = LiveRoom.objects.get_or_create(meeting=meeting)
    return room


def room_joined(*, actor: Actor, meeting: Meeting) -> None:
    """One socket subscribed to the room: attendance continues (or starts) a stay."""
    with transaction.atomic():
        _seat(meeting, actor.mid)
        services.attendance_join(meeting=meeting, member_id=actor.mid)
    mesh_limit_check(meeting)


def room_left(*, actor: Actor, meeting: Meeting) -> None:
    """One socket left; the stay ends with the member's last socket (the grace period joins
    a reconnect to it), and so do the member's relay connections."""
    with transaction.atomic():
        stay = services.attendance_leave(meeting=meeting, member_id=actor.mid)
        if stay is not None and stay.left_at is not None:
            relay.relay_member_gone(meeting, actor.mid)


def present_ids(meeting: Meeting) -> list[int]:
    return sorted(set(Stay.objects.filter(meeting=meeting, left_at__isnull=True).values_list("member_id", flat=True)))


# --- The lobby ------------------------------------------------------------------------------------


def _waiting(meeting: Meeting) -> list[dict[str, Any]]:
    rows = meeting.admissions.filter(status=AdmissionStatus.WAITING).order_by("updated", "pk")
    ids = [row.member_id for row in rows]
    names = _names(ids)
    return [{"member": pk, "name": names.get(pk, "")} for pk in ids]


def _lobby_event(meeting: Meeting) -> None:
    _append(meeting, {"type": "meetings.lobby", "waiting": _waiting(meeting)})


def lobby_enter(*, by: Actor, meeting: Meeting) -> str:
    """Knock: ``admitted`` (invitees of an unlocked room, hosts) or ``waiting`` for a host."""
    with transaction.atomic():
        before = meeting.admissions.filter(member_id=by.mid).values_list("status", flat=True).first()
        status = services.room_enter(by=by, meeting=meeting)
        if status == AdmissionStatus.WAITING and before != AdmissionStatus.WAITING:
            _lobby_event(meeting)
    return status


def lobby_admit(*, by: Actor, meeting: Meeting, member_id: int, admit: bool = True) -> str:
    with transaction.atomic():
        status = services.room_admit(by=by, meeting=meeting, member_id=member_id, admit=admit)
        what = "admitted" if status == AdmissionStatus.ADMITTED else "denied"
        _notify(member_id, {"type": f"meetings.lobby.{what}", "meeting": meeting.pk})
        _lobby_event(meeting)
    return status


def room_lock(*, by: Actor, meeting: Meeting, locked: bool) -> None:
    with transaction.atomic():
        services.room_lock(by=by, meeting=meeting, locked=locked)
        _append(meeting, {"type": "meetings.room.locked", "locked": locked})


def room_start(*, by: Actor, meeting: Meeting) -> None:
    with transaction.atomic():
        services.meeting_start(by=by, meeting=meeting)
        _append(
            meeting,
            {
                "type": "meetings.room.started",
                "started_at": meeting.started_at.isoformat() if meeting.started_at else None,
            },
        )


def participant_remove(*, by: Actor, meeting: Meeting, member_id: int) -> None:
    """Send a participant out; their page leaves the room (and their socket's stay ends)."""
    with transaction.atomic():
        services.room_remove(by=by, meeting=meeting, member_id=member_id)
        Seat.objects.filter(meeting=meeting, member_id=member_id).update(hand_raised_at=None)
        _append(meeting, {"type": "meetings.participant.removed", "member": member_id})
        _notify(member_id, {"type": "meetings.room.removed", "meeting": meeting.pk})
        _hands_event(meeting)
        relay.relay_member_gone(meeting, member_id)


def room_end(*, by: Actor, meeting: Meeting) -> None:
    """End for all: the lead's meeting_end closes stays and open votes; results go out with it."""
    with transaction.atomic():
        relay.relay_end(meeting)
        open_ids = list(meeting.motions.filter(status=MotionStatus.OPEN).values_list("pk", flat=True))
        services.meeting_end(by=by, meeting=meeting)
        Breakout.objects.filter(meeting=meeting, closed_at__isnull=True).update(closed_at=meeting.ended_at)
        closed = [selectors.motion_dict(m) for m in Motion.objects.filter(pk__in=open_ids).order_by("pk")]
        _append(meeting, {"type": "meetings.meeting.ended", "closed_votes": closed})


def room_mode_set(*, by: Actor, meeting: Meeting, mode: str) -> None:
    """Choose how video travels: browser to browser (mesh) or through the media relay. Pages
    switch over when the ``meetings.mode`` event arrives; nobody leaves the room."""
    _require_host(by, meeting)
    if mode not in RoomMode.values:
        raise Invalid(_("Unknown room mode."))
    if meeting.kind == MeetingKind.LESSON and mode == RoomMode.MESH:
        raise Conflict(_("A lesson is always streamed through the media relay."))
    _mode_switch(meeting, mode)


def _mode_switch(meeting: Meeting, mode: str) -> None:
    with transaction.atomic():
        room = LiveRoom.objects.select_for_update().filter(meeting=meeting).first() or _live_room(meeting)
        if room.mode == mode:
            return
        if mode == RoomMode.MESH:
            relay.relay_end(meeting)  # while the room still says relay
        room.mode = mode
        room.save(update_fields=["mode"])
        _append(meeting, {"type": "meetings.mode", "mode": mode})


def _video_senders(meeting: Meeting) -> int:
    """Participants present with their camera on: not muted, not on audio only."""
    dark = Seat.objects.filter(Q(video_muted=True) | Q(audio_only=True), meeting=meeting)
    return len(set(present_ids(meeting)) - set(dark.values_list("member_id", flat=True)))


def mesh_limit_check(meeting: Meeting) -> None:
    """More cameras than a mesh carries: the room moves to the relay by itself (and stays there;
    a host may move it back)."""
    if meeting.kind == MeetingKind.LESSON:
        return
    mode = LiveRoom.objects.filter(meeting=meeting).values_list("mode", flat=True).first()
    if mode != RoomMode.RELAY and _video_senders(meeting) > MESH_VIDEO_SENDERS:
        _mode_switch(meeting, RoomMode.RELAY)


# --- Hands and the floor ------------------------------------------------------------------------


def hand_queue(meeting: Meeting) -> list[dict[str, Any]]:
    seats = list(Seat.objects.filter(meeting=meeting, hand_raised_at__isnull=False).order_by("hand_raised_at", "pk"))
    names = _names([s.member_id for s in seats])
    return [
        {"member": s.member_id, "name": names.get(s.member_id, ""), "raised_at": s.hand_raised_at.isoformat()}
        for s in seats
        if s.hand_raised_at is not None
    ]


def _hands_event(meeting: Meeting) -> None:
    floor = LiveRoom.objects.filter(meeting=meeting).values_list("floor_id", flat=True).first()
    _append(meeting, {"type": "meetings.hands", "queue": hand_queue(meeting), "floor": floor})


def hand_raise(*, by: Actor, meeting: Meeting) -> None:
    """Join the end of the queue; raising an already raised hand keeps its place."""
    with transaction.atomic():
        seat = Seat.objects.select_for_update().filter(meeting=meeting, member_id=by.mid).first() or _seat(
            meeting, by.mid
        )
        if seat.hand_raised_at is not None:
            return
        seat.hand_raised_at = timezone.now()
        seat.save(update_fields=["hand_raised_at"])
        _hands_event(meeting)


def hand_lower(*, by: Actor, meeting: Meeting, member_id: int) -> None:
    """A member lowers their own hand; hosts lower anyone's."""
    if member_id != by.member_id:
        _require_host(by, meeting)
    with transaction.atomic():
        if Seat.objects.filter(meeting=meeting, member_id=member_id, hand_raised_at__isnull=False).update(
            hand_raised_at=None
        ):
            _hands_event(meeting)


def floor_give(*, by: Actor, meeting: Meeting, member_id: int | None) -> None:
    """A host gives the floor to a participant (their hand comes down), or takes it back (None)."""
    _require_host(by, meeting)
    if member_id is not None and not is_participant(meeting, member_id):
        raise NotFound(_("This member is not in the room."))
    with transaction.atomic():
        room = _live_room(meeting)
        room.floor_id = member_id
        room.save(update_fields=["floor"])
        if member_id is not None:
            Seat.objects.filter(meeting=meeting, member_id=member_id).update(hand_raised_at=None)
        _hands_event(meeting)


# --- Microphones and cameras --------------------------------------------------------------------


def mute_set(
    *, by: Actor, meeting: Meeting, member_id: int, mic: bool | None = None, video: bool | None = None
) -> None:
    """Record who is muted and ask that member's page to obey.

    Hosts may mute anyone; nobody may unmute someone else (a host asks; the member unmutes).
    A member sets their own state freely, so the server's state stays the truth for everyone.
    """
    own = member_id == by.member_id
    if not own:
        _require_host(by, meeting)
        if mic is False or video is False:
            raise Forbidden(_("Only members themselves can switch their microphone or camera back on."))
    if mic is None and video is None:
        raise Invalid(_("Say what to mute."))
    if not is_participant(meeting, member_id):
        raise NotFound(_("This member is not in the room."))
    with transaction.atomic():
        seat = _seat(meeting, member_id)
        if mic is not None:
            seat.mic_muted = mic
        if video is not None:
            seat.video_muted = video
        seat.save(update_fields=["mic_muted", "video_muted"])
        _append(
            meeting,
            {
                "type": "meetings.mute",
                "member": member_id,
                "mic_muted": seat.mic_muted,
                "video_muted": seat.video_muted,
                "by": by.member_id,
            },
        )
        relay.relay_mute(meeting, seat)
    if video is False:
        mesh_limit_check(meeting)


# --- Audio only ---------------------------------------------------------------------------------


def audio_only_set(*, by: Actor, meeting: Meeting, on: bool) -> None:
    """A member switches to audio only (a weak link) or back. Their page stops sending and
    receiving video; the event tells everyone else why that member's picture went away. The
    seat keeps the choice, so a page that reconnects is told it in the room's state."""
    require_member(by)
    if not is_participant(meeting, by.member_id):
        raise Forbidden()
    with transaction.atomic():
        Seat.objects.filter(pk=_seat(meeting, by.mid).pk).update(audio_only=on)
        _append(meeting, {"type": "meetings.audio_only", "member": by.mid, "audio_only": on})
    if not on:
        mesh_limit_check(meeting)


def audio_only_ids(meeting: Meeting) -> set[int]:
    """Who is on audio only now (their seats say so)."""
    return set(Seat.objects.filter(meeting=meeting, audio_only=True).values_list("member_id", flat=True))


def cohosts_set(*, by: Actor, meeting: Meeting, member_ids: Sequence[int]) -> list[int]:
    """Name the co-hosts, also during the meeting: the room redraws everyone's role."""
    with transaction.atomic():
        chosen = services.meeting_cohosts_set(
            by=by, meeting=meeting, members=Member.objects.select_related("organisation").filter(pk__in=member_ids)
        )
        _append(meeting, {"type": "meetings.roles", "cohosts": chosen})
    return chosen


# --- Breakout rooms -----------------------------------------------------------------------------


def _open_breakouts(meeting: Meeting) -> list[Breakout]:
    return list(Breakout.objects.filter(meeting=meeting, closed_at__isnull=True))


def breakout_dicts(meeting: Meeting) -> list[dict[str, Any]]:
    rooms = _open_breakouts(meeting)
    members: dict[int, list[int]] = {room.pk: [] for room in rooms}
    for breakout_id, member_id in Seat.objects.filter(breakout__in=rooms).values_list("breakout_id", "member_id"):
        members[breakout_id].append(member_id)
    return [
        {"id": room.pk, "name": room.name, "ends_at": room.ends_at.isoformat(), "members": sorted(members[room.pk])}
        for room in rooms
    ]


def breakout_start(
    *,
    by: Actor,
    meeting: Meeting,
    minutes: int,
    by_group: bool = True,
    rooms: Sequence[tuple[str, Sequence[int]]] = (),
) -> list[Breakout]:
    """Split the room for a timed discussion: by party group (每个党小组一室, members outside
    any group together in one more room), or into ad-hoc ``rooms`` of (name, member ids).
    Participants not placed stay in the main room."""
    _require_host(by, meeting)
    _require_open(meeting)
    if not 1 <= minutes <= BREAKOUT_MINUTES_MAX:
        raise Invalid(_("A discussion lasts between 1 and %(n)d minutes.") % {"n": BREAKOUT_MINUTES_MAX})
    if _open_breakouts(meeting):
        raise Conflict(_("The room is already split; call everyone back first."))
    present = present_ids(meeting)
    plan = _plan_by_group(meeting, present) if by_group else _plan_ad_hoc(meeting, rooms)
    if not plan:
        raise Invalid(_("Nobody to split into rooms."))
    ends_at = timezone.now() + dt.timedelta(minutes=minutes)
    with transaction.atomic():
        created = []
        for name, organisation, member_ids in plan:
            room = Breakout.objects.create(meeting=meeting, name=name, organisation=organisation, ends_at=ends_at)
            for member_id in member_ids:
                Seat.objects.update_or_create(meeting=meeting, member_id=member_id, defaults={"breakout": room})
            created.append(room)
        _append(meeting, {"type": "meetings.breakout.started", "breakouts": breakout_dicts(meeting)})
        relay.relay_regroup(meeting)
    return created


def _plan_by_group(meeting: Meeting, present: list[int]) -> list[tuple[str, Organisation | None, list[int]]]:
    groups = list(Organisation.objects.filter(parent=meeting.organisation, kind=OrgKind.GROUP).order_by("path"))
    if not groups:
        raise Conflict(_("This organisation has no party groups; split into ad-hoc rooms instead."))
    paths = dict(Member.objects.filter(pk__in=present).values_list("pk", "organisation__path"))
    placed: dict[int, list[int]] = {g.pk: [] for g in groups}
    others: list[int] = []
    for member_id in present:
        group = next((g for g in groups if paths.get(member_id, "").startswith(g.path)), None)
        (placed[group.pk] if group else others).append(member_id)
    plan: list[tuple[str, Organisation | None, list[int]]] = [(g.name, g, placed[g.pk]) for g in groups if placed[g.pk]]
    if others:
        plan.append((_("Members outside a group"), None, others))
    return plan


def _plan_ad_hoc(
    meeting: Meeting, rooms: Sequence[tuple[str, Sequence[int]]]
) -> list[tuple[str, Organisation | None, list[int]]]:
    seen: set[int] = set()
    plan: list[tuple[str, Organisation | None, list[int]]] = []
    for name, member_ids in rooms:
        ids = list(dict.fromkeys(member_ids))
        if not name.strip() or not ids:
            raise Invalid(_("Each room needs a name and members."))
        if seen & set(ids):
            raise Invalid(_("A member can be in one room only."))
        if any(not is_participant(meeting, pk) for pk in ids):
            raise Invalid(_("Only participants can be placed in a room."))
        seen |= set(ids)
        plan.append((name.strip()[:120], None, ids))
    return plan


def breakout_return(*, by: Actor, meeting: Meeting) -> None:
    """Call everyone back. Hosts may at any time; once the time is up any participant's page
    may, so the room comes back together even when the host's connection is gone."""
    open_rooms = _open_breakouts(meeting)
    if not open_rooms:
        raise Conflict(_("The room is not split."))
    if not is_host(by, meeting):
        if not is_participant(meeting, by.member_id):
            raise Forbidden()
        if min(room.ends_at for room in open_rooms) > timezone.now():
            raise Forbidden(_("Only the meeting's hosts may do this."))
    with transaction.atomic():
        Breakout.objects.filter(pk__in=[r.pk for r in open_rooms]).update(closed_at=timezone.now())
        Seat.objects.filter(meeting=meeting).update(breakout=None)
        _append(meeting, {"type": "meetings.breakout.ended"})
        relay.relay_regroup(meeting)


def _breakout_of(meeting: Meeting, member_id: int) -> int | None:
    return Seat.objects.filter(meeting=meeting, member_id=member_id).values_list("breakout_id", flat=True).first()


# --- Chat -----------------------------------------------------------------------------------------


def chat_dict(message: ChatMessage) -> dict[str, Any]:
    return {
        "type": "meetings.chat",
        "id": message.pk,
        "author": message.author_id,
        "name": message.author.real_name,
        "text": message.text,
        "breakout": message.breakout_id,
        "at": message.created.isoformat(),
    }


def chat_post(*, by: Actor, meeting: Meeting, text: str) -> dict[str, Any]:
    """A chat line through the moderation pipeline: published, or held for a moderator (the
    author is told), or refused (``content_blocked`` raised to the author)."""
    from moderation.pipeline import moderate
    from moderation.services import content_submit

    require_member(by)
    if not is_participant(meeting, by.member_id):
        raise Forbidden()
    if not text.strip():
        raise Invalid(_("The message is empty."))
    decision = moderate(text=text, kind="plain", author=by, organisation=meeting.organisation)
    with transaction.atomic():
        message = ChatMessage.objects.create(
            meeting=meeting,
            breakout_id=_breakout_of(meeting, by.mid),
            author_id=by.mid,
            text=decision.text,
            visible=decision.published,
        )
        content_submit(obj=message, decision=decision, by=by)
        if message.visible:
            _append(meeting, chat_dict(message), author=by.mid)
    return {"id": message.pk, "status": "published" if message.visible else "held", "text": message.text}


def chat_approved(message: ChatMessage, edited: str | None) -> None:
    """The moderation queue approved a held line: show it now (with the moderator's edit)."""
    message.text = edited if edited is not None else message.text
    message.visible = True
    message.save(update_fields=["text", "visible"])
    _append(message.meeting, chat_dict(message), author=message.author_id)


def chat_hidden(message: ChatMessage) -> None:
    message.visible = False
    message.save(update_fields=["visible"])
    _append(message.meeting, {"type": "meetings.chat.hidden", "id": message.pk})


def chat_rejected(message: ChatMessage, reason: str) -> None:
    _notify(
        message.author_id,
        {"type": "meetings.chat.rejected", "meeting": message.meeting_id, "id": message.pk, "reason": reason},
    )


# --- Votes ----------------------------------------------------------------------------------------


def _motion_in(meeting: Meeting, motion_id: int) -> Motion:
    motion = Motion.objects.select_related("meeting__organisation").filter(pk=motion_id, meeting=meeting).first()
    if motion is None:
        raise NotFound(_("No such vote in this meeting."))
    return motion


def vote_open(
    *, by: Actor, meeting: Meeting, title: str, kind: str, options: Sequence[str], secret: bool, max_choices: int
) -> dict[str, Any]:
    with transaction.atomic():
        motion = services.motion_open(
            by=by, meeting=meeting, title=title, kind=kind, options=options, secret=secret, max_choices=max_choices
        )
        data = selectors.motion_dict(motion)
        _append(meeting, {"type": "meetings.vote.opened", "motion": data})
    return data


def vote_cast(*, by: Actor, meeting: Meeting, motion_id: int, choices: Sequence[str]) -> dict[str, Any]:
    """Cast a ballot. Everyone learns the turnout, never a choice: live per-option counts would
    let anyone watching the counts move learn a secret ballot."""
    motion = _motion_in(meeting, motion_id)
    with transaction.atomic():
        services.ballot_cast(by=by, motion=motion, choices=choices)
        turnout = motion.voters.count()
        _append(meeting, {"type": "meetings.vote.turnout", "motion": motion.pk, "turnout": turnout})
    return {"motion": motion.pk, "voted": True}


def vote_close(*, by: Actor, meeting: Meeting, motion_id: int) -> dict[str, Any]:
    motion = _motion_in(meeting, motion_id)
    with transaction.atomic():
        closed = services.motion_close(by=by, motion=motion)
        data = selectors.motion_dict(closed)
        _append(meeting, {"type": "meetings.vote.closed", "motion": data})
    return data


# --- Signalling -----------------------------------------------------------------------------------


def signal_relay(*, by: Actor, meeting: Meeting, to_member: int, data: dict[str, Any]) -> None:
    """Relay an offer, answer, ICE candidates or restart to one peer of the same room.

    Both must be participants of this meeting and, while the room is split, in the same
    breakout: a member of another meeting (or another breakout) is refused with ``forbidden``.
    """
    if to_member == by.member_id:
        raise Invalid(_("A signal goes to another participant."))
    if not (is_participant(meeting, by.member_id) and is_participant(meeting, to_member)):
        raise Forbidden(_("Signals go only between participants of the same room."))
    if _breakout_of(meeting, by.mid) != _breakout_of(meeting, to_member):
        raise Forbidden(_("Signals go only between participants of the same room."))
    ephemeral_send(frame=Signal(stream=room_stream(meeting.pk), sender=by.mid, data=data), to_member=to_member)


# --- The room as a page sees it ------------------------------------------------------------------


def room_state(*, actor: Actor, meeting: Meeting) -> dict[str, Any]:
    """Everything a (re)joining page draws: participants with roles, hands, mutes, lobby,
    breakouts, the vote in progress. Later changes arrive as the stream's events."""
    present = present_ids(meeting)
    cohosts = set(meeting.cohosts.values_list("pk", flat=True))
    seats = {s.member_id: s for s in Seat.objects.filter(meeting=meeting)}
    names = _names(present)
    statuses = dict(Member.objects.filter(pk__in=present).values_list("pk", "status"))

    def role(pk: int) -> str:
        return "host" if pk == meeting.host_id else "cohost" if pk in cohosts else "participant"

    participants = [
        {
            "member": pk,
            "name": names.get(pk, ""),
            "role": role(pk),
            "status": statuses.get(pk),
            "mic_muted": bool(seats.get(pk) and seats[pk].mic_muted),
            "video_muted": bool(seats.get(pk) and seats[pk].video_muted),
            "audio_only": bool(seats.get(pk) and seats[pk].audio_only),
            "breakout": seats[pk].breakout_id if pk in seats else None,
        }
        for pk in present
    ]
    room = LiveRoom.objects.filter(meeting=meeting).first()
    open_motions = meeting.motions.filter(status=MotionStatus.OPEN).order_by("pk")
    mine = VoteRecord.objects.filter(motion__in=open_motions, member_id=actor.member_id)
    voted = set(mine.values_list("motion_id", flat=True))
    chat = ChatMessage.objects.filter(meeting=meeting, visible=True).select_related("author").order_by("-pk")[:50]
    return {
        "meeting": {"id": meeting.pk, "title": meeting.title, "status": meeting.status, "locked": meeting.locked},
        "me": {"member": actor.member_id, "role": role(actor.mid), "is_host": is_host(actor, meeting)},
        "mode": room.mode if room else RoomMode.MESH,
        "mesh_video_senders": MESH_VIDEO_SENDERS,
        "participants": participants,
        "hands": hand_queue(meeting),
        "floor": room.floor_id if room else None,
        "lobby": _waiting(meeting) if is_host(actor, meeting) else [],
        "breakouts": breakout_dicts(meeting),
        "votes": [
            {**selectors.motion_dict(m), "voted": m.pk in voted, "turnout": m.voters.count()} for m in open_motions
        ],
        "chat": [chat_dict(m) for m in reversed(chat)],
        "recording": relay.recording_on(meeting),
    }
