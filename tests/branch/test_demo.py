"""The demo's branch affairs: a year of dues with arrears, two notices, an appraisal in progress."""

from __future__ import annotations

from django.core.management import call_command

from branch import selectors
from branch.models import Appraisal, DuesPayment, Notice, PaymentStatus, RatingCast
from lessons.models import Course
from members.access import actor_from_member
from members.models import Member


def test_demo_branch_affairs_load_once(db) -> None:  # type: ignore[no-untyped-def]
    call_command("load_demo")
    call_command("load_demo")
    secretary = actor_from_member(Member.objects.select_related("organisation").get(user__username="secretary"))
    branch = Member.objects.get(user__username="secretary").organisation
    _org, rows = selectors.dues_branch_month(
        actor=secretary, organisation_id=branch.pk, month=selectors.current_month()
    )
    behind = {r.member.user.username: r.months_overdue for r in rows}
    assert behind["member5"] >= 6 and behind["member6"] >= 3 and behind["member1"] == 0
    assert DuesPayment.objects.filter(status=PaymentStatus.DECLARED).count() == 1
    assert Notice.objects.filter(organisation=branch).count() == 2
    appraisal = Appraisal.objects.get(organisation=branch)
    assert appraisal.meeting is not None and RatingCast.objects.filter(appraisal=appraisal).count() == 3
    course = Course.objects.get(organisation=branch)
    assert [i.kind for i in course.items.order_by("position")] == ["lesson", "document"]
