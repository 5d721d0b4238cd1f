"""The report mailbox: anonymity, the receipt code, inspectors only, access records, limits."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.utils import timezone

from kernel.errors import NotFound, RateLimited
from mailboxes import selectors, services
from mailboxes.models import MailboxFile, Tip, TipEntry
from members.models import Member
from moderation.models import ArchiveRecord

pytestmark = pytest.mark.django_db


def _all_values(model) -> str:  # type: ignore[no-untyped-def]
    """Every stored column of every row of a table, as text."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {model._meta.db_table}")
        return repr(cursor.fetchall())


def test_an_anonymous_report_holds_nothing_that_leads_back_and_the_code_opens_it(people, actor_of):
    alice = people.alice
    tip, code = services.tip_file(
        by=actor_of(alice),
        organisation_id=people.tree.committee.pk,
        subject="反映某干部收受礼金",
        text="春节期间有人送礼。",
        person_concerned="某科长",
        uploads=[("证据.png", io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64))],
    )
    # Nothing in the report tables names alice or her account, and the code is not stored:
    # no reference to a member or a user is set, and no column holds her name or the secret.
    secret = code.replace("-", "")[8:]
    for model in (Tip, TipEntry, MailboxFile):
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model in (Member, get_user_model()):
                assert not model.objects.exclude(**{f"{field.name}__isnull": True}).exists(), field
        stored = _all_values(model)
        for trace in (alice.user.username, alice.real_name, secret, code):
            assert trace not in stored
    assert tip.named_reporter is None and tip.receipt_hash and secret not in tip.receipt_hash
    assert not hasattr(tip, "created")  # only the day it arrived
    # The code, typed without dashes and in lower case, opens it without logging in.
    client = Client()
    opened = client.post(
        "/api/mailbox/tips/follow-up", {"receipt_code": code.replace("-", "").lower()}, content_type="application/json"
    )
    assert opened.status_code == 200 and opened.json()["subject"] == "反映某干部收受礼金"
    added = client.post(
        "/api/mailbox/tips/follow-up/add",
        {"receipt_code": code, "text": "补充：时间是除夕。"},
        content_type="application/json",
    )
    assert added.status_code == 201
    # A wrong code opens nothing.
    wrong = code[:-1] + ("A" if code[-1] != "A" else "B")
    assert (
        client.post("/api/mailbox/tips/follow-up", {"receipt_code": wrong}, content_type="application/json").status_code
        == 404
    )
    # The inspector replies; the reporter reads the reply with the code.
    services.tip_reply(by=actor_of(people.inspector), public_id=tip.public_id, text="已收到，正在核实。")
    page = client.post("/mailbox/tips/follow/", {"code": code}).content.decode()
    assert "正在核实" in page and "补充：时间是除夕" in page and "张三" not in page


def test_a_named_report_shows_the_reporter_to_inspectors(people, actor_of, client_for):
    tip, _code = services.tip_file(
        by=actor_of(people.alice), organisation_id=people.tree.branch_a.pk, subject="实名反映", text="内容", named=True
    )
    assert tip.named_reporter == people.alice
    assert client_for(people.inspector).get(f"/api/mailbox/tips/{tip.public_id}").json()["named_reporter"] == "张三"


