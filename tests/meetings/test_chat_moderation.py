"""Meeting chat under moderation: members flag a line (once each), and a line that is not shown
to the room stays on its author's page saying what became of it — awaiting review, hidden after
flags, rejected with the moderator's reason — while nobody else sees anything of it."""

from __future__ import annotations

from typing import Any

import pytest

from meetings import chat, room
from meetings.room_state import room_state
from meetings.schemas import RoomChatLineOut, RoomStateOut
from members.access import SYSTEM
from members.models import RoleKind
from members.services import role_grant
from moderation.models import QueueItem
from moderation.services import policy_set, queue_approve, queue_reject, word_entries_set, word_list_create
from realtime.models import StreamEvent
from realtime.streams import user_stream
from tests.meetings.conftest import Branch, enter_and_join

pytestmark = pytest.mark.django_db


def events(stream: str, after: int = 0) -> list[dict[str, Any]]:
    return [e.payload for e in StreamEvent.objects.filter(stream=stream, seq__gt=after).order_by("seq")]


def head(stream: str) -> int:
    last = StreamEvent.objects.filter(stream=stream).order_by("-seq").first()
    return last.seq if last else 0


@pytest.fixture
def live(actor_of, branch_meeting: Branch, org_tree) -> Branch:
    """Everyone in the room; the secretary also moderates the branch; two flags hide a line."""
    for member in [branch_meeting.secretary, *branch_meeting.full]:
        assert enter_and_join(actor_of(member), branch_meeting.meeting) == "admitted"
    role_grant(by=SYSTEM, member=branch_meeting.secretary, organisation=org_tree.branch_a, kind=RoleKind.MODERATOR)
    policy_set(by=SYSTEM, organisation=org_tree.branch_a, flag_threshold=2)
    return branch_meeting


def line_in(state: RoomStateOut, line_id: int) -> RoomChatLineOut | None:
    return next((line for line in state.chat if line.id == line_id), None)


def flag(client_for, member, ref: str, reason: str = "off_topic", note: str = ""):  # type: ignore[no-untyped-def]
    return client_for(member).post(
        "/api/moderation/flags", {"content": ref, "reason": reason, "note": note}, content_type="application/json"
    )


def test_a_line_flagged_twice_by_one_member_counts_once_and_hidden_stays_with_its_author(actor_of, client_for, live):
    meeting, author, others = live.meeting, live.full[0], live.full[1:]
    stream = room.room_stream(meeting.pk)
    line = chat.chat_post(by=actor_of(author), meeting=meeting, text="周末一起去钓鱼吧")
    ref = f"meetings.chatmessage:{line['id']}"

    first = flag(client_for, others[0], ref, note="与会议无关")
    assert first.status_code == 201
    again = flag(client_for, others[0], ref, reason="spam")
    assert again.status_code == 409 and again.json()["code"] == "conflict"  # counts once
    item = QueueItem.objects.get(object_id=line["id"], content_type__model="chatmessage")
    assert item.details["flags"] == 1 and not item.hidden
    assert line_in(room_state(actor=actor_of(others[1]), meeting=meeting), line["id"]).status == "published"
    assert flag(client_for, author, ref).status_code == 400  # nobody flags their own line

    mark = head(stream)
    assert flag(client_for, others[1], ref, reason="spam").status_code == 201  # the threshold: hidden
    assert events(stream, mark) == [{"type": "meetings.chat.hidden", "id": line["id"]}]
    assert line_in(room_state(actor=actor_of(others[2]), meeting=meeting), line["id"]) is None
    mine = line_in(room_state(actor=actor_of(author), meeting=meeting), line["id"])
    assert mine.status == "hidden" and mine.text == "周末一起去钓鱼吧"
    assert flag(client_for, others[2], ref).status_code == 404  # no longer shown: nothing to flag

    queue_reject(by=actor_of(live.secretary), item_id=item.pk, reason="与会议议题无关")
    mine = line_in(room_state(actor=actor_of(author), meeting=meeting), line["id"])
    assert (mine.status, mine.reason) == ("rejected", "与会议议题无关")
    assert events(user_stream(author.pk))[-1] == {
        "type": "meetings.chat.rejected", "meeting": meeting.pk, "id": line["id"], "reason": "与会议议题无关"
    }  # fmt: skip
    assert [e["type"] for e in events(stream, mark)] == ["meetings.chat.hidden"]  # hidden once
    assert line_in(room_state(actor=actor_of(others[0]), meeting=meeting), line["id"]) is None


def test_a_held_line_is_its_authors_alone_until_approved_and_cannot_be_flagged(actor_of, client_for, live):
    meeting, author, other = live.meeting, live.full[0], live.full[1]
    stream = room.room_stream(meeting.pk)
    words = word_list_create(by=SYSTEM, organisation=None, name="会议待审词")
    word_entries_set(by=SYSTEM, word_list=words, entries=[("代开发票", "hold")])
    mark = head(stream)
    held = chat.chat_post(by=actor_of(author), meeting=meeting, text="谁要代开发票")
    assert held["status"] == "held" and events(stream, mark) == []
    assert line_in(room_state(actor=actor_of(author), meeting=meeting), held["id"]).status == "held"
    assert line_in(room_state(actor=actor_of(other), meeting=meeting), held["id"]) is None
    assert flag(client_for, other, f"meetings.chatmessage:{held['id']}").status_code == 404

    item = QueueItem.objects.get(object_id=held["id"], content_type__model="chatmessage")
    queue_approve(by=actor_of(live.secretary), item_id=item.pk)
    assert [e["type"] for e in events(stream, mark)] == ["meetings.chat.posted"]
    assert line_in(room_state(actor=actor_of(other), meeting=meeting), held["id"]).status == "published"


def test_a_moderators_flag_hides_at_once_and_approval_shows_the_line_again(actor_of, live):
    from moderation.services import flag_create

    meeting, author, other = live.meeting, live.full[0], live.full[1]
    stream = room.room_stream(meeting.pk)
    line = chat.chat_post(by=actor_of(author), meeting=meeting, text="散会后去打球")
    mark = head(stream)
    flag_create(by=actor_of(live.secretary), ref=f"meetings.chatmessage:{line['id']}", reason="off_topic")
    assert line_in(room_state(actor=actor_of(author), meeting=meeting), line["id"]).status == "hidden"
    item = QueueItem.objects.get(object_id=line["id"], content_type__model="chatmessage")
    queue_approve(by=actor_of(live.secretary), item_id=item.pk)
    assert [e["type"] for e in events(stream, mark)] == ["meetings.chat.hidden", "meetings.chat.posted"]
    assert line_in(room_state(actor=actor_of(other), meeting=meeting), line["id"]).status == "published"


def test_rejecting_a_line_the_room_still_shows_takes_it_away(actor_of, client_for, live):
    meeting, author, other = live.meeting, live.full[0], live.full[1]
    stream = room.room_stream(meeting.pk)
    line = chat.chat_post(by=actor_of(author), meeting=meeting, text="这个链接能赚钱")
    assert flag(client_for, other, f"meetings.chatmessage:{line['id']}", reason="spam").status_code == 201
    mark = head(stream)  # one flag of two: still shown
    item = QueueItem.objects.get(object_id=line["id"], content_type__model="chatmessage")
    queue_reject(by=actor_of(live.secretary), item_id=item.pk, reason="广告")
    assert events(stream, mark) == [{"type": "meetings.chat.hidden", "id": line["id"]}]
    assert line_in(room_state(actor=actor_of(other), meeting=meeting), line["id"]) is None
    assert line_in(room_state(actor=actor_of(author), meeting=meeting), line["id"]).reason == "广告"
