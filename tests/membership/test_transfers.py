"""Transfers of organisational relationship (组织关系转接) and migrant members (流动党员)."""

from __future__ import annotations

import datetime as dt

import pytest

from kernel.errors import Forbidden, Invalid, NotFound
from members.models import Member, Role, RoleKind
from membership import errors, rules, selectors, services
from membership.models import MemberRecord, MigrantRegistration, Transfer, TransferStatus
from moderation.models import ArchiveRecord
from realtime.models import StreamEvent

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 3)


@pytest.fixture
def sides(org_tree, member_factory):
    mover = member_factory(org_tree.group_a1, real_name="钱迁移", roles=[(RoleKind.PUBLICITY, org_tree.branch_a)])
    sender = member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.branch_a)])
    receiver = member_factory(org_tree.branch_b, roles=[(RoleKind.SECRETARY, org_tree.branch_b)])
    return mover, sender, receiver


def test_a_transfer_moves_the_member_when_the_receiving_side_accepts(org_tree, sides, actor_of, on_day):
    on_day(TODAY)
    mover, sender, receiver = sides
    transfer = services.transfer_request(by=actor_of(mover), member=mover, to_org=org_tree.branch_b, reason="工作调动")
    with pytest.raises(NotFound):  # the receiving side sees no record before it accepts
        selectors.member_get_for(actor=actor_of(receiver), member_id=mover.pk)
    with pytest.raises(errors.TransferClosed):  # the sending side approves first
        services.transfer_accept(by=actor_of(receiver), transfer=transfer)
    with pytest.raises(Forbidden):
        services.transfer_approve(by=actor_of(receiver), transfer=transfer)
    transfer = services.transfer_approve(by=actor_of(sender), transfer=transfer)
    assert transfer.status == TransferStatus.APPROVED
    assert len(transfer.code) == 10 and transfer.valid_until == TODAY + dt.timedelta(days=rules.LETTER_VALID_DAYS)
    assert Member.objects.get(pk=mover.pk).organisation_id == org_tree.group_a1.pk  # not yet moved
    services.transfer_accept(by=actor_of(receiver), transfer=transfer)
    moved = Member.objects.get(pk=mover.pk)
    assert moved.organisation_id == org_tree.branch_b.pk
    assert not Role.objects.filter(member=mover).exists()  # the role held at the old branch ended
    assert MemberRecord.objects.get(member=mover).transferred_in_on == TODAY
    assert selectors.member_get_for(actor=actor_of(receiver), member_id=mover.pk) == moved
    with pytest.raises(NotFound):  # and the old branch no longer does
        selectors.member_get_for(actor=actor_of(sender), member_id=mover.pk)
    steps = [r.payload["step"] for r in ArchiveRecord.objects.filter(kind="membership.transfer").order_by("seq")]
    assert steps == ["requested", "approved", "accepted"]
    assert (
        StreamEvent.objects.filter(stream=f"user:{mover.pk}", payload__type="membership.transfer.changed").count() == 3
    )


def test_an_expired_or_refused_transfer_leaves_the_member_where_they_were(org_tree, sides, actor_of, on_day):
    on_day(TODAY)
    mover, sender, receiver = sides
    transfer = services.transfer_request(by=actor_of(sender), member=mover, to_org=org_tree.branch_b)
    with pytest.raises(errors.StepOutOfOrder):  # one transfer at a time
        services.transfer_request(by=actor_of(mover), member=mover, to_org=org_tree.branch_b)
    services.transfer_approve(by=actor_of(sender), transfer=transfer)
    on_day(TODAY + dt.timedelta(days=rules.LETTER_VALID_DAYS + 1))
    with pytest.raises(errors.TransferExpired):
        services.transfer_accept(by=actor_of(receiver), transfer=transfer)
    assert Transfer.objects.get(pk=transfer.pk).status == TransferStatus.EXPIRED  # kept although the step failed
    assert Member.objects.get(pk=mover.pk).organisation_id == org_tree.group_a1.pk

    second = services.transfer_request(by=actor_of(mover), member=mover, to_org=org_tree.branch_b)
    with pytest.raises(errors.ReasonRequired):
        services.transfer_refuse(by=actor_of(sender), transfer=second, reason="")
    services.transfer_refuse(by=actor_of(sender), transfer=second, reason="手续不全")
    assert Member.objects.get(pk=mover.pk).organisation_id == org_tree.group_a1.pk
    assert Role.objects.filter(member=mover).exists()


