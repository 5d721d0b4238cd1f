"""Notices: publishing to a subtree or named members, read tracking with access, confirmation,
the publisher's live counts, reminders."""

from __future__ import annotations

import io

import pytest
from django.test import override_settings

from branch import selectors, services
from branch.models import Notice, NoticeFile, NoticeReceipt
from forum.errors import AttachmentRefused
from kernel.errors import Forbidden, NotFound, RateLimited
from moderation.models import ArchiveRecord
from moderation.pipeline import ContentBlocked
from realtime.streams import user_stream
from tests.branch.events import events

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _publish(b, as_actor, **kw):  # type: ignore[no-untyped-def]
    args = {
        "title": "关于开展主题党日活动的通知",
        "body": "请各位党员本周五下午准时参加。",
        "requires_confirmation": True,
    }
    return services.notice_publish(by=as_actor(b.secretary), organisation_id=b.tree.branch_a.pk, **{**args, **kw})


def test_a_notice_reaches_the_subtree_live_and_nobody_else(branch, as_actor) -> None:  # type: ignore[no-untyped-def]
    notice = _publish(branch, as_actor)
    recipients = set(NoticeReceipt.objects.filter(notice=notice).values_list("member_id", flat=True))
    subtree = {
        m.pk for m in (*branch.members, branch.probationary, branch.activist, branch.organiser, branch.publicity)
    }
    assert recipients == subtree  # the publisher is not a recipient; branch B and the committee are not
    event = events(user_stream(branch.members[0].pk), "branch.notice.published")[-1]
    assert event["notice"] == notice.pk and event["requires_confirmation"] is True
    assert not events(user_stream(branch.outsider.pk))
    assert ArchiveRecord.objects.filter(kind="branch.notice.published", content_ref=f"notice:{notice.pk}").exists()
    with pytest.raises(NotFound):
        selectors.notice_get_for(actor=as_actor(branch.outsider), notice_id=notice.pk)
    # The committee's secretary may publish there, so may follow it.
    assert selectors.notice_get_for(actor=as_actor(branch.committee_secretary), notice_id=notice.pk) == notice


def test_only_secretaries_and_publicity_members_publish(branch, as_actor) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Forbidden):
        services.notice_publish(by=as_actor(branch.organiser), organisation_id=branch.tree.branch_a.pk,
                                title="t", body="b")  # fmt: skip
    with pytest.raises(Forbidden):
        services.notice_publish(by=as_actor(branch.publicity), organisation_id=branch.tree.branch_b.pk,
                                title="t", body="b")  # fmt: skip
    notice = services.notice_publish(by=as_actor(branch.publicity), organisation_id=branch.tree.group_a1.pk,
                                     title="小组通知", body="内容")  # fmt: skip
    assert set(NoticeReceipt.objects.filter(notice=notice).values_list("member_id", flat=True)) == {
        branch.members[0].pk, branch.members[1].pk
    }  # fmt: skip


def test_named_members_only_within_the_organisation(branch, as_actor) -> None:  # type: ignore[no-untyped-def]
    notice = _publish(branch, as_actor, member_ids=[branch.members[0].pk])
    assert list(NoticeReceipt.objects.filter(notice=notice).values_list("member_id", flat=True)) == [
        branch.members[0].pk
    ]
    with pytest.raises(NotFound):
        selectors.notice_get_for(actor=as_actor(branch.members[1]), notice_id=notice.pk)
    count = Notice.objects.count()
    with pytest.raises(Exception) as caught:
        _publish(branch, as_actor, member_ids=[branch.members[0].pk, branch.outsider.pk])
    assert getattr(caught.value, "code", "") == "invalid" and Notice.objects.count() == count


def test_classified_text_or_file_name_is_stopped_and_nothing_stored(branch, as_actor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ContentBlocked):
        _publish(branch, as_actor, body="附件为机密★1年文件，请传阅。")
    with override_settings(MEDIA_ROOT=str(tmp_path)), pytest.raises(ContentBlocked):
        _publish(branch, as_actor, uploads=[("绝密★长期 会议纪要.pdf", io.BytesIO(PDF))])
    with override_settings(MEDIA_ROOT=str(tmp_path)), pytest.raises(AttachmentRefused):
        _publish(branch, as_actor, uploads=[("notes.pdf", io.BytesIO(b"MZ not a pdf at all"))])
    assert not Notice.objects.exists() and not NoticeFile.objects.exists() and not NoticeReceipt.objects.exists()


