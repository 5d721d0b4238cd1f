"""The JSON API of party records: the same rules as the pages, errors as codes, ids range-checked."""

from __future__ import annotations

import datetime as dt

import pytest

from members.models import Member, MemberStatus

pytestmark = pytest.mark.django_db


def api(client, method, path, body=None):
    response = getattr(client, method)(f"/api{path}", body, content_type="application/json")
    return response.status_code, response.json() if response.content else None


def test_the_pipeline_through_the_api(branch, client_for, on_day):
    on_day(dt.date(2026, 12, 3))
    sec = client_for(branch.secretary)
    path = f"/membership/members/{branch.applicant.pk}"
    status, body = api(sec, "post", f"{path}/steps/talk", {"on": "2026-10-01", "note": "谈话"})
    assert (status, body["code"]) == (409, "step_out_of_order")
    status, body = api(sec, "post", f"{path}/steps/application", {})
    assert (status, body["code"]) == (400, "invalid")  # the date is missing
    assert api(sec, "post", f"{path}/steps/application", {"on": "2026-09-01"})[0] == 200
    assert api(sec, "post", f"{path}/steps/talk", {"on": "2026-09-05", "note": "谈话"})[0] == 200
    status, body = api(sec, "post", f"{path}/steps/activist",
                       {"on": "2026-11-01", "contact_ids": [branch.full[0].pk, branch.full[1].pk]})  # fmt: skip
    assert status == 200 and body["status"] == MemberStatus.ACTIVIST
    assert [c["id"] for c in body["contacts"]] == sorted([branch.full[0].pk, branch.full[1].pk])
    dates = {"on": "2026-12-01", "political_review_on": "2026-11-20", "training_on": "2026-11-21"}
    status, body = api(sec, "post", f"{path}/steps/candidate", dates)
    assert (status, body["code"]) == (409, "too_soon")
    status, board = api(sec, "get", f"/membership/organisations/{branch.org.pk}/board")
    assert [m["real_name"] for m in board["stages"]["activist"]] == [branch.applicant.real_name]
    assert board["stages"]["activist"][0]["due"]["on"] == "2027-11-01"


def test_reads_are_refused_to_others_and_ids_out_of_range_are_a_400(branch, client_for, org_tree, member_factory):
    outsider = client_for(member_factory(org_tree.branch_b))
    assert api(outsider, "get", f"/membership/members/{branch.applicant.pk}")[0] == 404
    assert api(outsider, "get", f"/membership/organisations/{branch.org.pk}/board")[0] == 404
    assert api(outsider, "get", f"/membership/members/{10**30}")[0] in (400, 422)
    status, _ = api(client_for(branch.secretary), "post", f"/membership/members/{branch.applicant.pk}/steps/probation",
                    {"introducer_ids": [10**30], "motion_id": 1})  # fmt: skip
    assert status in (400, 422)
    status, body = api(
        client_for(branch.secretary), "post", f"/membership/members/{branch.applicant.pk}/steps/nope", {}
    )
    assert status in (400, 422)
    assert Member.objects.get(pk=branch.applicant.pk).status == MemberStatus.APPLICANT


def test_a_transfer_and_its_letter_through_the_api(branch, client_for, org_tree, client):
    mover = branch.full[3]
    status, transfer = api(client_for(mover), "post", "/membership/transfers",
                           {"to_org_id": org_tree.branch_b.pk, "reason": "工作调动"})  # fmt: skip
    assert status == 201 and transfer["status"] == "requested"
    status, transfer = api(client_for(branch.secretary), "post", f"/membership/transfers/{transfer['id']}/approve")
    assert status == 200 and transfer["code"]
    status, letter = api(client, "get", f"/membership/letters/{transfer['code']}")
    assert status == 200 and letter["valid"] and letter["name"].startswith(mover.real_name[0])
    assert api(client, "get", "/membership/letters/NOSUCHCODE")[0] == 404
