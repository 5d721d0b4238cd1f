from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from forum import services
from forum.errors import AttachmentRefused, AttachmentTooLarge
from kernel import files

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"1 0 obj\n" * 8
HTML = b"<html><script>alert(1)</script></html>"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 16, "image/jpeg"),
        (b"GIF89a" + b"\x00" * 16, "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (PDF, "application/pdf"),
        (HTML, None),
        (b"MZ\x90\x00" + b"\x00" * 16, None),
    ],
)
def test_sniffing_reads_the_bytes(head, expected):
    sniffed = files.sniff(head[: files.SNIFF_BYTES])
    assert (sniffed.content_type if sniffed else None) == expected


def test_a_lying_extension_is_refused_and_the_name_does_not_decide_the_type(forum, actors):
    with pytest.raises(AttachmentRefused) as refused:
        services.attachment_upload(by=actors["alice"], name="photo.png", stream=io.BytesIO(HTML))
    assert refused.value.code == "attachment_refused"
    stored = services.attachment_upload(by=actors["alice"], name="report.html", stream=io.BytesIO(PDF))
    assert stored.content_type == "application/pdf" and stored.filename == "report.pdf"
    assert not stored.file.name.startswith("report")  # random storage name


def test_size_limit(forum, actors, settings):
    settings.FORUM_MAX_ATTACHMENT_BYTES = 50
    with pytest.raises(AttachmentTooLarge):
        services.attachment_upload(by=actors["alice"], name="big.png", stream=io.BytesIO(PNG + b"\x00" * 100))


def test_attachment_is_served_safely_and_only_to_readers(forum, actors, client_for):
    pdf = services.attachment_upload(by=actors["alice"], name='学习 资料".pdf', stream=io.BytesIO(PDF))
    image = services.attachment_upload(by=actors["alice"], name="合影.png", stream=io.BytesIO(PNG))
    # Before it is posted only the uploader can fetch it.
    assert client_for(forum.bob).get(f"/forum/files/{pdf.pk}/").status_code == 404
    post = services.thread_create(
        by=actors["alice"], board_id=forum.board.pk, title="资料", source="见附件", attachment_ids=[pdf.pk, image.pk]
    )
    response = client_for(forum.bob).get(f"/forum/files/{pdf.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"file.pdf\"; filename*=UTF-8''%E5%AD%A6%E4%B9%A0%20%E8%B5%84%E6%96%99.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == PDF
    shown = client_for(forum.bob).get(f"/forum/files/{image.pk}/")
    assert shown["Content-Type"] == "image/png" and shown["Content-Disposition"].startswith("inline;")
    assert client_for(forum.carol).get(f"/forum/files/{pdf.pk}/").status_code == 403
    services.post_delete(by=actors["alice"], post_id=post.pk)
    assert client_for(forum.bob).get(f"/forum/files/{pdf.pk}/").status_code == 404


def test_api_upload_and_attach(forum, client_for):
    alice = client_for(forum.alice)
    upload = alice.post("/api/forum/attachments", {"file": SimpleUploadedFile("x.jpg", HTML, "image/jpeg")})
    assert upload.status_code == 400 and upload.json()["code"] == "attachment_refused"
    upload = alice.post("/api/forum/attachments", {"file": SimpleUploadedFile("x.png", PNG, "text/html")})
    assert upload.status_code == 201 and upload.json()["content_type"] == "image/png"
    attachment_id = upload.json()["id"]
    created = alice.post(
        f"/api/forum/boards/{forum.board.pk}/threads",
        data={"title": "图", "text": "看图", "attachments": [attachment_id]},
        content_type="application/json",
    )
    assert created.json()["post"]["attachments"][0]["id"] == attachment_id
    # An attachment cannot be claimed twice or by someone else.
    again = client_for(forum.bob).post(
        f"/api/forum/threads/{created.json()['thread']['id']}/posts",
        data={"text": "偷图", "attachments": [attachment_id]},
        content_type="application/json",
    )
    assert again.status_code == 400