def test_a_transfer_out_of_the_installation_produces_the_letter_only(org_tree, sides, actor_of, on_day):
    on_day(TODAY)
    mover, sender, _receiver = sides
    with pytest.raises(Invalid):
        services.transfer_request(by=actor_of(mover), member=mover)
    transfer = services.transfer_request(by=actor_of(mover), member=mover, destination="某市某街道党工委")
    transfer = services.transfer_approve(by=actor_of(sender), transfer=transfer)
    assert transfer.status == TransferStatus.LETTER
    check = selectors.letter_verify(transfer.code.lower())
    assert check is not None and check.valid and check.name == "钱**" and check.destination == "某市某街道党工委"
    assert selectors.letter_verify("ZZZZZZZZZZ") is None
    assert MemberRecord.objects.get(member=mover).transferred_out_on == TODAY


def test_only_the_member_or_their_managers_request_a_transfer(org_tree, sides, actor_of, member_factory):
    mover, _sender, receiver = sides
    neighbour = member_factory(org_tree.branch_a)
    for who in (neighbour, receiver):
        with pytest.raises(Forbidden):
            services.transfer_request(by=actor_of(who), member=mover, to_org=org_tree.branch_b)
    with pytest.raises(Invalid):  # into a committee: members belong to branches and groups
        services.transfer_request(by=actor_of(mover), member=mover, to_org=org_tree.committee)


def test_a_migrant_member_is_a_guest_of_the_destination_and_reported_home(
    org_tree, sides, actor_of, on_day, member_factory
):
    from django.utils import timezone

    from meetings import lifecycle, lobby
    from meetings import services as meeting_services
    from meetings.models import MeetingKind

    on_day(TODAY)
    mover, sender, receiver = sides
    services.migrant_register(by=actor_of(mover), member=mover, location="广东省深圳市", since=dt.date(2026, 3, 1),
                              destination=org_tree.branch_b)  # fmt: skip
    assert Member.objects.get(pk=mover.pk).is_migrant
    assert [g.member for g in selectors.guests_of(actor=actor_of(receiver), organisation=org_tree.branch_b)] == [mover]
    start = timezone.now()
    meeting = meeting_services.meeting_schedule(
        by=actor_of(receiver), organisation=org_tree.branch_b, kind=MeetingKind.ORG_LIFE,
        title="组织生活会", starts_at=start, ends_at=start + dt.timedelta(hours=1),
    )  # fmt: skip
    assert services.migrants_invite(by=actor_of(receiver), meeting=meeting) == [mover.pk]
    assert meeting.invitations.filter(member=mover).exists()
    assert Member.objects.get(pk=mover.pk).organisation_id == org_tree.group_a1.pk  # membership stays at home
    lifecycle.meeting_start(by=actor_of(receiver), meeting=meeting)
    lobby.room_enter(by=actor_of(mover), meeting=meeting)
    meeting_services.attendance_join(meeting=meeting, member_id=mover.pk)
    report = selectors.migrants_of(actor=actor_of(sender), organisation=org_tree.branch_a)
    assert [(row.member, [(m.pk, went) for m, went in row.meetings]) for row in report] == [
        (mover, [(meeting.pk, True)])
    ]
    with pytest.raises(Forbidden):
        selectors.migrants_of(actor=actor_of(receiver), organisation=org_tree.branch_a)
    services.migrant_return(by=actor_of(mover), member=mover)
    assert not Member.objects.get(pk=mover.pk).is_migrant


MARKED = "机密★1年"


def test_marked_transfer_texts_and_migrant_locations_are_refused_and_nothing_is_stored(
    org_tree, sides, actor_of, on_day
):
    from moderation.pipeline import ContentBlocked

    on_day(TODAY)
    mover, sender, _receiver = sides
    with pytest.raises(ContentBlocked):
        services.transfer_request(by=actor_of(mover), member=mover, destination=f"北京市 {MARKED}")
    with pytest.raises(ContentBlocked):
        services.transfer_request(by=actor_of(mover), member=mover, to_org=org_tree.branch_b, reason=MARKED)
    assert not Transfer.objects.filter(member=mover).exists()
    transfer = services.transfer_request(by=actor_of(mover), member=mover, to_org=org_tree.branch_b, reason="工作调动")
    with pytest.raises(ContentBlocked):
        services.transfer_refuse(by=actor_of(sender), transfer=transfer, reason=MARKED)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.REQUESTED and transfer.refusal_reason == ""
    with pytest.raises(ContentBlocked):
        services.migrant_register(by=actor_of(mover), member=mover, location=MARKED, since=dt.date(2026, 3, 1))
    moved = Member.objects.get(pk=mover.pk)
    assert not moved.is_migrant and moved.current_location == ""
    assert not MigrantRegistration.objects.filter(member=mover).exists()
    assert ArchiveRecord.objects.filter(kind="content.classified_blocked").count() == 4
