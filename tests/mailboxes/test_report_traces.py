"""Traces an anonymous report must not leave, looked for as the database's and the disk's owner
would: the attachment's write time, ids in a sequence shared with files whose authors are known,
and an access-log line with the filer's address and second."""

from __future__ import annotations

import datetime as dt
import io
import os
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from mailboxes import services
from mailboxes.models import MailboxFile, Tip, TipEntry
from tests.live import start_daphne
from web.logprivacy import unlogged

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _midnight(day: dt.date) -> float:
    return timezone.make_aware(dt.datetime.combine(day, dt.time())).timestamp()


@pytest.mark.django_db
def test_a_reports_file_on_disk_keeps_the_day_only(people, actor_of):
    tip, _code = services.tip_file(
        by=actor_of(people.alice),
        organisation_id=people.tree.committee.pk,
        subject="反映问题",
        text="有人收礼。",
        uploads=[("证据.png", io.BytesIO(PNG))],
    )
    stored = MailboxFile.objects.get(tip=tip)
    path = Path(stored.file.path)
    day = _midnight(tip.received_on)
    for node in (path, path.parent):
        info = os.stat(node)
        assert info.st_mtime == day and info.st_atime == day, node
    # Apart from writings' files, in a folder that names no month.
    assert stored.file.name.startswith("mailbox/tips/")


@pytest.mark.django_db
def test_report_ids_share_no_order_with_files_whose_authors_are_known(people, actor_of, settings):
    settings.MAILBOX_TIP_RATE = (1.0, 10)
    alice = actor_of(people.alice)
    before = services.writing_create(by=alice, title="第一季度思想汇报", text="学习体会。")
    services.writing_attach(by=alice, writing_id=before.pk, uploads=[("a.png", io.BytesIO(PNG))])
    tips = [
        services.tip_file(
            by=alice,
            organisation_id=people.tree.committee.pk,
            subject=f"反映问题{n}",
            text="情况说明。",
            uploads=[("证据.png", io.BytesIO(PNG))],
        )[0]
        for n in range(4)
    ]
    after = services.writing_create(by=alice, title="第二份思想汇报", text="学习体会。")
    services.writing_attach(by=alice, writing_id=after.pk, uploads=[("b.png", io.BytesIO(PNG))])
    first_file = MailboxFile.objects.get(writing=before).pk
    last_file = MailboxFile.objects.get(writing=after).pk
    report_files = [MailboxFile.objects.get(tip=t).pk for t in tips]
    # A sequence would put every report's file between the two writings' files, in filing order.
    in_between = [first_file < pk < last_file for pk in report_files]
    ordered = report_files == sorted(report_files)
    assert not (all(in_between) and ordered)
    tip_ids = [t.pk for t in tips]
    assert not (tip_ids == sorted(tip_ids) and tip_ids[-1] - tip_ids[0] == len(tips) - 1)
    assert all(pk >= 2**20 for pk in tip_ids + report_files)  # not a small counter
    assert all(pk < 2**53 for pk in tip_ids + report_files)  # exact in JavaScript
    assert Tip._meta.pk.default is TipEntry._meta.pk.default  # entries too


def test_every_report_path_is_kept_out_of_the_access_log():
    for path in (
        reverse("mailbox:tip_new"),
        reverse("mailbox:tip_follow"),
        reverse("mailbox:tips"),
        reverse("mailbox:tip", args=["ABCD2345"]),
        "/api/mailbox/tips",
        "/api/mailbox/tips/follow-up",
        "/api/mailbox/tips/follow-up/add",
    ):
        assert unlogged(path), path
    assert not unlogged(reverse("mailbox:index")) and not unlogged("/forum/")


def _request(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers or {}), timeout=10) as r:
            return int(r.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_the_server_writes_no_access_log_line_for_the_report_mailbox(transactional_db, tmp_path):
    server = start_daphne(log_dir=tmp_path)
    try:
        assert _request(server.url + "/mailbox/tips/follow/") == 200
        refused = _request(
            server.url + "/api/mailbox/tips/follow-up",
            data=b'{"receipt_code": "AAAA-BBBB-CCCC-DDDD-EEEE"}',
            headers={"Content-Type": "application/json"},
        )
        assert refused == 404
        assert _request(server.url + "/login/") == 200  # a logged request, to show the log works
    finally:
        server.stop()
    log = server.log.read_text(errors="replace")
    assert '"GET /login/' in log and "127.0.0.1" in log
    assert "/tips" not in log
