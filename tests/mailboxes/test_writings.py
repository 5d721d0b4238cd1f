"""Thought reports and applications: write, submit, review, comments, lists, files, print."""

from __future__ import annotations

import io

import pytest
from django.utils import dateformat, timezone, translation

from kernel import times
from kernel.errors import Conflict, Forbidden, NotFound
from mailboxes import selectors, services
from mailboxes.models import WritingStatus
from realtime.models import StreamEvent

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_report_goes_from_draft_to_reviewed_and_the_writer_is_told(people, actor_of, client_for):
    alice, secretary = actor_of(people.alice), actor_of(people.secretary)
    writing = services.writing_create(by=alice, title="第四季度思想汇报", text="本季度我认真学习了党章。")
    assert writing.organisation == people.tree.branch_a  # the group's branch receives it
    # A draft is the writer's alone.
    with pytest.raises(NotFound):
        selectors.writing_get_for(actor=secretary, writing_id=writing.pk)
    services.writing_submit(by=alice, writing_id=writing.pk)
    assert StreamEvent.objects.filter(
        stream=f"user:{people.secretary.pk}", payload__type="mailbox.writing.submitted"
    ).exists()
    with pytest.raises(Conflict):
        services.writing_update(by=alice, writing_id=writing.pk, title="改", text="改")
    services.writing_review(by=secretary, writing_id=writing.pk, comment="学习很认真，继续保持。")
    writing.refresh_from_db()
    assert writing.status == WritingStatus.REVIEWED and writing.reviewed_by == people.secretary
    told = StreamEvent.objects.filter(stream=f"user:{people.alice.pk}").values_list("payload__type", flat=True)
    assert {"mailbox.writing.comment", "mailbox.writing.reviewed"} <= set(told)
    page = client_for(people.alice).get(f"/mailbox/writings/{writing.pk}/").content.decode()
    assert "学习很认真" in page and "已审阅" in page
    printable = client_for(people.secretary).get(f"/mailbox/writings/{writing.pk}/print/")
    assert printable.status_code == 200 and "本季度我认真学习了党章" in printable.content.decode()


def test_only_the_branch_leaders_read_and_review(people, actor_of, client_for):
    alice = actor_of(people.alice)
    writing = services.writing_create(
        by=alice, title="入党申请书", text="我志愿加入中国共产党。", kind="application", submit=True
    )
    for outsider in (people.bob, people.secretary_b, people.moderator, people.inspector, people.superuser):
        with pytest.raises(NotFound):
            selectors.writing_get_for(actor=actor_of(outsider), writing_id=writing.pk)
        assert client_for(outsider).get(f"/api/mailbox/writings/{writing.pk}").status_code == 404
        assert client_for(outsider).get(f"/mailbox/writings/{writing.pk}/print/").status_code == 404
    with pytest.raises((Forbidden, NotFound)):
        services.writing_review(by=actor_of(people.bob), writing_id=writing.pk)


def test_branch_list_filters_and_who_has_not_submitted_this_quarter(people, actor_of, client_for):
    year, quarter = services.current_period()
    services.writing_create(by=actor_of(people.alice), title="本季度汇报", text="内容", submit=True)
    services.writing_create(by=actor_of(people.bob), title="草稿", text="还没写完")  # a draft: not submitted
    secretary = actor_of(people.secretary)
    rows = selectors.writings_for_branch(actor=secretary, organisation=people.tree.branch_a, year=year, quarter=quarter)
    assert [w.title for w in rows] == ["本季度汇报"]
    missing = selectors.members_without_report(
        actor=secretary, organisation=people.tree.branch_a, year=year, quarter=quarter
    )
    names = set(missing.values_list("real_name", flat=True))
    assert "李四" in names and "张三" not in names
    assert (
        selectors.writings_for_branch(
            actor=secretary, organisation=people.tree.branch_a, status=WritingStatus.REVIEWED
        ).count()
        == 0
    )
    with pytest.raises(Forbidden):
        selectors.writings_for_branch(actor=actor_of(people.secretary_b), organisation=people.tree.branch_a)
    page = client_for(people.secretary).get("/mailbox/writings/branch/", {"quarter": quarter}).content.decode()
    assert "本季度汇报" in page and "李四" in page and "草稿" not in page


def test_attachments_are_typed_by_their_bytes_and_served_to_readers_only(people, actor_of, client_for):
    alice = actor_of(people.alice)
    writing = services.writing_create(by=alice, title="带附件", text="见附件")
    with pytest.raises(Exception) as refused:
        services.writing_attach(by=alice, writing_id=writing.pk, uploads=[("photo.png", io.BytesIO(b"<html>x</html>"))])
    assert getattr(refused.value, "code", "") == "attachment_refused"
    services.writing_attach(by=alice, writing_id=writing.pk, uploads=[("学习笔记.pdf", io.BytesIO(PNG))])
    item = writing.files.get()
    assert item.content_type == "image/png" and item.name == "学习笔记.png"
    services.writing_submit(by=alice, writing_id=writing.pk)
    response = client_for(people.secretary).get(f"/mailbox/files/{item.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client_for(people.carol).get(f"/mailbox/files/{item.pk}/").status_code == 404


def test_the_api_writes_and_submits(people, client_for):
    client = client_for(people.alice)
    created = client.post(
        "/api/mailbox/writings", {"title": "接口汇报", "text": "内容", "submit": True}, content_type="application/json"
    )
    assert created.status_code == 201 and created.json()["status"] == "submitted"
    assert [w["title"] for w in client.get("/api/mailbox/writings").json()] == ["接口汇报"]
    reviewed = client_for(people.secretary).post(
        f"/api/mailbox/writings/{created.json()['id']}/review", {"text": "好"}, content_type="application/json"
    )
    assert reviewed.status_code == 200 and reviewed.json()["status"] == "reviewed"


def test_periods_and_dates_read_naturally_in_chinese_and_in_english(people, actor_of, client_for):
    alice = actor_of(people.alice)
    writing = services.writing_create(by=alice, title="思想汇报", text="内容", submit=True)
    services.writing_comment(by=actor_of(people.secretary), writing_id=writing.pk, text="收到")
    year, quarter = services.current_period()
    today = timezone.localdate()
    client = client_for(people.alice)
    pages = [f"/mailbox/writings/{writing.pk}/", "/mailbox/writings/", f"/mailbox/writings/{writing.pk}/print/"]
    page, listing, printable = (client.get(url).content.decode() for url in pages)
    assert f"{year}年第{quarter}季度" in page and f"{year}年第{quarter}季度" in listing
    comment = writing.comments.get()
    assert f'<time datetime="{times.iso(comment.created)}">{times.when(comment.created)}</time>' in page
    assert f"{today.year}年{today.month}月{today.day}日" in printable and f"（{today.year}年" in printable
    assert '<html lang="zh-hans">' in printable
    client.cookies["django_language"] = "en"
    page, listing, printable = (client.get(url).content.decode() for url in pages)
    for html in (page, listing, printable):
        assert "季度" not in html and f"{today.month}月{today.day}日" not in html
    assert f"Q{quarter} {year}" in page and f"Q{quarter} {year}" in listing
    with translation.override("en"):
        day = dateformat.format(today, "N j, Y")
    assert f"<strong>{people.secretary.real_name}</strong> ({day}): 收到" in printable
    assert '<html lang="en">' in printable
