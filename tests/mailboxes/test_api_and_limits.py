"""The rest of the mailboxes in the JSON API, and the rules every path shares: reviewers' lists,
drafts, files, the inspectors' list as an archived read, receipt-code limits per client."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mailboxes import access_log, services
from mailboxes.models import Tip, Writing
from moderation.models import ArchiveRecord
from moderation.pipeline import ContentBlocked
from realtime.models import StreamEvent

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_reviewers_list_filter_and_find_who_has_not_submitted_through_the_api(people, actor_of, client_for):
    year, quarter = services.current_period()
    services.writing_create(by=actor_of(people.alice), title="本季度汇报", text="内容", submit=True)
    services.writing_create(by=actor_of(people.bob), title="去年的汇报", text="内容", year=year - 1, submit=True)
    secretary = client_for(people.secretary)
    orgs = secretary.get("/api/mailbox/writings/review-organisations").json()
    assert [o["id"] for o in orgs] == [people.tree.branch_a.pk]
    branch = people.tree.branch_a.pk
    this_quarter = secretary.get(
        "/api/mailbox/writings/branch", {"organisation": branch, "year": year, "quarter": quarter}
    ).json()
    assert [w["title"] for w in this_quarter] == ["本季度汇报"]
    submitted = secretary.get("/api/mailbox/writings/branch", {"organisation": branch, "status": "submitted"}).json()
    assert {w["title"] for w in submitted} == {"本季度汇报", "去年的汇报"}
    assert secretary.get("/api/mailbox/writings/branch", {"organisation": branch, "status": "reviewed"}).json() == []
    missing = secretary.get("/api/mailbox/writings/missing", {"organisation": branch}).json()
    names = {m["real_name"] for m in missing}
    assert "李四" in names and "张三" not in names  # bob's report is for last year
    # Another branch's secretary and a plain member are refused.
    for outsider in (people.secretary_b, people.bob):
        refused = client_for(outsider).get("/api/mailbox/writings/branch", {"organisation": branch})
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
        assert client_for(outsider).get("/api/mailbox/writings/missing", {"organisation": branch}).status_code == 403


def test_a_draft_is_edited_and_given_files_until_it_is_submitted(people, client_for):
    alice = client_for(people.alice)
    draft = alice.post("/api/mailbox/writings", {"title": "草稿", "text": "初稿"}, content_type="application/json")
    writing_id = draft.json()["id"]
    edited = alice.patch(
        f"/api/mailbox/writings/{writing_id}", {"title": "定稿", "text": "改好的正文"}, content_type="application/json"
    )
    assert edited.status_code == 200 and edited.json()["title"] == "定稿"
    lying = alice.post(f"/api/mailbox/writings/{writing_id}/files", {"files": SimpleUploadedFile("a.png", b"<html>")})
    assert lying.status_code == 400 and lying.json()["code"] == "attachment_refused"
    attached = alice.post(f"/api/mailbox/writings/{writing_id}/files", {"files": SimpleUploadedFile("图.jpg", PNG)})
    assert attached.status_code == 201
    [item] = attached.json()["files"]
    assert item["name"] == "图.png" and item["content_type"] == "image/png"
    assert alice.get(item["url"]).status_code == 200
    assert (
        client_for(people.bob)
        .patch(f"/api/mailbox/writings/{writing_id}", {"title": "x", "text": "x"}, content_type="application/json")
        .status_code
        == 404
    )
    alice.post(f"/api/mailbox/writings/{writing_id}/submit")
    final = alice.patch(
        f"/api/mailbox/writings/{writing_id}", {"title": "再改", "text": "x"}, content_type="application/json"
    )
    assert final.status_code == 409
    assert Writing.objects.get(pk=writing_id).title == "定稿"


def test_a_refused_file_loses_nothing_and_leaves_no_half_made_draft(people, actor_of, client_for):
    with pytest.raises(Exception) as refused:
        services.writing_create(
            by=actor_of(people.alice), title="带坏附件", text="正文", uploads=[("x.pdf", io.BytesIO(b"MZ\x90\x00"))]
        )
    assert getattr(refused.value, "code", "") == "attachment_refused"
    assert not Writing.objects.exists()
    page = client_for(people.alice).post(
        "/mailbox/writings/",
        {"title": "网页草稿", "text": "我写的很长的正文", "year": 2026, "quarter": 1,
         "files": SimpleUploadedFile("x.png", b"<html>")},
    )  # fmt: skip
    html = page.content.decode()
    assert page.status_code == 200 and "我写的很长的正文" in html  # the form keeps what was typed
    assert not Writing.objects.exists()


def test_the_draft_edit_form_on_the_writing_page(people, actor_of, client_for):
    writing = services.writing_create(by=actor_of(people.alice), title="初稿标题", text="初稿")
    alice = client_for(people.alice)
    assert 'id="edit-writing"' in alice.get(f"/mailbox/writings/{writing.pk}/").content.decode()
    alice.post(f"/mailbox/writings/{writing.pk}/", {"action": "save", "title": "新标题", "text": "新正文"})
    writing.refresh_from_db()
    assert (writing.title, writing.text) == ("新标题", "新正文")
    services.writing_submit(by=actor_of(people.alice), writing_id=writing.pk)
    assert 'id="edit-writing"' not in alice.get(f"/mailbox/writings/{writing.pk}/").content.decode()


def test_the_writers_comment_reaches_the_reviewers_live(people, actor_of):
    alice = actor_of(people.alice)
    writing = services.writing_create(by=alice, title="汇报", text="内容", submit=True)
    services.writing_comment(by=actor_of(people.secretary), writing_id=writing.pk, text="请补充学习体会")
    services.writing_comment(by=alice, writing_id=writing.pk, text="已补充")
    told = StreamEvent.objects.filter(stream=f"user:{people.secretary.pk}", payload__type="mailbox.writing.comment")
    assert told.count() == 1 and told.get().payload["writing"] == writing.pk
    assert (
        StreamEvent.objects.filter(stream=f"user:{people.alice.pk}", payload__type="mailbox.writing.comment").count()
        == 1
    )


def test_a_classification_marking_in_a_file_name_is_stopped(people, actor_of):
    alice = actor_of(people.alice)
    with pytest.raises(ContentBlocked):
        services.writing_create(by=alice, title="汇报", text="内容", uploads=[("机密★1年 材料.png", io.BytesIO(PNG))])
    with pytest.raises(ContentBlocked):
        services.tip_file(
            by=alice,
            organisation_id=people.tree.branch_a.pk,
            subject="反映",
            text="内容",
            uploads=[("秘密★ 名单.pdf", io.BytesIO(b"%PDF-1.7\n"))],
        )
    assert not Writing.objects.exists() and not Tip.objects.exists()


def test_a_report_filed_over_the_api_keeps_its_files(people, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    filed = client_for(people.alice).post(
        "/api/mailbox/tips",
        {"organisation": people.tree.branch_a.pk, "subject": "反映问题", "text": "见附图",
         "files": [SimpleUploadedFile("现场.png", PNG), SimpleUploadedFile("补充.png", PNG)]},
    )  # fmt: skip
    assert filed.status_code == 201, filed.content
    tip = client_for(people.inspector).get(f"/api/mailbox/tips/{filed.json()['id']}").json()
    assert sorted(f["name"] for f in tip["files"]) == ["现场.png", "补充.png"]


def test_the_inspectors_list_is_a_read_recorded_in_the_archive_and_carries_no_text(people, actor_of, client_for):
    tip, _code = services.tip_file(
        by=actor_of(people.alice), organisation_id=people.tree.branch_a.pk, subject="反映问题", text="详细的内容"
    )
    listed = client_for(people.inspector).get("/api/mailbox/tips").json()
    assert listed == [
        {"id": tip.public_id, "organisation": people.tree.branch_a.name, "subject": "反映问题", "status": "received",
         "received_on": tip.received_on.isoformat(), "named": False}
    ]  # fmt: skip
    record = ArchiveRecord.objects.filter(kind=access_log.ACCESS_KIND, content_ref="mailbox.tips").get()
    assert record.actor_id == people.inspector.pk
    assert record.payload == {"action": "list", "reports": [tip.public_id]}
    page = client_for(people.inspector).get("/mailbox/tips/").content.decode()
    assert "反映问题" in page and "详细的内容" not in page
    assert ArchiveRecord.objects.filter(kind=access_log.ACCESS_KIND, content_ref="mailbox.tips").count() == 2
    # Nothing listed, nothing recorded: an inspector of branch B sees no report of branch A.
    assert client_for(people.inspector_b).get("/api/mailbox/tips").json() == []
    assert ArchiveRecord.objects.filter(content_ref="mailbox.tips", actor_id=people.inspector_b.pk).count() == 0


def test_receipt_code_attempts_are_limited_per_client_whatever_the_code(people, actor_of, settings):
    settings.MAILBOX_RECEIPT_CLIENT_RATE = (0.0001, 3)
    _tip, code = services.tip_file(
        by=actor_of(people.alice), organisation_id=people.tree.branch_a.pk, subject="反映", text="内容"
    )
    guesser = Client(REMOTE_ADDR="203.0.113.7")
    guesses = ["ABCD-EFGH-JKLM-NPQR-STUV", "BCDE-FGHJ-KLMN-PQRS-TUVW", "CDEF-GHJK-LMNP-QRST-UVWX"]
    for guess in guesses:
        answer = guesser.post("/api/mailbox/tips/follow-up", {"receipt_code": guess}, content_type="application/json")
        assert answer.status_code == 404
    limited = guesser.post("/api/mailbox/tips/follow-up", {"receipt_code": code}, content_type="application/json")
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    # Another client with the right code is not held back by the guesser.
    reporter = Client(REMOTE_ADDR="198.51.100.4")
    opened = reporter.post("/api/mailbox/tips/follow-up", {"receipt_code": code}, content_type="application/json")
    assert opened.status_code == 200 and opened.json()["status"] == "received"


def test_messages_and_comments_over_http_are_limited_like_socket_sends(people, actor_of, client_for, settings):
    settings.REALTIME_SEND_RATE = (0.0001, 3)
    alice = actor_of(people.alice)
    c = services.conversation_open(by=alice, other_id=people.bob.pk)
    client = client_for(people.alice)
    url = f"/api/mailbox/conversations/{c.pk}/messages"
    for i in range(3):
        assert client.post(url, {"text": f"第{i}条"}, content_type="application/json").status_code == 201
    limited = client.post(url, {"text": "刷屏"}, content_type="application/json")
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited" and limited["Retry-After"]
    page = client.post(f"/mailbox/c/{c.pk}/", {"text": "还在刷屏"})
    assert page.status_code == 429 and "还在刷屏</textarea>" in page.content.decode()  # the draft is kept
    texts = StreamEvent.objects.filter(stream=c.stream, payload__type="mailbox.message.sent").values_list(
        "payload__text", flat=True
    )
    assert list(texts) == ["第0条", "第1条", "第2条"]
    # Writing comments and new writings (each notifies the reviewers) draw on the same bucket.
    bob, json = client_for(people.bob), "application/json"
    writings = [
        bob.post("/api/mailbox/writings", {"title": f"汇报{i}", "text": "内容", "submit": True}, content_type=json)
        for i in range(3)
    ]
    assert [w.status_code for w in writings] == [201, 201, 201]
    first = writings[0].json()["id"]
    comment = bob.post(f"/api/mailbox/writings/{first}/comments", {"text": "补充"}, content_type=json)
    assert comment.status_code == 429
    assert Writing.objects.filter(author=people.bob).count() == 3


def test_mailbox_pages_show_the_unread_badge(people, actor_of, client_for):
    c = services.conversation_open(by=actor_of(people.alice), other_id=people.secretary.pk)
    services.message_send(by=actor_of(people.alice), conversation_id=c.pk, text="书记好")
    page = client_for(people.secretary).get("/mailbox/writings/").content.decode()
    assert 'id="mailbox-badge"' in page and ">1</span>" in page.split('id="mailbox-badge"', 1)[1][:120]
    client_for(people.secretary).get(f"/mailbox/c/{c.pk}/")
    after = client_for(people.secretary).get("/mailbox/writings/").content.decode()
    assert " hidden>0</span>" in after.split('id="mailbox-badge"', 1)[1][:120]


def test_refused_comments_replies_and_follow_ups_come_back_with_what_was_typed(people, actor_of, client_for):
    writing = services.writing_create(by=actor_of(people.alice), title="汇报", text="内容", submit=True)
    refused = client_for(people.secretary).post(
        f"/mailbox/writings/{writing.pk}/", {"action": "comment", "text": "评语里写了 秘密★ 字样"}
    )
    assert refused.status_code == 422 and "评语里写了 秘密★ 字样</textarea>" in refused.content.decode()
    tip, code = services.tip_file(
        by=actor_of(people.alice), organisation_id=people.tree.branch_a.pk, subject="反映", text="内容"
    )
    inspector = client_for(people.inspector).post(f"/mailbox/tips/{tip.public_id}/", {"text": "回复 机密★ 内容"})
    assert inspector.status_code == 422 and "回复 机密★ 内容</textarea>" in inspector.content.decode()
    follow = Client().post("/mailbox/tips/follow/", {"code": code, "text": "补充 绝密★ 材料"})
    html = follow.content.decode()
    assert follow.status_code == 422 and "补充 绝密★ 材料</textarea>" in html and 'id="tip"' in html
    assert not tip.entries.exists()


def test_the_openapi_schema_lists_every_mailbox_operation(people, client_for):
    paths = client_for(people.alice).get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/mailbox/partners", "/api/mailbox/conversations", "/api/mailbox/conversations/{conversation_id}",
        "/api/mailbox/conversations/{conversation_id}/messages", "/api/mailbox/conversations/{conversation_id}/read",
        "/api/mailbox/conversations/{conversation_id}/report", "/api/mailbox/writings",
        "/api/mailbox/writings/{writing_id}", "/api/mailbox/writings/{writing_id}/files",
        "/api/mailbox/writings/{writing_id}/submit", "/api/mailbox/writings/{writing_id}/comments",
        "/api/mailbox/writings/{writing_id}/review", "/api/mailbox/writings/branch", "/api/mailbox/writings/missing",
        "/api/mailbox/writings/review-organisations", "/api/mailbox/tips", "/api/mailbox/tips/follow-up",
        "/api/mailbox/tips/follow-up/add", "/api/mailbox/tips/{public_id}", "/api/mailbox/tips/{public_id}/replies",
        "/api/mailbox/tips/{public_id}/status",
    ):  # fmt: skip
        assert path in paths, path