def test_only_inspectors_of_that_organisation_or_above_read_reports_and_every_read_is_archived(
    people, actor_of, client_for
):
    archived = ArchiveRecord.objects.count()
    tip, _code = services.tip_file(
        by=actor_of(people.alice), organisation_id=people.tree.branch_a.pk, subject="反映问题", text="内容"
    )
    # Filing leaves nothing in the archive: its time and its place in the chain would point at the
    # reporter's other doings. Receipt is archived, with the day only, when an inspector looks.
    assert ArchiveRecord.objects.count() == archived
    for outsider in (people.inspector_b, people.secretary, people.moderator, people.superuser, people.alice):
        with pytest.raises(NotFound):
            selectors.tip_get_for(actor=actor_of(outsider), public_id=tip.public_id)
        client = client_for(outsider)
        assert client.get(f"/api/mailbox/tips/{tip.public_id}").status_code == 404
        assert client.get(f"/mailbox/tips/{tip.public_id}/").status_code == 404
        assert "反映问题" not in str(client.get("/api/mailbox/tips").json())
    inspector = client_for(people.inspector)
    assert [t["subject"] for t in inspector.get("/api/mailbox/tips").json()] == ["反映问题"]
    before = ArchiveRecord.objects.filter(content_ref=f"mailbox.tip:{tip.public_id}").count()
    assert inspector.get(f"/api/mailbox/tips/{tip.public_id}").status_code == 200
    changed = inspector.post(
        f"/api/mailbox/tips/{tip.public_id}/status", {"status": "under_review"}, content_type="application/json"
    )
    assert changed.json()["status"] == "under_review"
    records = ArchiveRecord.objects.filter(content_ref=f"mailbox.tip:{tip.public_id}").order_by("seq")
    actions = [r.payload["action"] for r in records]
    assert actions[0] == "received" and actions[before:] == ["read", "status:under_review"]
    assert records.first().payload == {"action": "received", "on": tip.received_on.isoformat()}
    assert records.last().actor_id == people.inspector.pk
    assert records.first().actor_id is None  # receipt is tied to no one


def test_reports_go_only_to_the_reporters_own_chain_and_flooding_is_limited(people, actor_of, settings):
    alice = actor_of(people.alice)
    with pytest.raises(Exception) as refused:
        services.tip_file(by=alice, organisation_id=people.tree.branch_b.pk, subject="别处", text="内容")
    assert getattr(refused.value, "code", "") == "invalid"
    settings.MAILBOX_TIP_RATE = (0.0001, 2)
    for i in range(2):
        services.tip_file(by=alice, organisation_id=people.tree.branch_a.pk, subject=f"第{i}件", text="内容")
    with pytest.raises(RateLimited):
        services.tip_file(by=alice, organisation_id=people.tree.branch_a.pk, subject="第三件", text="内容")
    assert Tip.objects.count() == 2


def test_classified_text_in_an_anonymous_report_is_refused_and_not_tied_to_the_reporter(people, actor_of):
    with pytest.raises(Exception) as refused:
        services.tip_file(
            by=actor_of(people.alice),
            organisation_id=people.tree.branch_a.pk,
            subject="附件",
            text="秘密★长期 文件内容",
        )
    assert getattr(refused.value, "code", "") == "content_blocked"
    assert not Tip.objects.exists()
    attempt = ArchiveRecord.objects.filter(kind="content.classified_blocked").get()
    assert attempt.actor_id is None and "文件内容" not in str(attempt.payload)


def test_the_filing_page_shows_the_code_once(people, client_for):
    client = client_for(people.alice)
    page = client.post(
        "/mailbox/tips/new/",
        {"organisation": people.tree.committee.pk, "subject": "网页举报", "text": "内容"},
    )
    html = page.content.decode()
    assert page.status_code == 200 and 'id="receipt-code"' in html
    assert "no-store" in page["Cache-Control"]
    tip = Tip.objects.get()
    code = html.split('id="receipt-code">', 1)[1].split("<", 1)[0]
    assert services.tip_by_receipt(code=code) == tip


def test_report_dates_are_the_days_of_the_one_clock_in_both_languages(people, actor_of, client_for):
    tip, code = services.tip_file(
        by=actor_of(people.alice), organisation_id=people.tree.committee.pk, subject="反映问题", text="内容"
    )
    services.tip_reply(by=actor_of(people.inspector), public_id=tip.public_id, text="已收到")
    day = timezone.localdate().isoformat()
    inspector, reporter = client_for(people.inspector), Client()
    for language in ("en", "zh-hans"):
        for client in (inspector, reporter):
            client.cookies["django_language"] = language
        listing = inspector.get("/mailbox/tips/").content.decode()
        page = inspector.get(f"/mailbox/tips/{tip.public_id}/").content.decode()
        followed = reporter.post("/mailbox/tips/follow/", {"code": code}).content.decode()
        assert f'<time datetime="{day}">{day}</time>' in listing
        # The report and the reply each carry their day, and nothing finer.
        for html in (page, followed):
            assert html.count(f">{day}</time>") == 2 and ":" not in html.split(f">{day}</time>")[1][:3]
