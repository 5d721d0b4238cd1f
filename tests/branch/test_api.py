"""The branch's JSON API: shapes, access, bad input with clear codes and nothing stored."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from branch import services
from branch.dues_rules import month_start
from branch.models import DuesPayment, DuesStandard, Notice, NoticeReceipt, RatingCast

THIS = month_start(timezone.localdate())


def _json(client, method: str, url: str, body: object = None):  # type: ignore[no-untyped-def]
    return getattr(client, method)(url, data=json.dumps(body) if body is not None else None,
                                   content_type="application/json")  # fmt: skip


def test_the_dues_endpoints_are_in_the_openapi(client) -> None:  # type: ignore[no-untyped-def]
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/branch/dues/me",
        "/api/branch/dues/payments",
        "/api/branch/notices",
        "/api/branch/notices/{notice_id}/receipts",
        "/api/branch/appraisals/{appraisal_id}/ratings",
    ):
        assert path in paths


def test_standard_payment_and_my_year(branch, as_actor, client_for) -> None:  # type: ignore[no-untyped-def]
    member = branch.members[0]
    secretary = client_for(branch.secretary)
    r = _json(secretary, "put", f"/api/branch/dues/members/{member.pk}/standard",
              {"category": "employed", "income_fen": 8_000_00, "effective_from": THIS.isoformat()})  # fmt: skip
    assert r.status_code == 200 and r.json()["monthly_fen"] == 12_000
    r = _json(secretary, "put", f"/api/branch/dues/members/{member.pk}/standard",
              {"category": "employed", "income_fen": -1})  # fmt: skip
    assert r.status_code == 400 and r.json()["code"] == "dues_income_invalid"
    mine = client_for(member)
    r = _json(mine, "post", "/api/branch/dues/payments",
              {"first_month": THIS.isoformat(), "months": 2, "amount_fen": 20_000, "method": "transfer",
               "paid_on": timezone.localdate().isoformat()})  # fmt: skip
    assert r.status_code == 400 and r.json()["code"] == "dues_amount_mismatch" and r.json()["expected_fen"] == 24_000
    assert not DuesPayment.objects.exists()
    r = _json(mine, "post", "/api/branch/dues/payments",
              {"first_month": THIS.isoformat(), "months": 2, "amount_fen": 24_000, "method": "transfer",
               "paid_on": timezone.localdate().isoformat()})  # fmt: skip
    assert r.status_code == 201 and r.json()["status"] == "declared"
    r = _json(secretary, "post", f"/api/branch/dues/payments/{r.json()['id']}/decision", {"confirm": True})
    assert r.json()["status"] == "confirmed"
    year = mine.get("/api/branch/dues/me").json()
    assert year["standard"]["monthly_fen"] == 12_000
    assert [m["status"] for m in year["months"] if m["month"] == THIS.isoformat()] == ["paid"]
    # A peer may not read another member's income base.
    assert client_for(branch.members[1]).get(f"/api/branch/dues/members/{member.pk}").status_code == 403
    month = secretary.get(f"/api/branch/dues/branches/{branch.tree.branch_a.pk}/month").json()
    assert {row["member"]: row["paid_this_month"] for row in month["rows"]}[member.pk] is True
    chart = (
        client_for(branch.committee_secretary)
        .get(f"/api/branch/dues/organisations/{branch.tree.committee.pk}/year/{THIS.year}")
        .json()
    )
    assert chart["paid_fen"][THIS.month - 1] == 12_000


@pytest.mark.parametrize(
    "url",
    [
        "/api/branch/dues/members/99999999999999999999",
        "/api/branch/dues/members/0",
        "/api/branch/notices/-1",
        "/api/branch/appraisals/2147483648",
        "/api/branch/dues/organisations/1/year/99999",
    ],
)
def test_out_of_range_ids_are_bad_requests_not_errors(branch, client_for, url) -> None:  # type: ignore[no-untyped-def]
    r = client_for(branch.members[0]).get(url)
    assert r.status_code in {400, 404} and r.json()["code"] in {"bad_request", "not_found"}


def test_months_and_amount_range_checked(branch, client_for) -> None:  # type: ignore[no-untyped-def]
    r = _json(client_for(branch.members[0]), "post", "/api/branch/dues/payments",
              {"first_month": THIS.isoformat(), "months": 0, "amount_fen": 10**15, "method": "cash",
               "paid_on": THIS.isoformat()})  # fmt: skip
    assert r.status_code == 400 and r.json()["code"] == "bad_request"


def test_notice_publish_read_confirm_and_receipts(branch, client_for, tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    publisher = client_for(branch.publicity)
    r = publisher.post("/api/branch/notices", {"organisation": branch.tree.group_a1.pk, "title": "学习通知",
                                               "body": "请学习。", "requires_confirmation": "true"})  # fmt: skip
    assert r.status_code == 201, r.content
    notice_id = r.json()["id"]
    reader = client_for(branch.members[0])
    assert reader.get("/api/branch/notices").json()[0]["read_at"] is None
    assert reader.get(f"/api/branch/notices/{notice_id}").json()["read_at"] is None  # a GET does not mark read
    assert reader.post(f"/api/branch/notices/{notice_id}/read").json()["read_at"] is not None
    assert reader.post(f"/api/branch/notices/{notice_id}/confirm").json()["confirmed_at"] is not None
    receipts = publisher.get(f"/api/branch/notices/{notice_id}/receipts").json()
    assert receipts["stream"] == f"branch.notice:{notice_id}" and receipts["seq"] == 2
    assert [(o["read"], o["confirmed"], o["total"]) for o in receipts["organisations"]] == [(1, 1, 2)]
    assert reader.get(f"/api/branch/notices/{notice_id}/receipts").status_code == 403
    assert client_for(branch.outsider).get(f"/api/branch/notices/{notice_id}").status_code == 404
    assert publisher.post(f"/api/branch/notices/{notice_id}/remind").json() == {"count": 1}
    r = client_for(branch.members[0]).post("/api/branch/notices", {"organisation": branch.tree.branch_a.pk,
                                                                   "title": "x", "body": "y"})  # fmt: skip
    assert r.status_code == 403 and Notice.objects.count() == 1 and NoticeReceipt.objects.count() == 2


def test_ratings_over_the_api(branch, as_actor, client_for) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    appraisal = services.appraisal_open(by=as_actor(branch.secretary), organisation_id=branch.tree.branch_a.pk,
                                        year=now.year, rating_starts=now - dt.timedelta(hours=1),
                                        rating_ends=now + dt.timedelta(days=1))  # fmt: skip
    a, b, c = branch.members
    client = client_for(a)
    url = f"/api/branch/appraisals/{appraisal.pk}/ratings"
    r = _json(
        client, "post", url, {"ratings": [{"member": b.pk, "grade": "excellent"}, {"member": b.pk, "grade": "basic"}]}
    )
    assert r.status_code == 400 and r.json()["code"] == "appraisal_duplicate_rating"
    r = _json(client, "post", url, {"ratings": [{"member": b.pk, "grade": "superb"}]})
    assert r.status_code == 400 and r.json()["code"] == "bad_request"
    assert not RatingCast.objects.exists()
    r = _json(
        client,
        "post",
        url,
        {"ratings": [{"member": b.pk, "grade": "excellent"}, {"member": c.pk, "grade": "qualified"}]},
    )
    assert r.status_code == 201 and r.json() == {"count": 2}
    r = _json(client, "post", url, {"ratings": [{"member": c.pk, "grade": "basic"}]})
    assert r.status_code == 409 and r.json()["code"] == "appraisal_already_rated"
    seen = client.get(f"/api/branch/appraisals/{appraisal.pk}").json()
    assert seen["has_rated"] is True and seen["tallies"] is None and seen["raters"] is None
    assert client_for(branch.secretary).get(f"/api/branch/appraisals/{appraisal.pk}").json()["raters"] == 1
    assert DuesStandard.objects.count() == 0


def test_what_each_person_sees_of_an_appraisal(branch, as_actor, client_for) -> None:  # type: ignore[no-untyped-def]
    """A member their own part, the secretary every conclusion and the counts once rating has
    closed, the committee above the summary once announced: the whole answer, field by field."""
    now = timezone.now().replace(microsecond=0)
    starts, ends = now - dt.timedelta(days=2), now - dt.timedelta(days=1)
    appraisal = services.appraisal_open(by=as_actor(branch.secretary), organisation_id=branch.tree.branch_a.pk,
                                        year=now.year, rating_starts=starts, rating_ends=ends)  # fmt: skip
    a, b, c = branch.members
    services.self_assessment_save(by=as_actor(a), appraisal_id=appraisal.pk, text="按时交纳党费。", at=starts)
    services.ratings_cast(by=as_actor(a), appraisal_id=appraisal.pk, ratings=[(b.pk, "excellent"), (c.pk, "basic")],
                          at=starts + dt.timedelta(hours=1))  # fmt: skip
    url = f"/api/branch/appraisals/{appraisal.pk}"
    people = sorted(
        [branch.secretary, branch.organiser, branch.publicity, a, b, c, branch.probationary], key=lambda m: m.real_name
    )

    def seen(member, **fields):  # type: ignore[no-untyped-def]
        return {"id": appraisal.pk, "organisation": branch.tree.branch_a.name, "year": now.year,
                "rating_starts": f"{starts:%Y-%m-%dT%H:%M:%S}Z", "rating_ends": f"{ends:%Y-%m-%dT%H:%M:%S}Z",
                "meeting": None,
                "has_rated": member == a, "my_self_assessment": None, "my_conclusion": None, "my_reasons": None,
                "raters": None, "tallies": None, "summary": None} | fields  # fmt: skip

    def participants(conclusions: dict[int, tuple[str, str]] | None):  # type: ignore[no-untyped-def]
        return [{"member": p.pk, "name": p.real_name, "self_assessed": p == a,
                 "conclusion": conclusions[p.pk][0] if conclusions is not None else None,
                 "reasons": conclusions[p.pk][1] if conclusions is not None else None} for p in people]  # fmt: skip

    zero = {"excellent": 0, "qualified": 0, "basic": 0, "unqualified": 0}
    tallies = {str(p.pk): zero | ({"excellent": 1} if p == b else {"basic": 1} if p == c else {}) for p in people}
    assert client_for(a).get(url).json() == seen(
        a, phase="concluding", my_self_assessment="按时交纳党费。", participants=participants(None)
    )
    unconcluded = {p.pk: ("", "") for p in people}
    assert client_for(branch.secretary).get(url).json() == seen(
        branch.secretary, phase="concluding", my_self_assessment="", participants=participants(unconcluded),
        raters=1, tallies=tallies,
    )  # fmt: skip
    assert client_for(branch.committee_secretary).get(url).json() == seen(
        branch.committee_secretary, phase="concluding", participants=participants(None)
    )
    concluded = {p.pk: ("basic", "缺席组织生活。") if p == c else ("qualified", "") for p in people}
    for p in people:
        services.conclusion_record(by=as_actor(branch.secretary), appraisal_id=appraisal.pk, member_id=p.pk,
                                   grade=concluded[p.pk][0], reasons=concluded[p.pk][1])  # fmt: skip
    r = client_for(branch.secretary).post(f"{url}/announce")
    summary = {"excellent": 0, "qualified": 6, "basic": 1, "unqualified": 0}
    assert r.status_code == 200 and r.json() == seen(
        branch.secretary, phase="announced", my_self_assessment="", my_conclusion="qualified", my_reasons="",
        participants=participants(concluded), raters=1, tallies=tallies, summary=summary,
    )  # fmt: skip
    assert client_for(c).get(url).json() == seen(
        c, phase="announced", my_self_assessment="", my_conclusion="basic", my_reasons="缺席组织生活。",
        participants=participants(None),
    )  # fmt: skip
    assert client_for(branch.committee_secretary).get(url).json() == seen(
        branch.committee_secretary, phase="announced", participants=participants(None), summary=summary
    )