def test_attachments_typed_by_their_bytes_and_read_through_access(branch, as_actor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        notice = _publish(branch, as_actor, uploads=[("学习材料.txt", io.BytesIO(PDF))])
        item = NoticeFile.objects.get(notice=notice)
        assert (item.filename, item.content_type) == ("学习材料.pdf", "application/pdf")
        assert selectors.notice_file_for(actor=as_actor(branch.members[0]), notice_id=notice.pk, file_id=item.pk)
        with pytest.raises(NotFound):
            selectors.notice_file_for(actor=as_actor(branch.outsider), notice_id=notice.pk, file_id=item.pk)


def test_opening_marks_read_once_confirming_is_explicit_and_the_publisher_sees_counts(branch, as_actor) -> None:  # type: ignore[no-untyped-def]
    notice = _publish(branch, as_actor)
    reader = branch.members[0]
    assert selectors.unread_notice_count(member_id=reader.pk) == 1
    services.notice_read(by=as_actor(reader), notice_id=notice.pk)
    services.notice_read(by=as_actor(reader), notice_id=notice.pk)  # a second opening changes nothing
    receipt = NoticeReceipt.objects.get(notice=notice, member=reader)
    assert receipt.read_at is not None and receipt.confirmed_at is None
    receipts = events(notice.stream, "branch.notice.receipt")
    assert len(receipts) == 1
    assert receipts[0]["counts"] == {"total": 2, "read": 1, "confirmed": 0}  # the party group
    assert receipts[0]["totals"] == {"total": 7, "read": 1, "confirmed": 0}
    assert events(user_stream(reader.pk), "branch.notice.unread")[-1]["unread"] == 0

    services.notice_confirm(by=as_actor(branch.members[2]), notice_id=notice.pk)  # confirming reads too
    last = events(notice.stream, "branch.notice.receipt")[-1]
    assert last["totals"] == {"total": 7, "read": 2, "confirmed": 1} and last["member"] == branch.members[2].pk
    # The publisher opening it is not a read by a recipient.
    services.notice_read(by=as_actor(branch.secretary), notice_id=notice.pk)
    assert len(events(notice.stream, "branch.notice.receipt")) == 2

    _notice, groups = selectors.notice_receipts_by_organisation(actor=as_actor(branch.secretary), notice_id=notice.pk)
    assert [(g.organisation.name, g.read, g.confirmed, g.total) for g in groups] == [
        ("第一党支部", 1, 1, 5), ("第一党小组", 1, 0, 2)
    ]  # fmt: skip
    for who in (reader, branch.organiser):
        with pytest.raises(Forbidden):
            selectors.notice_receipts_by_organisation(actor=as_actor(who), notice_id=notice.pk)


def test_confirm_needs_a_notice_that_asks_for_it(branch, as_actor) -> None:  # type: ignore[no-untyped-def]
    notice = _publish(branch, as_actor, requires_confirmation=False)
    with pytest.raises(Exception) as caught:
        services.notice_confirm(by=as_actor(branch.members[0]), notice_id=notice.pk)
    assert getattr(caught.value, "code", "") == "conflict"


def test_unread_first_then_newest(branch, as_actor) -> None:  # type: ignore[no-untyped-def]
    first = _publish(branch, as_actor, title="第一则")
    second = _publish(branch, as_actor, title="第二则")
    third = _publish(branch, as_actor, title="第三则")
    me = as_actor(branch.members[0])
    services.notice_read(by=me, notice_id=third.pk)
    assert [r.notice_id for r in selectors.notices_for(actor=me)] == [second.pk, first.pk, third.pk]


def test_reminder_goes_to_those_who_have_not_confirmed(branch, as_actor) -> None:  # type: ignore[no-untyped-def]
    notice = _publish(branch, as_actor)
    services.notice_confirm(by=as_actor(branch.members[0]), notice_id=notice.pk)
    services.notice_read(by=as_actor(branch.members[1]), notice_id=notice.pk)
    assert services.notice_remind(by=as_actor(branch.secretary), notice_id=notice.pk) == 6
    assert events(user_stream(branch.members[1].pk), "branch.notice.reminder")
    assert not events(user_stream(branch.members[0].pk), "branch.notice.reminder")
    with pytest.raises(RateLimited):
        services.notice_remind(by=as_actor(branch.secretary), notice_id=notice.pk)
    with pytest.raises(Forbidden):
        services.notice_remind(by=as_actor(branch.members[0]), notice_id=notice.pk)
