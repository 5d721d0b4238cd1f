"""Dues: standards, payments recorded and declared, prepaying, arrears, reminders, access."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from branch import selectors, services
from branch.dues_rules import add_months, month_start
from branch.errors import AmountMismatch, IncomeInvalid, MonthAlreadyPaid, NoStandard
from branch.models import DuesMonth, DuesPayment, DuesStandard, PaymentStatus
from kernel.errors import Forbidden, Invalid
from members.access import SYSTEM
from moderation.models import ArchiveRecord
from realtime.streams import user_stream
from tests.branch.events import events

THIS = month_start(timezone.localdate())
TODAY = timezone.localdate()


def _standard(b, as_actor, member, *, income=4_000_00, months_back=0, category="employed"):  # type: ignore[no-untyped-def]
    start = add_months(THIS, -months_back)
    return services.dues_standard_set(
        by=as_actor(b.secretary), member_id=member.pk, category=category, income_fen=income,
        year=start.year, effective_from=start,
    )  # fmt: skip


def test_the_branch_sets_a_standard_from_the_income_base(branch, as_actor) -> None:  # type: ignore[no-untyped-def]
    member = branch.members[0]
    standard = _standard(branch, as_actor, member, income=4_000_00)
    assert standard.monthly_fen == 4_000  # 4,000 yuan at 1 %: 40.00 a month
    assert ArchiveRecord.objects.filter(kind="branch.dues.standard", content_ref=f"member:{member.pk}").exists()
    assert events(user_stream(member.pk), "branch.dues.standard")[-1]["monthly_fen"] == 4_000
    # Set again in the same year: corrected, still one standard for the year.
    services.dues_standard_set(by=as_actor(branch.organiser), member_id=member.pk, category="retired",
                               income_fen=4_000_00, year=THIS.year, effective_from=THIS)  # fmt: skip
    assert DuesStandard.objects.get(member=member).monthly_fen == 2_000


@pytest.mark.parametrize("income", [-1, -100_00, 10**12])
def test_a_negative_or_absurd_income_is_refused_and_nothing_stored(branch, as_actor, income) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IncomeInvalid) as caught:
        _standard(branch, as_actor, branch.members[0], income=income)
    assert caught.value.code == "dues_income_invalid"
    assert not DuesStandard.objects.exists()
    assert not ArchiveRecord.objects.filter(kind="branch.dues.standard").exists()


def test_only_the_members_own_branch_officers_set_and_see_the_base(branch, as_actor) -> None:  # type: ignore[no-untyped-def]
    member = branch.members[0]
    for who in (member, branch.members[1], branch.publicity, branch.committee_secretary, branch.outsider):
        with pytest.raises(Forbidden):
            services.dues_standard_set(by=as_actor(who), member_id=member.pk, category="employed", income_fen=1)
    _standard(branch, as_actor, member)
    # The member and the branch's secretary and organiser see it; a peer, the publicity member
    # and the committee above (a role above the branch) do not.
    for who in (member, branch.secretary, branch.organiser):
        assert selectors.dues_member_year(actor=as_actor(who), member_id=member.pk, year=THIS.year).standard
    for who in (branch.members[1], branch.publicity, branch.committee_secretary, branch.outsider):
        with pytest.raises(Forbidden):
            selectors.dues_member_year(actor=as_actor(who), member_id=member.pk, year=THIS.year)


def test_recorded_payment_with_prepaying_counts_months_as_paid(branch, as_actor) -> None:  # type: ignore[no-untyped-def]
    member = branch.members[0]
    _standard(branch, as_actor, member)
    payment = services.dues_payment_record(
        by=as_actor(branch.secretary), member_id=member.pk, first_month=THIS, months=3, amount_fen=12_000,
        method="cash", paid_on=TODAY,
    )  # fmt: skip
    assert payment.status == PaymentStatus.CONFIRMED
    assert sorted(DuesMonth.objects.filter(member=member, confirmed=True).values_list("month", flat=True)) == [
        THIS, add_months(THIS, 1), add_months(THIS, 2)
    ]  # fmt: skip
    assert events(user_stream(member.pk), "branch.dues.confirmed")[-1]["payment"] == payment.pk
    row = selectors.dues_rows(members=[member], month=add_months(THIS, 2))[0]
    assert row.paid_this_month and row.months_overdue == 0


def test_an_amount_not_matching_the_standard_is_refused_with_the_expected_sum(branch, as_actor) -> None:  # type: ignore[no-untyped-def]
    member = branch.members[0]
    _standard(branch, as_actor, member)
    for amount in (11_999, 12_001, -1):
        with pytest.raises(AmountMismatch) as caught:
            services.dues_payment_record(by=as_actor(branch.secretary), member_id=member.pk, first_month=THIS,
                                         months=3, amount_fen=amount, method="cash", paid_on=TODAY)  # fmt: skip
        assert caught.value.code == "dues_amount_mismatch"
    assert caught.value.details.get("expected_fen") is None  # a negative amount is refused before summing
    with pytest.raises(AmountMismatch) as caught:
        services.dues_payment_declare(by=as_actor(member), first_month=THIS, months=2, amount_fen=1,
                                      method="transfer", paid_on=TODAY)  # fmt: skip
    assert caught.value.details["expected_fen"] == 8_000
    assert not DuesPayment.objects.exists() and not DuesMonth.objects.exists()


def test_a_month_is_paid_once_and_prepaying_has_a_limit(branch, as_actor) -> None:  # type: ignore[no-untyped-def]
    member = branch.members[0]
    _standard(branch, as_actor, member)
    me = as_actor(member)
    services.dues_payment_declare(by=me, first_month=THIS, months=1, amount_fen=4_000, method="mobile", paid_on=TODAY)
    with pytest.raises(MonthAlreadyPaid):
        services.dues_payment_record(by=as_actor(branch.secretary), member_id=member.pk, first_month=THIS,
                                     months=2, amount_fen=8_000, method="cash", paid_on=TODAY)  # fmt: skip
    with pytest.raises(Invalid):  # more than twelve months ahead
        services.dues_payment_declare(by=me, first_month=add_months(THIS, 2), months=12, amount_fen=48_000,
                                      method="cash", paid_on=TODAY)  # fmt: skip
    with pytest.raises(Invalid):
        services.dues_payment_declare(by=me, first_month=add_months(THIS, 1), months=1, amount_fen=4_000,
                                      method="cash", paid_on=TODAY + dt.timedelta(days=1))  # fmt: skip
    with pytest.raises(NoStandard):  # before the standard took effect
        services.dues_payment_declare(by=me, first_month=add_months(THIS, -1), months=1, amount_fen=4_000,
                                      method="cash", paid_on=TODAY)  # fmt: skip
    assert DuesPayment.objects.count() == 1


def test_a_declared_payment_is_confirmed_or_rejected_by_the_branch(branch, as_actor) -> None:  # type: ignore[no-untyped-def]
    member = branch.members[0]
    _standard(branch, as_actor, member)
    payment = services.dues_payment_declare(by=as_actor(member), first_month=THIS, months=1, amount_fen=4_000,
                                            method="transfer", paid_on=TODAY, reference="转账尾号1234")  # fmt: skip
    assert payment.status == PaymentStatus.DECLARED
    # The branch's officers hear of it live; the row shows it declared, not paid.
    assert events(user_stream(branch.secretary.pk), "branch.dues.declared")[-1]["payment"] == payment.pk
    row = selectors.dues_rows(members=[member], month=THIS)[0]
    assert row.declared_this_month and not row.paid_this_month
    with pytest.raises(Forbidden):
        services.dues_payment_decide(by=as_actor(member), payment_id=payment.pk, confirm=True)
    with pytest.raises(Forbidden):
        services.dues_payment_decide(by=as_actor(branch.committee_secretary), payment_id=payment.pk, confirm=True)
    services.dues_payment_decide(by=as_actor(branch.organiser), payment_id=payment.pk, confirm=True)
    assert selectors.dues_rows(members=[member], month=THIS)[0].paid_this_month
    assert events(user_stream(member.pk))[-1]["type"] == "branch.dues.confirmed"

    second = services.dues_payment_declare(by=as_actor(member), first_month=add_months(THIS, 1), months=1,
                                           amount_fen=4_000, method="cash", paid_on=TODAY)  # fmt: skip
    services.dues_payment_decide(by=as_actor(branch.secretary), payment_id=second.pk, confirm=False)
    assert not DuesMonth.objects.filter(payment=second).exists()  # the month may be paid again
    assert events(user_stream(member.pk))[-1]["type"] == "branch.dues.rejected"
    with pytest.raises(Exception) as caught:
        services.dues_payment_decide(by=as_actor(branch.secretary), payment_id=second.pk, confirm=True)
    assert getattr(caught.value, "code", "") == "conflict"


def test_arrears_months_overdue_reminders_at_three_and_warning_at_six(branch, as_actor) -> None:  # type: ignore[no-untyped-def]
    two, three, six = branch.members
    for member, back in ((two, 2), (three, 3), (six, 6)):
        _standard(branch, as_actor, member, months_back=back)
    _standard(branch, as_actor, branch.probationary, months_back=8)
    # The probationary member paid everything up to now.
    services.dues_payment_record(by=as_actor(branch.secretary), member_id=branch.probationary.pk,
                                 first_month=add_months(THIS, -8), months=9, amount_fen=9 * 4_000,
                                 method="cash", paid_on=TODAY)  # fmt: skip
    _branch, rows = selectors.dues_branch_month(
        actor=as_actor(branch.secretary), organisation_id=branch.tree.branch_a.pk, month=THIS
    )
    by_member = {r.member.pk: r for r in rows}
    assert [by_member[m.pk].months_overdue for m in (two, three, six, branch.probationary)] == [2, 3, 6, 0]
    assert by_member[six.pk].arrears_fen == 6 * 4_000
    assert by_member[branch.activist.pk].standard is None and by_member[branch.activist.pk].months_overdue == 0

    result = services.dues_reminders_send(by=as_actor(branch.organiser), organisation_id=branch.tree.branch_a.pk)
    assert sorted(result["reminded"]) == sorted([three.pk, six.pk]) and result["warned"] == [six.pk]
    assert events(user_stream(three.pk), "branch.dues.reminder")[-1]["months_overdue"] == 3
    assert not events(user_stream(two.pk), "branch.dues.reminder")
    warning = events(user_stream(branch.secretary.pk), "branch.dues.warning")[-1]
    assert warning["members"] == [{"id": six.pk, "name": six.real_name, "months": 6}]
    assert not events(user_stream(branch.organiser.pk), "branch.dues.warning")  # the secretary is warned
    # Only reported: the member is still there.
    six.refresh_from_db()
    assert ArchiveRecord.objects.filter(kind="branch.dues.reminders").exists()


def test_the_yearly_chart_for_a_branch_and_the_committees_subtree(branch, as_actor) -> None:  # type: ignore[no-untyped-def]
    member, other = branch.members[0], branch.outsider
    _standard(branch, as_actor, member)
    services.dues_standard_set(by=SYSTEM, member_id=other.pk, category="student",
                               income_fen=0, year=THIS.year, effective_from=THIS)  # fmt: skip
    services.dues_payment_record(by=as_actor(branch.secretary), member_id=member.pk, first_month=THIS, months=1,
                                 amount_fen=4_000, method="cash", paid_on=TODAY)  # fmt: skip
    chart = selectors.dues_year_chart(actor=as_actor(branch.committee_secretary),
                                      organisation_id=branch.tree.committee.pk, year=THIS.year)  # fmt: skip
    i = THIS.month - 1
    assert chart.due[i] == 4_020 and chart.paid[i] == 4_000
    assert {b.name: (b.due_fen, b.paid_fen) for b in chart.branches}["第一党支部"][1] == 4_000
    with pytest.raises(Forbidden):
        selectors.dues_year_chart(actor=as_actor(member), organisation_id=branch.tree.branch_a.pk, year=THIS.year)


def test_the_payment_provider_seam_stores_a_confirmed_payment(branch, as_actor) -> None:  # type: ignore[no-untyped-def]
    member = branch.members[0]
    _standard(branch, as_actor, member)
    payment = services.dues_payment_settle(reference="PROVIDER-1", member_id=member.pk, first_month=THIS, months=1,
                                           amount_fen=4_000, paid_on=TODAY)  # fmt: skip
    assert payment.status == PaymentStatus.CONFIRMED and payment.method == "provider"
    with pytest.raises(AmountMismatch):
        services.dues_payment_settle(reference="PROVIDER-2", member_id=member.pk, first_month=add_months(THIS, 1),
                                     months=1, amount_fen=3_999, paid_on=TODAY)  # fmt: skip


def test_the_monthly_command_reminds_every_branch(branch, as_actor) -> None:  # type: ignore[no-untyped-def]
    import io

    from django.core.management import call_command

    _standard(branch, as_actor, branch.members[0], months_back=4)
    out = io.StringIO()
    call_command("dues_reminders", stdout=out)
    assert out.getvalue().startswith("1 members reminded, 0 reported")
    assert events(user_stream(branch.members[0].pk), "branch.dues.reminder")
