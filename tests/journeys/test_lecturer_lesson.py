"""A lecturer (授课人) runs his own party lesson from a phone with a (fake) camera: he starts it,
sees his own picture, uploads a PDF deck that viewers see as soon as it is ready, turns pages and
records; two members watch on their phones, ask and upvote a question; he ends the lesson; a
viewer plays the recording on the replay page (it plays and seeks in Chromium), which says when
the lesson was held, and the replay earns her study time."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from pathlib import Path
from typing import Any

from django.utils import timezone

from lessons.models import Recording, StudySource, StudyTime
from lessons.services import lecturer_set
from meetings import services
from meetings.models import MeetingKind
from members.access import actor_from_member
from members.models import RoleKind
from tests.browser.test_forum_live import log_in
from tests.lessons.lesson_data import pdf_bytes

SHOTS = Path(__file__).resolve().parents[2] / "var" / "journeys"
WAIT = 30_000  # ms, an upper bound for each step, never a speed claim
TITLE = "学习党章党课"

STAGE_PLAYING = """() => {
  const video = document.querySelector("#media-stage video.stage-main");
  return video !== null && video.videoWidth > 0 && video.currentTime > 0 ? video.currentTime : false;
}"""
SLIDE_SHOWN = """(page) => {
  const image = document.getElementById("slide-image");
  return !image.hidden && image.dataset.page === String(page) && image.complete && image.naturalWidth > 0;
}"""
VIDEO = "document.getElementById('replay-video')"


def _phone(new_page: Any, base: str, username: str) -> Any:
    page = new_page(width=360, height=740, locale="zh-CN")
    log_in(page, base, username)
    return page


def _fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def _join(page: Any) -> None:
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("link", name="进入会议室").click()
    page.wait_for_selector("#room:not([hidden])", timeout=WAIT)


def _eventually(check: Any, seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("not within the deadline")


def _replay_seconds(member: Any) -> float:
    rows = StudyTime.objects.filter(member=member, source=StudySource.REPLAY).values_list("seconds", flat=True)
    return float(sum(rows))


def test_a_lecturer_runs_his_lesson_and_a_member_replays_it(  # type: ignore[no-untyped-def]
    live_server_url, new_page, org_tree, member_factory
):
    u = uuid.uuid4().hex[:6]
    branch = org_tree.branch_a
    secretary = member_factory(branch, real_name="王书记", roles=[(RoleKind.SECRETARY, branch)])
    lecturer = member_factory(branch, username=f"l{u}", real_name="赵老师", roles=[(RoleKind.LECTURER, branch)])
    first = member_factory(branch, username=f"a{u}", real_name="孙学员")
    member_factory(org_tree.group_a1, username=f"b{u}", real_name="周学员")
    start = timezone.now() + dt.timedelta(minutes=5)
    meeting = services.meeting_schedule(
        by=actor_from_member(secretary), organisation=branch, kind=MeetingKind.LESSON, title=TITLE,
        starts_at=start, ends_at=start + dt.timedelta(hours=1),
    )  # fmt: skip
    lecturer_set(by=actor_from_member(secretary), meeting=meeting, member=lecturer)

    # The lecturer starts his own lesson from its page and sees his own picture on the stage.
    teacher = _phone(new_page, live_server_url, f"l{u}")
    teacher.get_by_role("link", name=TITLE).click()
    teacher.get_by_role("button", name="开始会议").click()
    teacher.get_by_role("link", name="进入会议室").click()
    teacher.wait_for_selector("#room:not([hidden])", timeout=WAIT)
    teacher.wait_for_function(STAGE_PLAYING, timeout=WAIT)
    assert teacher.is_hidden("#media-stage .stage-waiting")

    # Two members watch on their phones: the lecturer's video through the relay. The first
    # one's picture keeps playing while the second joins (a join must not stall the lesson).
    viewers = [_phone(new_page, live_server_url, name) for name in (f"a{u}", f"b{u}")]
    watching, joining = viewers
    _join(watching)
    watching.wait_for_function(STAGE_PLAYING, timeout=WAIT)
    since = watching.evaluate(STAGE_PLAYING)
    _join(joining)
    joining.wait_for_function(STAGE_PLAYING, timeout=WAIT)
    watching.wait_for_function(f"() => ({STAGE_PLAYING})() > {since} + 2", timeout=WAIT)
    for viewer in viewers:
        assert viewer.locator("#slide-next").count() == 0

    # The deck: uploaded, rendered, and on every screen without another click.
    teacher.set_input_files(
        "#slides-upload input[type=file]",
        files=[{"name": "第一讲.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}],
    )
    teacher.get_by_role("button", name="上传", exact=True).click()
    for page in (teacher, *viewers):
        page.wait_for_function(SLIDE_SHOWN, arg=1, timeout=60_000)

    # Recording (录制, not 记录), then the next page.
    record = teacher.locator("#toggle-record")
    assert record.inner_text() == "录制"
    record.click()
    teacher.wait_for_selector("#recording-state:not([hidden])", timeout=WAIT)
    assert teacher.locator("#toggle-record").inner_text() == "停止录制"
    teacher.get_by_role("button", name="下一页").click()
    for page in (teacher, *viewers):
        page.wait_for_function(SLIDE_SHOWN, arg=2, timeout=WAIT)
    _fits(teacher)
    teacher.evaluate("document.getElementById('lesson').scrollIntoView()")
    _shot(teacher, "lecturer-1-stage")

    # Questions: one member asks, the other upvotes, the lecturer sees the count.
    asker, voter = viewers
    asker.fill("#question-form input[name=text]", "如何把党课所学用到工作中？")
    asker.get_by_role("button", name="提问").click()
    item = '#questions li[data-question]:has-text("如何把党课所学用到工作中？")'
    voter.wait_for_selector(item, timeout=WAIT)
    voter.click(f"{item} button[data-action=upvote]")
    teacher.wait_for_selector(f'{item} .votes[data-votes="1"]', timeout=WAIT)
    _fits(asker)
    asker.evaluate("document.getElementById('lesson').scrollIntoView()")
    _shot(asker, "lecturer-2-viewer")

    # A few seconds of lesson on the recording, counted on a viewer's own clock.
    since = asker.evaluate(STAGE_PLAYING)
    asker.wait_for_function(f"() => ({STAGE_PLAYING})() > {since} + 6", timeout=WAIT)

    # He ends the lesson; the viewers' pages say so; the recording is kept.
    teacher.get_by_role("button", name="结束党课").click()
    for page in viewers:
        page.wait_for_selector("#closed:not([hidden])", timeout=WAIT)
        assert page.text_content("#rt-state") == "已结束"
    recording = _eventually(lambda: Recording.objects.filter(meeting=meeting).first())
    assert recording.duration > 4

    # The replay, from the lesson's page: when it was held, and it plays, pauses and seeks.
    asker.goto(f"{live_server_url}/meetings/{meeting.pk}/")
    asker.get_by_role("link", name="回放").click()
    meeting.refresh_from_db()
    held = timezone.localtime(meeting.started_at)
    assert asker.text_content("#replay-held") == f"举行于 {held:%Y-%m-%d %H:%M}"
    asker.wait_for_function(f"() => {VIDEO}.readyState >= 1", timeout=WAIT)
    assert abs(asker.evaluate(f"{VIDEO}.duration") - recording.duration) < 1
    before = _replay_seconds(first)
    asker.evaluate(f"() => {{ {VIDEO}.muted = true; {VIDEO}.play(); }}")
    asker.wait_for_function(f"() => {VIDEO}.currentTime > 2", timeout=WAIT)
    asker.evaluate(f"() => {VIDEO}.pause()")
    _eventually(lambda: _replay_seconds(first) > before)  # the pause's heartbeat closes what was played
    target = round(recording.duration - 2, 1)
    asker.evaluate(f"() => {{ {VIDEO}.currentTime = {target}; {VIDEO}.play(); }}")
    asker.wait_for_function(f"() => !{VIDEO}.seeking && {VIDEO}.currentTime > {target} + 0.5", timeout=WAIT)
    assert asker.evaluate(f"{VIDEO}.error") is None
    _fits(asker)
    _shot(asker, "lecturer-3-replay")
