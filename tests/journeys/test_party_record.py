"""Party records on a phone: an applicant becomes a full member step by step, over three years
recorded with their real dates; a member moves from one branch to another and finds the new
branch's boards and meetings."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from django.utils import timezone

from forum import services as forum_services
from meetings import lifecycle, lobby, votes
from meetings import services as meeting_services
from meetings.models import MeetingKind, Motion
from members.access import SYSTEM, actor_from_member
from members.models import Member, MemberStatus, RoleKind
from membership import services
from tests.browser.test_forum_live import log_in

SHOTS = Path(__file__).resolve().parents[2] / "var" / "journeys"


def _phone(new_page, base: str, username: str):  # type: ignore[no-untyped-def]
    page = new_page(width=360, height=740, locale="zh-CN")
    log_in(page, base, username)
    return page


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _fits(page) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def _branch_vote(org, host: Member, voters: list[Member], *, days_ago: int) -> Motion:  # type: ignore[no-untyped-def]
    """A branch general meeting that adopted a resolution ``days_ago`` (its record, made here)."""
    host_actor = actor_from_member(host)
    start = timezone.now()
    meeting = meeting_services.meeting_schedule(
        by=host_actor, organisation=org, kind=MeetingKind.BRANCH_GENERAL, title=f"支部党员大会（{days_ago}天前）",
        starts_at=start, ends_at=start + dt.timedelta(hours=1),
    )  # fmt: skip
    lifecycle.meeting_start(by=host_actor, meeting=meeting)
    motion = votes.motion_open(by=host_actor, meeting=meeting, title="关于赵申请同志的决议", secret=True)
    for voter in voters:
        actor = actor_from_member(voter)
        lobby.room_enter(by=actor, meeting=meeting)
        meeting_services.attendance_join(meeting=meeting, member_id=voter.pk)
        votes.ballot_cast(by=actor, motion=motion, choices=["for"])
    motion = votes.motion_close(by=host_actor, motion=motion)
    Motion.objects.filter(pk=motion.pk).update(closed_at=motion.closed_at - dt.timedelta(days=days_ago))
    return motion


def _step(page, name: str, fields: dict[str, str], people: tuple[str, ...] = (), motion: str = "") -> None:  # type: ignore[no-untyped-def]
    form = page.locator(f"#step-{name} form")
    for field, value in fields.items():
        form.locator(f"[name={field}]").fill(value)
    for person in people:
        form.get_by_label(person).check()
    if motion:  # the vote whose label names ``motion``
        options = form.locator("select[name=motion] option").all()
        form.locator("select[name=motion]").select_option(next(o.get_attribute("value") for o in options
                                                               if motion in o.inner_text()))  # fmt: skip
    form.get_by_role("button", name="记录").click()
    page.locator(".messages li", has_text="已登记").wait_for()


def test_an_applicant_becomes_a_full_member_step_by_step(live_server_url, new_page, org_tree, member_factory):  # type: ignore[no-untyped-def]
    u = uuid.uuid4().hex[:6]
    a = org_tree.branch_a
    secretary = member_factory(a, username=f"s{u}", real_name="王书记", roles=[(RoleKind.SECRETARY, a)])
    member_factory(org_tree.committee, username=f"c{u}", real_name="党委李书记",
                   roles=[(RoleKind.SECRETARY, org_tree.committee)])  # fmt: skip
    full = [member_factory(a, real_name=name) for name in ("周正", "吴明", "郑华", "冯强")]
    applicant = member_factory(org_tree.group_a1, username=f"a{u}", real_name="赵申请", status=MemberStatus.APPLICANT)
    services.record_update(by=SYSTEM, member=applicant, birth_date=dt.date(2000, 5, 1))
    today = timezone.localdate()

    def day(days_ago: int) -> str:
        return (today - dt.timedelta(days=days_ago)).isoformat()

    # The applicant opens their record and sees where they stand.
    me = _phone(new_page, live_server_url, f"a{u}")
    me.goto(live_server_url + "/membership/")
    assert "入党申请人" in me.locator("#record-status").inner_text()

    # The secretary walks the pipeline on the applicant's record page.
    sec = _phone(new_page, live_server_url, f"s{u}")
    sec.goto(live_server_url + "/membership/")
    sec.get_by_role("link", name="发展党员工作看板").click()
    sec.get_by_role("link", name="赵申请").click()
    _step(sec, "application", {"on": day(1100)})
    _step(sec, "talk", {"on": day(1090), "note": "了解入党动机，讲解党章"})
    _step(sec, "activist", {"on": day(1000)}, people=("周正", "吴明"))
    assert "入党积极分子" in sec.locator("#record-status").inner_text()
    # A year is a year: a candidate too soon is refused with the rule, and nothing changes.
    form = sec.locator("#step-candidate form")
    for field, value in {"on": day(900), "political_review_on": day(920), "training_on": day(910)}.items():
        form.locator(f"[name={field}]").fill(value)
    form.get_by_role("button", name="记录").click()
    sec.locator(".messages li.error", has_text="一年以上").wait_for()
    assert "入党积极分子" in sec.locator("#record-status").inner_text()
    _step(sec, "candidate", {"on": day(600), "political_review_on": day(620), "training_on": day(610)})
    assert "发展对象" in sec.locator("#record-status").inner_text()

    # The branch general meeting adopted the admission 400 days ago.
    _branch_vote(a, secretary, [secretary, *full], days_ago=400)
    sec.reload()
    _step(sec, "probation", {}, people=("周正", "郑华"), motion="400天前")
    sec.locator("#record", has_text="上级党组织审批").wait_for()
    _fits(sec)
    _shot(sec, "record-1-secretary")

    # The committee above approves; the probation counts from the branch's resolution.
    above = _phone(new_page, live_server_url, f"c{u}")
    above.goto(live_server_url + "/membership/approvals/")
    card = above.locator(".proposal", has_text="赵申请")
    assert "赞成5人" in card.inner_text()
    card.get_by_role("button", name="通过").click()
    above.locator(".messages li", has_text="已批准").wait_for()
    _shot(above, "record-2-approval")

    # The member's own page, open all along, follows live.
    me.locator("#record-status", has_text="预备党员").wait_for()
    assert day(400) in me.locator("#record-fields").inner_text()

    # A year on (the probation ended 35 days ago), the member applied and the branch voted today.
    _branch_vote(a, secretary, [secretary, *full], days_ago=0)
    sec.reload()
    _step(sec, "full", {"applied_on": day(30)}, motion="（0天前）")
    above.goto(live_server_url + "/membership/approvals/")
    above.locator(".proposal", has_text="赵申请").get_by_role("button", name="通过").click()
    above.locator(".messages li", has_text="已批准").wait_for()

    me.locator("#record-status", has_text="正式党员").wait_for()
    history = me.locator("#history").inner_text()
    for stage in ("入党积极分子", "发展对象", "预备党员", "正式党员"):
        assert stage in history
    assert Member.objects.get(pk=applicant.pk).status == MemberStatus.FULL
    _fits(me)
    _shot(me, "record-3-member")


def test_a_member_transfers_to_another_branch_and_finds_its_boards_and_meetings(  # type: ignore[no-untyped-def]
    live_server_url, new_page, org_tree, member_factory
):
    u = uuid.uuid4().hex[:6]
    a, b = org_tree.branch_a, org_tree.branch_b
    member_factory(a, username=f"s{u}", real_name="王书记", roles=[(RoleKind.SECRETARY, a)])
    sec_b = member_factory(b, username=f"t{u}", real_name="陈书记", roles=[(RoleKind.SECRETARY, b)])
    member_factory(org_tree.group_a1, username=f"m{u}", real_name="钱迁移")
    forum_services.board_create(by=SYSTEM, organisation=b, name="第二支部学习园地")

    me = _phone(new_page, live_server_url, f"m{u}")
    me.goto(live_server_url + "/membership/")
    me.get_by_text("申请转移组织关系").first.click()
    me.locator("select[name=to_org]").select_option(label=b.name)
    me.locator("textarea[name=reason]").fill("工作调动到第二支部所在地")
    me.get_by_role("button", name="提交申请").click()
    me.locator(".messages li", has_text="转接申请已提交").wait_for()
    assert "已申请" in me.locator("#transfers").inner_text()
    _shot(me, "transfer-1-request")

    sender = _phone(new_page, live_server_url, f"s{u}")
    sender.goto(live_server_url + "/membership/transfers/")
    sender.locator("#outgoing .transfer", has_text="钱迁移").get_by_role("button", name="同意并开具介绍信").click()
    sender.locator(".messages li", has_text="介绍信已开具").wait_for()
    sender.locator("#outgoing").get_by_role("link", name="介绍信").first.click()
    code = sender.locator("#letter-code").inner_text()
    assert len(code) == 10
    _shot(sender, "transfer-2-letter")
    sender.goto(live_server_url + "/membership/transfers/")

    receiver = _phone(new_page, live_server_url, f"t{u}")
    receiver.goto(live_server_url + "/membership/transfers/")
    receiver.locator("#incoming .transfer", has_text="钱迁移").get_by_role("button", name="接收").click()
    receiver.locator(".messages li", has_text="已接收").wait_for()

    # The member's page and the sending secretary's, not reloaded, show the transfer accepted.
    me.locator("#transfers", has_text="已接收").wait_for()
    sender.locator("#outgoing .transfer-status", has_text="已接收").wait_for()
    assert b.name in me.locator("#record-fields").inner_text()
    start = timezone.now() + dt.timedelta(hours=1)
    meeting_services.meeting_schedule(
        by=actor_from_member(sec_b), organisation=b, kind=MeetingKind.BRANCH_GENERAL, title="第二支部党员大会",
        starts_at=start, ends_at=start + dt.timedelta(hours=1),
    )  # fmt: skip
    me.goto(live_server_url + "/forum/")
    me.get_by_role("link", name="第二支部学习园地").wait_for()
    me.goto(live_server_url + "/meetings/")
    assert "第二支部党员大会" in me.locator("main").inner_text()
    _fits(me)
    _shot(me, "transfer-3-new-branch")


def test_an_organiser_imports_a_roster_and_watches_it_finish(
    live_server_url, new_page, org_tree, member_factory, tmp_path
):  # type: ignore[no-untyped-def]
    u = uuid.uuid4().hex[:6]
    a = org_tree.branch_a
    member_factory(a, username=f"o{u}", real_name="李组织", roles=[(RoleKind.ORGANISER, a)])
    bad = tmp_path / "bad.csv"
    bad.write_text(f"用户名,姓名,组织,身份\nx{u}1,甲,{a.code},正式党员\nx{u}2,,NOPE,主席\n", encoding="utf-8")
    good = tmp_path / "roster.csv"
    rows = [f"r{u}{i},成员{i},{org_tree.group_a1.code},正式党员" for i in range(300)]
    good.write_text("用户名,姓名,组织,身份\n" + "\n".join(rows) + "\n", encoding="utf-8")

    page = _phone(new_page, live_server_url, f"o{u}")
    page.goto(f"{live_server_url}/membership/org/{a.pk}/")
    page.get_by_role("link", name="导入名册").click()
    page.set_input_files("input[name=file]", str(bad))
    page.get_by_role("button", name="检查并导入").click()
    errors = page.locator("#import-errors").inner_text()
    assert "NOPE" in errors and "未导入" in errors
    assert not Member.objects.filter(user__username=f"x{u}1").exists()  # all or nothing

    page.set_input_files("input[name=file]", str(good))
    page.get_by_role("button", name="检查并导入").click()
    page.wait_for_selector("#import-job[data-finished=true]")
    assert page.eval_on_selector("#import-progress", "p => p.value") == 300
    assert "新增300" in page.locator("#import-result").inner_text()
    assert Member.objects.filter(user__username__startswith=f"r{u}").count() == 300
    _fits(page)
    _shot(page, "record-4-import")
