"""The guard inside documents: a PDF whose text carries a classification marking is refused on
every upload path, naming the page, and nothing of it is kept; an ordinary PDF is stored."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest

from members.access import Actor
from members.models import Member, RoleKind
from moderation.models import ArchiveRecord
from moderation.pipeline import ContentBlocked
from tests.conftest import MemberFactory, OrgTree


def text_pdf(pages: list[str]) -> bytes:
    """A real PDF whose pages carry ``pages`` as text (an Adobe-GB1 CID font, not embedded)."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    descriptor = add(b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] "
                     b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>")  # fmt: skip
    cid = add(b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) "
              b"/Ordering (GB1) /Supplement 4 >> /FontDescriptor %d 0 R /DW 1000 >>" % descriptor)  # fmt: skip
    font = add(b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
               b"/DescendantFonts [%d 0 R] >>" % cid)  # fmt: skip
    pages_id = len(objects) + 1 + 2 * len(pages)
    kids = []
    for text in pages:
        stream = b"BT /F1 24 Tf 72 720 Td <" + text.encode("utf-16-be").hex().upper().encode() + b"> Tj ET"
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 %d 0 R "
                        b">> >> /Contents %d 0 R >>" % (pages_id, font, content)))  # fmt: skip
    add(b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids) + b"] /Count %d >>" % len(kids))
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref)
    return bytes(out)


MARKED = text_pdf(["支部学习材料", "会议纪要 机密★1年 不得外传"])
PLAIN = text_pdf(["支部学习材料", "第二页"])


def _refused_on_page_two(upload: Callable[[bytes], object]) -> None:
    before = ArchiveRecord.objects.filter(kind="content.classified_blocked").count()
    with pytest.raises(ContentBlocked) as refused:
        upload(MARKED)
    assert refused.value.details["page"] == 2 and "第 2 页" in str(refused.value.message)
    assert ArchiveRecord.objects.filter(kind="content.classified_blocked").count() == before + 1
    upload(PLAIN)


@pytest.mark.django_db
def test_forum_attachment(
    org_tree: OrgTree, member_factory: MemberFactory, actor_of: Callable[[Member], Actor]
) -> None:
    from forum import services
    from forum.models import Attachment

    by = actor_of(member_factory(org_tree.group_a1))
    _refused_on_page_two(lambda data: services.attachment_upload(by=by, name="材料.pdf", stream=io.BytesIO(data)))
    assert [a.filename for a in Attachment.objects.all()] == ["材料.pdf"]


@pytest.mark.django_db
def test_meeting_attachment_and_slide_deck(
    org_tree: OrgTree,
    member_factory: MemberFactory,
    actor_of: Callable[[Member], Actor],
    settings,  # type: ignore[no-untyped-def]
) -> None:
    import datetime as dt

    from django.utils import timezone

    from lessons import slides
    from lessons.models import SlideDeck
    from meetings import attachments, services
    from meetings.models import MeetingAttachment

    settings.MEETING_ATTACHMENT_RATE = (100.0, 100)
    secretary = member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.branch_a),
                                                          (RoleKind.LECTURER, org_tree.branch_a)])  # fmt: skip
    by = actor_of(secretary)
    start = timezone.now() + dt.timedelta(hours=1)
    meeting = services.meeting_schedule(by=by, organisation=org_tree.branch_a, kind="lesson", title="党课",
                                        starts_at=start, ends_at=start + dt.timedelta(hours=1))  # fmt: skip
    _refused_on_page_two(
        lambda data: attachments.attachment_upload(by=by, meeting=meeting, name="材料.pdf", stream=io.BytesIO(data))
    )
    assert MeetingAttachment.objects.count() == 1
    _refused_on_page_two(
        lambda data: slides.deck_upload(by=by, meeting=meeting, name="讲稿.pdf", stream=io.BytesIO(data))
    )
    assert SlideDeck.objects.count() == 1


@pytest.mark.django_db
def test_mailbox_attachments_of_writings_and_reports(
    org_tree: OrgTree,
    member_factory: MemberFactory,
    actor_of: Callable[[Member], Actor],
    settings,  # type: ignore[no-untyped-def]
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    from mailboxes import services
    from mailboxes.models import MailboxFile, Tip, Writing

    settings.MEDIA_ROOT = str(tmp_path)
    by = actor_of(member_factory(org_tree.group_a1))
    draft = services.writing_create(by=by, title="思想汇报", text="本季度的学习").pk
    _refused_on_page_two(
        lambda data: services.writing_attach(by=by, writing_id=draft, uploads=[("材料.pdf", io.BytesIO(data))])
    )
    with pytest.raises(ContentBlocked):  # a new report with a marked file is not made at all
        services.writing_create(by=by, title="另一份", text="正文", uploads=[("材料.pdf", io.BytesIO(MARKED))])
    _refused_on_page_two(
        lambda data: services.tip_file(
            by=by,
            organisation_id=org_tree.committee.pk,
            subject="反映问题",
            text="情况如下",
            uploads=[("材料.pdf", io.BytesIO(data))],
        )  # fmt: skip
    )
    assert (Writing.objects.count(), Tip.objects.count()) == (1, 1)
    assert [f.name for f in MailboxFile.objects.all()] == ["材料.pdf", "材料.pdf"]


@pytest.mark.django_db
def test_notice_files_and_course_documents(
    org_tree: OrgTree,
    member_factory: MemberFactory,
    actor_of: Callable[[Member], Actor],
    settings,  # type: ignore[no-untyped-def]
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    from branch import services
    from branch.models import Notice, NoticeFile
    from lessons import courses
    from lessons.models import CourseItem

    settings.MEDIA_ROOT = str(tmp_path)
    secretary = member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.branch_a),
                                                          (RoleKind.LECTURER, org_tree.branch_a)])  # fmt: skip
    by = actor_of(secretary)
    _refused_on_page_two(
        lambda data: services.notice_publish(
            by=by,
            organisation_id=org_tree.branch_a.pk,
            title="学习通知",
            body="请学习附件。",
            uploads=[("材料.pdf", io.BytesIO(data))],
        )  # fmt: skip
    )
    assert [f.filename for f in NoticeFile.objects.all()] == ["材料.pdf"] and Notice.objects.count() == 1
    course = courses.course_create(by=by, organisation_id=org_tree.branch_a.pk, title="党史专题")
    _refused_on_page_two(
        lambda data: courses.course_add_document(
            by=by, course_id=course.pk, title="", name="材料.pdf", stream=io.BytesIO(data)
        )  # fmt: skip
    )
    assert [item.filename for item in CourseItem.objects.all()] == ["材料.pdf"]
