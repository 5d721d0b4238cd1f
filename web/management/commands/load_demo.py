"""Load the demo organisation, its users and a little content (idempotent): `python manage.py load_demo`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from branch.demo import demo_branch
from forum import services as forum_services
from forum.models import Board
from lessons.services import lecturer_set
from meetings import services as meeting_services
from meetings.models import Meeting, MeetingKind
from members import services
from members.access import SYSTEM, actor_from_member
from members.models import Member, MemberStatus, Organisation, OrgKind, RoleKind
from membership.demo import demo_membership
from moderation.demo import demo_word_lists

User = get_user_model()

ORGS = [
    # code, name, kind, parent code
    ("DEMO", "示范街道党委", OrgKind.COMMITTEE, None),
    ("DEMO-1", "第一党支部", OrgKind.BRANCH, "DEMO"),
    ("DEMO-1-1", "第一党小组", OrgKind.GROUP, "DEMO-1"),
    ("DEMO-1-2", "第二党小组", OrgKind.GROUP, "DEMO-1"),
    ("DEMO-2", "第二党支部", OrgKind.BRANCH, "DEMO"),
    ("DEMO-2-1", "第三党小组", OrgKind.GROUP, "DEMO-2"),
    ("DEMO-2-2", "第四党小组", OrgKind.GROUP, "DEMO-2"),
]

SURNAMES = "王李张刘陈杨赵黄周吴徐孙"
GIVEN = "建国秀英志强丽华海燕明辉春梅国庆晓东玉兰卫东"


def demo_people() -> list[dict[str, Any]]:
    people: list[dict[str, Any]] = [
        {"username": "secretary", "real_name": "王书记", "org": "DEMO-1", "roles": [("secretary", "DEMO-1")]},
        {"username": "organiser", "real_name": "李组织", "org": "DEMO-1", "roles": [("organiser", "DEMO-1")]},
        {"username": "lecturer", "real_name": "张讲师", "org": "DEMO", "roles": [("lecturer", "DEMO")]},
        {"username": "moderator", "real_name": "刘审核", "org": "DEMO", "roles": [("moderator", "DEMO")]},
        {"username": "inspector", "real_name": "陈纪检", "org": "DEMO", "roles": [("inspector", "DEMO")]},
    ]
    groups = ["DEMO-1-1", "DEMO-1-2", "DEMO-2-1", "DEMO-2-2"]
    for i in range(1, 13):
        name = SURNAMES[i - 1] + GIVEN[(2 * i) % len(GIVEN)] + GIVEN[(2 * i + 1) % len(GIVEN)]
        status = MemberStatus.PROBATIONARY if i in (11, 12) else MemberStatus.FULL
        people.append({"username": f"member{i}", "real_name": name, "org": groups[(i - 1) % 4], "status": status})
    people.append(
        {
            "username": "migrant1",
            "real_name": "赵流动",
            "org": "DEMO-1-1",
            "is_migrant": True,
            "current_location": "广东省深圳市",
        }
    )
    people.append({"username": "activist1", "real_name": "孙积极", "org": "DEMO-2-1", "status": MemberStatus.ACTIVIST})
    return people


class Command(BaseCommand):
    help = "Create the demo organisation and users; running it again changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="where the site is served (printed)")

    def handle(self, *args: Any, **options: Any) -> None:
        password = settings.DEMO_PASSWORD
        with transaction.atomic():
            orgs: dict[str, Organisation] = {}
            for code, name, kind, parent_code in ORGS:
                existing = Organisation.objects.filter(code=code).first()
                orgs[code] = existing or services.organisation_create(
                    by=SYSTEM, name=name, code=code, kind=kind, parent=orgs.get(parent_code or "")
                )
            created = 0
            for person in demo_people():
                member = Member.objects.filter(user__username=person["username"]).first()
                if member is None:
                    member = services.member_create(
                        by=SYSTEM,
                        username=person["username"],
                        real_name=person["real_name"],
                        organisation=orgs[person["org"]],
                        status=person.get("status", MemberStatus.FULL),
                        password=password,
                        is_migrant=person.get("is_migrant", False),
                        current_location=person.get("current_location", ""),
                        phone=f"1380000{created + 1000:04d}",
                    )
                    created += 1
                for kind, org_code in person.get("roles", []):
                    services.role_grant(by=SYSTEM, member=member, organisation=orgs[org_code], kind=RoleKind(kind))
            if not User.objects.filter(username="admin").exists():
                User.objects.create_superuser(username="admin", password=password)
            demo_word_lists(orgs["DEMO"])
            demo_content(orgs["DEMO-1"])
            demo_branch(orgs["DEMO-1"])
            demo_membership(orgs, password)
        self.stdout.write(self.style.SUCCESS(f"Demo organisation ready ({created} users created)."))
        self.stdout.write(f"Log in at {options['url']} with password {password!r} as one of:")
        for person in demo_people():
            self.stdout.write(f"  {person['username']:<10} {person['real_name']}")
        for username in ("applicant1", "candidate1"):
            self.stdout.write(f"  {username:<10} {Member.objects.get(user__username=username).real_name}")
        self.stdout.write("  admin      (site administration at /admin/)")


def demo_content(branch: Organisation) -> None:
    """A welcome notice, a discussion and two upcoming meetings in the first branch, written through
    the same services (and so the same moderation, archive and streams) as everything else. Each
    piece is keyed (a client id, a title), so loading again adds nothing."""

    def actor(username: str) -> Any:
        return actor_from_member(Member.objects.select_related("organisation").get(user__username=username))

    secretary, member1, member2 = actor("secretary"), actor("member1"), actor("member2")
    boards = {b.name: b for b in Board.objects.filter(organisation=branch)}
    forum_services.thread_create(
        by=secretary,
        board_id=boards["通知公告"].pk,
        title="欢迎使用智慧党建平台",
        source="同志们好！支部的通知、会议和学习都在这里。\n\n- 会议页面可以看到近期的支部会议\n"
        "- 论坛里可以交流学习心得，**@姓名** 可以提醒同志",
        cid="demo-welcome",
    )
    discussion = forum_services.thread_create(
        by=member1,
        board_id=boards["学习园地"].pk,
        title="本月学习心得交流",
        source="这个月我们学习了党章，大家谈谈体会吧。",
        cid="demo-study",
    )
    forum_services.post_create(
        by=member2, thread_id=discussion.thread_id, source="我先说两句：要把学习和工作结合起来。", cid="demo-study-1"
    )
    soon = timezone.localtime().replace(hour=19, minute=30, second=0, microsecond=0) + dt.timedelta(days=3)
    plans = [
        (MeetingKind.BRANCH_GENERAL, "第四季度支部党员大会", soon, ["通报支部工作", "讨论发展党员", "民主评议党员"]),
        (MeetingKind.LESSON, "党课：学习党章", soon + dt.timedelta(days=4), ["党章第一章学习"]),
    ]
    for kind, title, starts_at, agenda in plans:
        if not Meeting.objects.filter(organisation=branch, title=title).exists():
            meeting = meeting_services.meeting_schedule(
                by=secretary,
                organisation=branch,
                kind=kind,
                title=title,
                starts_at=starts_at,
                ends_at=starts_at + dt.timedelta(hours=1, minutes=30),
                agenda=agenda,
            )
            if kind == MeetingKind.LESSON:  # the demo lecturer teaches it through the media relay
                teacher = Member.objects.get(user__username="lecturer")
                lecturer_set(by=secretary, meeting=meeting, member=teacher)
