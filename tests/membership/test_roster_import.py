"""The roster import from a page: checked first, all or nothing, progress told to the organiser."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members.models import Member, RoleKind
from members.roster import RosterInvalid
from membership.roster_import import roster_import_start
from realtime.models import StreamEvent

pytestmark = pytest.mark.django_db


def roster(org_tree, *extra: str) -> bytes:
    lines = ["用户名,姓名,组织,身份,电话", f"li4,李四,{org_tree.group_a1.code},正式党员,13800001111", *extra]
    return "\n".join(lines).encode()


def test_a_valid_roster_is_applied_and_the_organiser_told_the_outcome(org_tree, member_factory, actor_of):
    organiser = member_factory(org_tree.branch_a, roles=[(RoleKind.ORGANISER, org_tree.branch_a)])
    data = roster(org_tree, f"wang5,王五,{org_tree.branch_a.code},预备党员,")
    job = roster_import_start(by=actor_of(organiser), organisation=org_tree.branch_a, data=data, run=lambda w: w())
    assert job.total == 2
    assert set(Member.objects.filter(user__username__in=["li4", "wang5"]).values_list("real_name", flat=True)) == {
        "李四", "王五",
    }  # fmt: skip
    finished = StreamEvent.objects.get(stream=f"user:{organiser.pk}", payload__type="membership.import.finished")
    assert finished.payload["created"] == 2 and finished.payload["job"] == job.id


def test_a_roster_with_an_error_or_outside_the_organisation_imports_nothing(org_tree, member_factory, actor_of):
    organiser = member_factory(org_tree.branch_a, roles=[(RoleKind.ORGANISER, org_tree.branch_a)])
    with pytest.raises(RosterInvalid) as invalid:
        roster_import_start(by=actor_of(organiser), organisation=org_tree.branch_a,
                            data=roster(org_tree, "x y,,NOPE,主席,"), run=lambda w: w())  # fmt: skip
    assert {e.column for e in invalid.value.errors} >= {"username", "real_name", "organisation", "status"}
    with pytest.raises(RosterInvalid):  # another branch: not this organiser's to fill
        data = roster(org_tree, f"zhao6,赵六,{org_tree.branch_b.code},正式党员,")
        roster_import_start(by=actor_of(organiser), organisation=org_tree.branch_a, data=data, run=lambda w: w())
    assert not Member.objects.filter(user__username="li4").exists()


def test_the_page_lists_every_problem_and_is_for_organisers_only(org_tree, member_factory, client_for):
    organiser = member_factory(org_tree.branch_a, roles=[(RoleKind.ORGANISER, org_tree.branch_a)])
    url = reverse("membership:import", args=[org_tree.branch_a.pk])
    assert client_for(member_factory(org_tree.branch_a)).get(url).status_code == 404
    upload = SimpleUploadedFile("roster.csv", roster(org_tree, "bad name,,NOPE,主席,"), content_type="text/csv")
    page = client_for(organiser).post(url, {"file": upload}).content.decode()
    assert 'id="import-errors"' in page and "NOPE" in page
    assert not Member.objects.filter(user__username="li4").exists()


def test_a_marked_name_or_location_is_a_row_problem_on_the_page(org_tree, member_factory, client_for):
    from moderation.models import ArchiveRecord

    organiser = member_factory(org_tree.branch_a, roles=[(RoleKind.ORGANISER, org_tree.branch_a)])
    branch = org_tree.branch_a.code
    rows = "\n".join([
        "用户名,姓名,组织,身份,流动党员,现居地",
        f"wang5,王五 机密★1年,{branch},正式党员,,",
        f"zhao6,赵六,{branch},正式党员,是,密级：秘密",
    ])  # fmt: skip
    upload = SimpleUploadedFile("roster.csv", rows.encode(), content_type="text/csv")
    url = reverse("membership:import", args=[org_tree.branch_a.pk])
    page = client_for(organiser).post(url, {"file": upload}).content.decode()
    assert 'id="import-errors"' in page and "“机密★1年”" in page and "“密级:秘密”" in page
    assert not Member.objects.filter(user__username__in=["li4", "wang5", "zhao6"]).exists()
    assert ArchiveRecord.objects.filter(kind="content.classified_blocked").count() == 2
