# ruff: noqa: F811 - test arguments name the fixture imported from tests/lessons/lesson_data.py
"""Meeting attachments: hosts attach files (typed by their bytes), invitees download them through
the access policy with safe headers, and the minutes name them."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from kernel.errors import Conflict, DomainError, Forbidden, NotFound
from meetings import attachments, lifecycle, services
from meetings.models import MeetingAttachment
from moderation.pipeline import ContentBlocked
from realtime.models import StreamEvent
from tests.lessons.lesson_data import fresh_rate_limits, pdf_bytes
from tests.meetings.conftest import Branch

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    fresh_rate_limits(settings)
    return settings.MEDIA_ROOT


def png_bytes(size: tuple[int, int] = (40, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 40)).save(out, format="PNG")
    return out.getvalue()


HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"


def named(data: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def upload(actor, meeting, data: bytes, name: str) -> MeetingAttachment:  # type: ignore[no-untyped-def]
    return attachments.attachment_upload(by=actor, meeting=meeting, name=name, stream=io.BytesIO(data), size=len(data))


def changed_notices(member_id: int) -> int:
    return StreamEvent.objects.filter(stream=f"user:{member_id}", payload__type="meetings.meeting.changed").count()


def errors_on(response: Any) -> list[str]:
    return re.findall(r'<li class="error">(.*?)</li>', response.content.decode())


def body_of(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else bytes(response.content)


# --- Services -------------------------------------------------------------------------------------


def test_hosts_attach_files_typed_by_their_bytes_and_invitees_hear_of_it(actor_of, branch_meeting: Branch):
    meeting, host = branch_meeting.meeting, actor_of(branch_meeting.secretary)
    member = branch_meeting.full[1]
    data = pdf_bytes()
    item = upload(host, meeting, data, "学习材料.pdf")
    assert (item.filename, item.content_type, item.size) == ("学习材料.pdf", "application/pdf", len(data))
    assert item.uploaded_by_id == branch_meeting.secretary.pk
    # Stored under a random name, never the one the client chose.
    assert item.file.name.startswith("meetings/") and "学习材料" not in item.file.name
    assert default_storage.open(item.file.name).read() == data
    assert changed_notices(member.pk) == 1

    # A name without an extension keeps all of itself and gets the one its bytes call for.
    assert upload(host, meeting, png_bytes(), "第1.2节 现场照片").filename == "第1.2节 现场照片.png"
    assert upload(host, meeting, png_bytes(), "C:\\Users\\书记\\合影.PNG").filename == "合影.png"

    # A co-host may attach too; a participant may not, and nothing is stored for them.
    cohost = branch_meeting.full[0]
    services.meeting_cohosts_set(by=host, meeting=meeting, members=[cohost])
    assert upload(actor_of(cohost), meeting, pdf_bytes(), "议程.pdf").uploaded_by_id == cohost.pk
    before = MeetingAttachment.objects.count()
    with pytest.raises(Forbidden):
        upload(actor_of(member), meeting, pdf_bytes(), "我的.pdf")
    assert MeetingAttachment.objects.count() == before
    assert [a.filename for a in attachments.attachments_of(meeting)] == [
        "学习材料.pdf", "第1.2节 现场照片.png", "合影.png", "议程.pdf",
    ]  # fmt: skip


def test_a_lying_extension_or_an_unknown_type_is_refused(actor_of, branch_meeting: Branch, media_root):
    meeting, host = branch_meeting.meeting, actor_of(branch_meeting.secretary)
    refusals = [
        (png_bytes(), "会议通知.pdf"),  # a picture calling itself a PDF
        (pdf_bytes(), "照片.jpg"),  # and the other way round
        (pdf_bytes(), "通知.html"),
        (HTML, "通知.pdf"),  # bytes of no allowed type, whatever the name
        (b"MZ\x90\x00" + b"\0" * 64, "setup.exe"),
    ]
    for data, name in refusals:
        with pytest.raises(DomainError) as refused:
            upload(host, meeting, data, name)
        assert refused.value.code == "attachment_refused", name
    with pytest.raises(DomainError) as lying:  # the message names both types
        upload(host, meeting, pdf_bytes(), "照片.jpg")
    assert ".jpg" in lying.value.message and ".pdf" in lying.value.message
    assert MeetingAttachment.objects.count() == 0
    assert not any(p.is_file() for p in media_root.rglob("*"))  # nothing written
    # The same picture under a true name (any spelling of its type) is welcome.
    assert upload(host, meeting, png_bytes(), "会议通知.png").content_type == "image/png"
    jpeg = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (8, 8)).save(jpeg, format="JPEG")
    assert upload(host, meeting, jpeg.getvalue(), "合影.JPEG").filename == "合影.jpg"


def test_the_forums_size_limit_applies(actor_of, branch_meeting: Branch, settings, media_root):
    meeting, host = branch_meeting.meeting, actor_of(branch_meeting.secretary)
    settings.FORUM_MAX_ATTACHMENT_BYTES = 2048
    big = png_bytes((400, 400)) + b"\0" * 4096
    with pytest.raises(DomainError) as declared:  # refused on the declared size, before reading
        upload(host, meeting, big, "大图.png")
    assert (declared.value.code, declared.value.status) == ("too_large", 413)
    with pytest.raises(DomainError) as counted:  # and on the bytes, whatever the client declared
        attachments.attachment_upload(by=host, meeting=meeting, name="大图.png", stream=io.BytesIO(big), size=None)
    assert counted.value.code == "too_large" and "2.0" in counted.value.message
    assert MeetingAttachment.objects.count() == 0
    assert upload(host, meeting, b"\x89PNG\r\n\x1a\n" + b"\0" * 2040, "小图.png").size == 2048


def test_a_classified_marking_in_the_name_is_stopped(actor_of, branch_meeting: Branch):
    meeting, host = branch_meeting.meeting, actor_of(branch_meeting.secretary)
    with pytest.raises(ContentBlocked):
        upload(host, meeting, pdf_bytes(), "机密★1年 干部考察材料.pdf")
    assert MeetingAttachment.objects.count() == 0


def test_hosts_delete_until_the_meeting_is_over(actor_of, branch_meeting: Branch, django_capture_on_commit_callbacks):
    meeting, host = branch_meeting.meeting, actor_of(branch_meeting.secretary)
    first = upload(host, meeting, pdf_bytes(), "草稿.pdf")
    kept = upload(host, meeting, pdf_bytes(), "定稿.pdf")
    with pytest.raises(Forbidden):
        attachments.attachment_delete(by=actor_of(branch_meeting.full[0]), meeting=meeting, attachment_id=first.pk)
    stored = first.file.name
    with django_capture_on_commit_callbacks(execute=True):
        attachments.attachment_delete(by=host, meeting=meeting, attachment_id=first.pk)
    assert not default_storage.exists(stored)
    assert [a.pk for a in attachments.attachments_of(meeting)] == [kept.pk]
    with pytest.raises(NotFound):
        attachments.attachment_delete(by=host, meeting=meeting, attachment_id=first.pk)

    lifecycle.meeting_end(by=host, meeting=meeting)
    with pytest.raises(Conflict):
        upload(host, meeting, pdf_bytes(), "会后.pdf")
    with pytest.raises(Conflict):
        attachments.attachment_delete(by=host, meeting=meeting, attachment_id=kept.pk)
    assert default_storage.exists(kept.file.name)


def test_the_minutes_name_the_attachments_and_the_archive_keeps_them(actor_of, branch_meeting: Branch):
    meeting, host = branch_meeting.meeting, actor_of(branch_meeting.secretary)
    data = pdf_bytes()
    item = upload(host, meeting, data, "支部工作报告.pdf")
    lifecycle.meeting_end(by=host, meeting=meeting)
    services.minutes_save(by=host, meeting=meeting, text="会议审议了支部工作报告。")
    minutes = services.minutes_finalise(by=host, meeting=meeting)
    assert minutes.document["attachments"] == [
        {"id": item.pk, "filename": "支部工作报告.pdf", "content_type": "application/pdf", "size": len(data)}
    ]
    from moderation.models import ArchiveRecord

    record = ArchiveRecord.objects.get(seq=minutes.archive_seq)
    assert "支部工作报告.pdf" in json.dumps(record.payload, ensure_ascii=False)


# --- JSON API -------------------------------------------------------------------------------------


def api_upload(client: Client, meeting_id: int, data: bytes, name: str) -> Any:
    return client.post(f"/api/meetings/{meeting_id}/attachments", {"file": named(data, name)})


def test_attachments_over_the_api(client_for, branch_meeting: Branch, settings):
    meeting_id = branch_meeting.meeting.pk
    host, member = client_for(branch_meeting.secretary), client_for(branch_meeting.full[1])
    outsider = client_for(branch_meeting.outsider)

    created = api_upload(host, meeting_id, png_bytes(), "现场.png")
    assert created.status_code == 201, created.content
    body = created.json()
    assert {k: body[k] for k in ("filename", "content_type", "uploaded_by")} == {
        "filename": "现场.png", "content_type": "image/png", "uploaded_by": branch_meeting.secretary.pk,
    }  # fmt: skip
    assert body["url"] == f"/meetings/{meeting_id}/attachments/{body['id']}/"
    assert [a["id"] for a in member.get(f"/api/meetings/{meeting_id}/attachments").json()] == [body["id"]]

    refused = api_upload(member, meeting_id, png_bytes(), "我的.png")
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    lying = api_upload(host, meeting_id, png_bytes(), "通知.pdf")
    assert (lying.status_code, lying.json()["code"]) == (400, "attachment_refused")
    settings.FORUM_MAX_ATTACHMENT_BYTES = 1024
    too_big = api_upload(host, meeting_id, pdf_bytes(), "报告.pdf")
    assert (too_big.status_code, too_big.json()["code"]) == (413, "too_large")
    outsiders_list = outsider.get(f"/api/meetings/{meeting_id}/attachments")
    assert (outsiders_list.status_code, outsiders_list.json()["code"]) == (403, "forbidden")

    url = f"/api/meetings/{meeting_id}/attachments/{body['id']}"
    assert member.delete(url).json()["code"] == "forbidden"
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(branch_meeting.secretary.user)
    assert strict.delete(url).json()["code"] == "csrf_failed"
    assert host.delete(url).json() == {"ok": True}
    assert host.get(f"/api/meetings/{meeting_id}/attachments").json() == []
    assert host.delete(url).status_code == 404


# --- Downloads and pages --------------------------------------------------------------------------


def test_downloads_go_through_the_access_policy_with_safe_headers(actor_of, client_for, branch_meeting: Branch):
    meeting, host = branch_meeting.meeting, actor_of(branch_meeting.secretary)
    picture, document = png_bytes(), pdf_bytes()
    image = upload(host, meeting, picture, "合影 (1).png")
    pdf = upload(host, meeting, document, '决议"草案".pdf')
    member = client_for(branch_meeting.full[2])

    shown = member.get(f"/meetings/{meeting.pk}/attachments/{image.pk}/")
    assert shown.status_code == 200 and body_of(shown) == picture
    assert shown["Content-Type"] == "image/png"
    utf8_name = "%E5%90%88%E5%BD%B1%20%281%29.png"  # 合影 (1).png
    assert shown["Content-Disposition"] == f"inline; filename=\"(1).png\"; filename*=UTF-8''{utf8_name}"
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert shown["Content-Security-Policy"] == "default-src 'none'; img-src 'self'; sandbox"

    saved = member.get(f"/meetings/{meeting.pk}/attachments/{pdf.pk}/")
    assert body_of(saved) == document and saved["Content-Type"] == "application/pdf"
    assert saved["Content-Disposition"].startswith("attachment; ")  # a PDF is saved, not rendered in our origin
    assert pdf.filename == "决议_草案.pdf"

    outsider = client_for(branch_meeting.outsider).get(f"/meetings/{meeting.pk}/attachments/{image.pk}/")
    assert outsider.status_code == 403 and picture not in body_of(outsider)
    assert Client().get(f"/meetings/{meeting.pk}/attachments/{image.pk}/").status_code == 302  # to the login

    # Another meeting's id does not reach this meeting's file, even for someone who sees both.
    other = services.meeting_schedule(
        by=host, organisation=meeting.organisation, kind="branch_committee", title="支委会",
        starts_at=meeting.starts_at, ends_at=meeting.ends_at,
    )  # fmt: skip
    assert client_for(branch_meeting.secretary).get(f"/meetings/{other.pk}/attachments/{image.pk}/").status_code == 404


def test_the_meeting_page_lists_attachments_and_hosts_upload_there(client_for, branch_meeting: Branch):
    meeting = branch_meeting.meeting
    host, member = client_for(branch_meeting.secretary), client_for(branch_meeting.full[0])
    page = f"/meetings/{meeting.pk}/"
    assert 'name="file"' in host.get(page).content.decode()
    assert 'id="attachments"' not in member.get(page).content.decode()  # nothing to show yet

    sent = host.post(page, {"action": "attach", "file": named(pdf_bytes(), "学习提纲.pdf")})
    assert sent.status_code == 302 and sent["Location"] == page
    item = MeetingAttachment.objects.get()
    host_view = host.get(page).content.decode()
    assert "学习提纲.pdf" in host_view and 'value="detach"' in host_view

    member_view = member.get(page).content.decode()
    assert f'href="/meetings/{meeting.pk}/attachments/{item.pk}/"' in member_view
    assert 'name="file"' not in member_view and 'value="detach"' not in member_view
    assert member.post(page, {"action": "attach", "file": named(pdf_bytes(), "我的.pdf")}).status_code == 302
    assert MeetingAttachment.objects.count() == 1

    # A lying file is refused with the reason shown, and nothing is kept.
    host.post(page, {"action": "attach", "file": named(png_bytes(), "通知.pdf")})
    assert errors_on(host.get(page)) == ["文件名以 .pdf 结尾，但文件实际是 .png 文件。请改名后重试。"]
    assert MeetingAttachment.objects.count() == 1
    host.post(page, {"action": "attach"})  # no file chosen
    assert errors_on(host.get(page)) == ["请选择要上传的文件。"]
    assert MeetingAttachment.objects.count() == 1

    host.post(page, {"action": "detach", "attachment": str(item.pk)})
    assert MeetingAttachment.objects.count() == 0


def test_the_minutes_page_names_the_attachments(actor_of, client_for, branch_meeting: Branch):
    meeting, host = branch_meeting.meeting, actor_of(branch_meeting.secretary)
    item = upload(host, meeting, pdf_bytes(), "述职报告.pdf")
    lifecycle.meeting_end(by=host, meeting=meeting)
    page = client_for(branch_meeting.full[0]).get(f"/meetings/{meeting.pk}/minutes/").content.decode()
    assert "述职报告.pdf" in page and f"/meetings/{meeting.pk}/attachments/{item.pk}/" in page
