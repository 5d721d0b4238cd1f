# ruff: noqa: F811 - the test argument names the fixture imported from tests/meetings/conftest.py
"""On a 360 px phone, the host attaches a file on the meeting page; a member downloads it, a
member of another branch cannot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from members.models import Member
from tests.lessons.lesson_data import pdf_bytes
from tests.live import LiveServer, start_daphne
from tests.meetings.conftest import Branch, branch_meeting  # noqa: F401 - a fixture

WAIT = 20_000


@pytest.fixture
def server(transactional_db: None, tmp_path: Path) -> Iterator[LiveServer]:
    live: LiveServer = start_daphne({"MEDIA_ROOT": str(tmp_path / "media")})
    try:
        yield live
    finally:
        live.stop()


def page_for(new_page: Any, base: str, member: Member, path: str) -> Any:
    client = Client()
    client.force_login(member.user)
    page = new_page()
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}])
    page.goto(base + path)
    return page


def test_a_host_attaches_from_a_phone_and_members_download(server: LiveServer, new_page, branch_meeting: Branch):
    base, meeting_id = server.url, branch_meeting.meeting.pk
    path = f"/meetings/{meeting_id}/"
    data = pdf_bytes()
    host = page_for(new_page, base, branch_meeting.secretary, path)
    host.set_input_files(
        "#attachments input[type=file]",
        files=[{"name": "第三季度学习提纲（支部党员大会用）.pdf", "mimeType": "application/pdf", "buffer": data}],
    )
    host.click("#attachments form.attachment-upload button[type=submit]")
    item = host.locator("#attachments li[data-attachment]")
    item.wait_for(timeout=WAIT)
    assert "第三季度学习提纲（支部党员大会用）.pdf" in item.inner_text()
    assert host.evaluate("document.documentElement.scrollWidth") <= 360  # the page fits the phone

    # A picture that calls itself a PDF is refused with the reason, and nothing is added.
    host.set_input_files(
        "#attachments input[type=file]",
        files=[{"name": "通知.pdf", "mimeType": "application/pdf", "buffer": b"GIF89a" + b"\0" * 64}],
    )
    host.click("#attachments form.attachment-upload button[type=submit]")
    host.locator(".messages li.error").wait_for(timeout=WAIT)
    assert ".gif" in host.locator(".messages li.error").inner_text()
    assert host.locator("#attachments li[data-attachment]").count() == 1

    member = page_for(new_page, base, branch_meeting.full[0], path)
    assert member.locator("#attachments input[type=file]").count() == 0  # members do not upload
    with member.expect_download(timeout=WAIT) as download:
        member.click("#attachments li[data-attachment] a")
    assert download.value.suggested_filename == "第三季度学习提纲（支部党员大会用）.pdf"
    assert Path(download.value.path()).read_bytes() == data
    assert member.evaluate("document.documentElement.scrollWidth") <= 360

    url = base + item.locator("a").get_attribute("href")
    outsider = page_for(new_page, base, branch_meeting.outsider, "/")
    refused = outsider.request.get(url)
    assert refused.status == 403 and refused.body() != data
