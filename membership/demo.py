"""Demo data for party records (``manage.py load_demo``): someone at each stage of the pipeline
with real dates, the probationary members' records, a migrant member registered where they live
and a transfer waiting for the receiving branch. Written through the services; loading again
adds nothing."""

from __future__ import annotations

import datetime as dt

from members import services as member_services
from members.access import SYSTEM
from members.models import Member, MemberStatus, Organisation
from membership import services
from membership.models import MemberRecord, Transfer


def _person(username: str, real_name: str, org: Organisation, password: str) -> Member:
    existing = Member.objects.filter(user__username=username).first()
    if existing is not None:
        return existing
    return member_services.member_create(
        by=SYSTEM, username=username, real_name=real_name, organisation=org, status=MemberStatus.APPLICANT,
        password=password,
    )  # fmt: skip


def demo_membership(orgs: dict[str, Organisation], password: str) -> None:
    today = services.today()

    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    branch_one = list(Member.objects.filter(organisation__path__startswith=orgs["DEMO-1"].path, status="full"))
    contacts = [m for m in branch_one if m.user.username in ("member1", "member5")]

    applicant = _person("applicant1", "钱申请", orgs["DEMO-1-1"], password)
    if not MemberRecord.objects.filter(member=applicant, applied_on__isnull=False).exists():
        services.record_update(by=SYSTEM, member=applicant, birth_date=dt.date(2001, 7, 1))
        services.application_record(by=SYSTEM, member=applicant, on=ago(20))  # the talk is due

    candidate = _person("candidate1", "周发展", orgs["DEMO-1-2"], password)
    if candidate.status == MemberStatus.APPLICANT:
        services.record_update(by=SYSTEM, member=candidate, birth_date=dt.date(1996, 3, 15))
        services.application_record(by=SYSTEM, member=candidate, on=ago(800))
        services.talk_record(by=SYSTEM, member=candidate, on=ago(790), note="了解入党动机")
        services.activist_admit(by=SYSTEM, member=candidate, on=ago(700), contacts=contacts)
        services.candidate_admit(by=SYSTEM, member=candidate, on=ago(200), political_review_on=ago(230),
                                 training_on=ago(215))  # fmt: skip

    activist = Member.objects.filter(user__username="activist1").first()
    if activist is not None and not MemberRecord.objects.filter(member=activist).exists():
        # An activist for thirteen months: the board says they may become a development candidate.
        services.record_update(by=SYSTEM, member=activist, birth_date=dt.date(1999, 10, 8))
        services.record_backfill(by=SYSTEM, member=activist, applied_on=ago(480), talked_on=ago(470),
                                 activist_on=ago(395))  # fmt: skip

    for username, started in (("member11", 350), ("member12", 120)):  # one probation ends this month
        member = Member.objects.filter(user__username=username, status=MemberStatus.PROBATIONARY).first()
        if (
            member is not None
            and not MemberRecord.objects.filter(member=member, probationary_on__isnull=False).exists()
        ):
            services.record_backfill(by=SYSTEM, member=member, applied_on=ago(started + 900),
                                     activist_on=ago(started + 800), candidate_on=ago(started + 200),
                                     probationary_on=ago(started))  # fmt: skip

    migrant = Member.objects.filter(user__username="migrant1").first()
    if migrant is not None and not migrant.migrant_registrations.exists():
        services.migrant_register(by=SYSTEM, member=migrant, location="广东省深圳市", since=ago(240),
                                  destination=orgs["DEMO-2"])  # fmt: skip

    mover = Member.objects.filter(user__username="member3").first()  # 第三党小组, moving to the first branch
    if mover is not None and not Transfer.objects.filter(member=mover).exists():
        transfer = services.transfer_request(by=SYSTEM, member=mover, to_org=orgs["DEMO-1"], reason="工作调动")
        services.transfer_approve(by=SYSTEM, transfer=transfer)
