"""The record pages: who may open what, masked lists, steps taken through the forms."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from members.access import SYSTEM
from members.models import Member, MemberStatus, RoleKind
from membership import services
from membership.models import MemberRecord, Transfer

pytestmark = pytest.mark.django_db


def test_a_record_is_read_by_the_member_and_their_managers_only(branch, client_for, member_factory, org_tree):
    services.record_update(by=SYSTEM, member=branch.full[0], id_number="11010519491231002X",
                           phone="13812345678")  # fmt: skip
    url = reverse("membership:record", args=[branch.full[0].pk])
    other_secretary = member_factory(org_tree.branch_b, roles=[(RoleKind.SECRETARY, org_tree.branch_b)])
    moderator = member_factory(org_tree.committee, roles=[(RoleKind.MODERATOR, org_tree.committee)])
    for outsider in (branch.full[1], other_secretary, moderator):
        assert client_for(outsider).get(url).status_code == 404
    page = client_for(branch.secretary).get(url).content.decode()
    assert "11010519491231002X" in page and "13812345678" in page  # in full on the record page
    listing = client_for(branch.secretary).get(reverse("membership:members", args=[branch.org.pk])).content.decode()
    assert "138****5678" in listing and "110***********002X" in listing  # masked in lists
    assert "13812345678" not in listing and "11010519491231002X" not in listing
    mine = client_for(branch.full[0]).get(reverse("membership:me"))
    assert mine.status_code == 200 and "11010519491231002X" in mine.content.decode()
    assert client_for(branch.full[0]).get(reverse("membership:members", args=[branch.org.pk])).status_code == 404


def test_the_secretary_takes_steps_through_the_record_page(branch, client_for, on_day):
    on_day(dt.date(2026, 12, 3))
    client = client_for(branch.secretary)
    url = reverse("membership:record", args=[branch.applicant.pk])
    assert 'id="step-application"' in client.get(url).content.decode()
    client.post(url, {"action": "application", "on": "2025-10-01"})
    page = client.post(url, {"action": "talk", "on": "2025-09-01", "note": "谈话"}, follow=True).content.decode()
    assert "before the step it follows" in page or "早于" in page  # refused with the reason, nothing stored
    assert MemberRecord.objects.get(member=branch.applicant).talked_on is None
    client.post(url, {"action": "talk", "on": "2025-10-10", "note": "谈入党动机"})
    response = client.post(
        url, {"action": "activist", "on": "2025-11-01", "people": [branch.full[0].pk, branch.full[1].pk]}
    )
    assert response.status_code == 302
    assert Member.objects.get(pk=branch.applicant.pk).status == MemberStatus.ACTIVIST
    board = client.get(reverse("membership:board", args=[branch.org.pk])).content.decode()
    assert branch.applicant.real_name in board and "2026-11-01" in board  # may become a candidate a year on


def test_a_member_asks_for_a_transfer_and_the_letter_is_verified_by_anyone(branch, client_for, org_tree, client):
    mover = branch.full[2]
    client_for(mover).post(reverse("membership:me"), {"action": "transfer", "to_org": org_tree.branch_b.pk,
                                                      "reason": "工作调动"})  # fmt: skip
    transfer = Transfer.objects.get(member=mover)
    client_for(branch.secretary).post(reverse("membership:transfers"), {"transfer": transfer.pk, "action": "approve"})
    transfer.refresh_from_db()
    letter = client_for(mover).get(reverse("membership:letter", args=[transfer.pk])).content.decode()
    assert transfer.code in letter
    check = client.get(reverse("membership:verify"), {"code": transfer.code}).content.decode()
    assert "verify-result" in check and org_tree.branch_b.name in check
    assert mover.real_name not in check  # the name is masked for whoever checks
