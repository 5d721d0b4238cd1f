"""Audio only is kept on the member's seat: a reconnect finds it, whatever the room's event log holds."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from meetings import hands, lifecycle, room
from meetings.models import Seat
from meetings.room_state import room_state
from meetings.schemas import RoomStateOut
from realtime.models import StreamEvent
from tests.meetings.conftest import Branch, enter_and_join


def audio_only_of(state: RoomStateOut) -> dict[int, bool]:
    return {p.member: p.audio_only for p in state.participants}


@pytest.mark.django_db
def test_audio_only_survives_a_reconnect_from_the_seat(actor_of, settings, branch_meeting: Branch):
    meeting = branch_meeting.meeting
    weak, other = actor_of(branch_meeting.full[0]), actor_of(branch_meeting.full[1])
    for actor in (weak, other):
        assert enter_and_join(actor, meeting) == "admitted"
    hands.audio_only_set(by=weak, meeting=meeting, on=True)
    assert Seat.objects.get(meeting=meeting, member_id=weak.mid).audio_only is True
    assert hands.audio_only_ids(meeting) == {weak.mid}

    # The phone drops for longer than the grace period (a new stay), and the room's log of
    # events is gone (trimmed): the page that comes back is still told it is on audio only.
    settings.MEETING_RECONNECT_GRACE = 0
    lifecycle.room_left(actor=weak, meeting=meeting)
    StreamEvent.objects.filter(stream=room.room_stream(meeting.pk)).delete()
    lifecycle.room_joined(actor=weak, meeting=meeting)
    assert meeting.stays.filter(member_id=weak.mid).count() == 2
    assert audio_only_of(room_state(actor=weak, meeting=meeting)) == {weak.mid: True, other.mid: False}

    hands.audio_only_set(by=weak, meeting=meeting, on=False)
    assert audio_only_of(room_state(actor=other, meeting=meeting))[weak.mid] is False
    assert hands.audio_only_ids(meeting) == set()


@pytest.mark.django_db(transaction=True)
def test_the_migration_carries_the_choice_from_the_event_log_to_the_seat(actor_of, branch_meeting: Branch):
    """Rooms in progress when the column arrives keep each member's latest choice."""
    meeting = branch_meeting.meeting
    on, off = branch_meeting.full[0].pk, branch_meeting.full[1].pk
    stream = room.room_stream(meeting.pk)
    first = (StreamEvent.objects.filter(stream=stream).order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
    try:
        call_command("migrate", "meetings", "0004_lessons", verbosity=0)
        old = MigrationExecutor(connection).loader.project_state(("meetings", "0004_lessons")).apps
        for member_id in (on, off):
            old.get_model("meetings", "Seat").objects.create(meeting_id=meeting.pk, member_id=member_id)
        events = [(on, True), (off, True), (off, False), (on, False), (on, True)]
        for seq, (member_id, choice) in enumerate(events, start=first):
            StreamEvent.objects.create(
                stream=stream,
                seq=seq,
                payload={"type": "meetings.audio_only", "member": member_id, "audio_only": choice},
            )
    finally:
        # Every app forward again: going back unapplied the apps whose migrations depend on
        # meetings (lessons, branch, membership), not only meetings itself.
        call_command("migrate", verbosity=0)
    assert dict(Seat.objects.filter(meeting=meeting).values_list("member_id", "audio_only")) == {on: True, off: False}
