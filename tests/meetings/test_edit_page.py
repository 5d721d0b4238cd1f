"""The host's edit page, and the pages' ways to the statistics and to live notices."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from meetings import services
from meetings.models import MeetingKind
from members.models import RoleKind
from realtime.models import StreamEvent
from realtime.streams import user_stream

pytestmark = pytest.mark.django_db


def local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def kinds(member_id: int) -> list[str]:
    rows = StreamEvent.objects.filter(stream=user_stream(member_id)).order_by("seq")
    return [e.payload["type"] for e in rows]


def test_host_edits_time_agenda_cohosts_and_invitees_from_the_page(org_tree, member_factory, actor_of, client_for):
    secretary = member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.branch_a)])
    member, cohost, newcomer = (member_factory(org_tree.branch_a) for _ in range(3))
    start = (timezone.now() + dt.timedelta(days=3)).replace(second=0, microsecond=0)
    meeting = services.meeting_schedule(
        by=actor_of(secretary), organisation=org_tree.branch_a, kind=MeetingKind.BRANCH_COMMITTEE,
        title="支委会", starts_at=start, ends_at=start + dt.timedelta(hours=1), invitees=[member, cohost],
    )  # fmt: skip
    url = f"/meetings/{meeting.pk}/edit/"
    assert client_for(member).get(url).status_code == 403
    page = client_for(secretary).get(url).content.decode()
    assert f'value="{local(start)}"' in page  # the datetime-local control can show it
    assert newcomer.real_name in page and org_tree.branch_b.name not in page

    form = {
        "title": "支委会",
        "starts_at": local(start),
        "ends_at": local(start + dt.timedelta(hours=1)),
        "agenda": "",
        "cohosts": [cohost.pk],
        "invitees": [member.pk, newcomer.pk],
    }
    response = client_for(secretary).post(url, form)
    assert response.status_code == 302 and response["Location"] == f"/meetings/{meeting.pk}/"
    meeting.refresh_from_db()
    assert list(meeting.cohosts.all()) == [cohost]
    # The co-host stays invited although unticked; the newcomer is invited and told.
    invited = set(meeting.invitations.values_list("member_id", flat=True))
    assert invited == {secretary.pk, member.pk, cohost.pk, newcomer.pk}
    assert kinds(newcomer.pk) == ["meetings.meeting.invited"]
    assert "meetings.meeting.changed" not in kinds(member.pk)  # nothing about the time changed

    later = start + dt.timedelta(days=1)
    moved = {"starts_at": local(later), "ends_at": local(later + dt.timedelta(hours=2)), "agenda": "学习\n表决"}
    client_for(cohost).post(url, {**form, **moved})
    meeting.refresh_from_db()
    assert (meeting.starts_at, meeting.agenda) == (later, ["学习", "表决"])
    assert kinds(member.pk)[-1] == "meetings.meeting.changed"
    detail = client_for(member).get(f"/meetings/{meeting.pk}/").content.decode()
    assert cohost.real_name in detail and url not in detail  # members see the co-host, not the edit link

    bad = client_for(secretary).post(url, {**form, "ends_at": local(start - dt.timedelta(hours=1))})
    assert bad.status_code == 200 and "会议结束时间必须晚于开始时间" in bad.content.decode()
    meeting.refresh_from_db()
    assert meeting.starts_at == later


def test_calendar_links_secretaries_to_statistics_and_carries_live_notices(org_tree, member_factory, client_for):
    secretary = member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.branch_a)])
    member = member_factory(org_tree.branch_a)
    stats_url = f"/meetings/stats/{org_tree.branch_a.pk}/"
    assert stats_url in client_for(secretary).get("/meetings/").content.decode()
    page = client_for(member).get("/meetings/").content.decode()
    assert stats_url not in page
    assert 'id="meeting-notices"' in page and "meetings/notices.js" in page
    home = client_for(member).get("/").content.decode()
    assert 'id="meeting-notices"' in home and "meetings/notices.js" in home
