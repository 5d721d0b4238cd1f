"""The democratic appraisal: opening, self-assessment, anonymous ratings, conclusions, results."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, models, transaction
from django.utils import timezone

from branch import selectors, services
from branch.errors import AlreadyRated, DuplicateRating, NotRatingPeriod, ReasonRequired
from branch.models import Participant, RatingCast, RatingTally
from kernel.errors import Forbidden, NotFound
from meetings.models import Meeting, MeetingKind
from moderation.models import ArchiveRecord
from realtime.streams import user_stream
from tests.branch.events import events

NOW = timezone.now()
STARTS, ENDS = NOW + dt.timedelta(days=1), NOW + dt.timedelta(days=8)
DURING, AFTER = STARTS + dt.timedelta(hours=1), ENDS + dt.timedelta(hours=1)


def _open(b, as_actor, **kw):  # type: ignore[no-untyped-def]
    return services.appraisal_open(by=as_actor(b.secretary), organisation_id=b.tree.branch_a.pk, year=NOW.year,
                                   rating_starts=STARTS, rating_ends=ENDS, **kw)  # fmt: skip


def test_opening_takes_full_and_probationary_members_and_tells_them(branch, as_actor) -> None:  # type: ignore[no-untyped-def]
    appraisal = _open(branch, as_actor)
    names = {p.member.real_name for p in selectors.participants(appraisal)}
    assert "积极分子" not in names and "预备党员" in names and "外支部" not in names and len(names) == 7
    assert RatingTally.objects.filter(appraisal=appraisal).count() == 7 * 4  # every count exists from the start
    assert events(user_stream(branch.members[0].pk), "branch.appraisal.opened")[-1]["appraisal"] == appraisal.pk
    with pytest.raises(Forbidden):
        services.appraisal_open(by=as_actor(branch.organiser), organisation_id=branch.tree.branch_a.pk,
                                year=NOW.year - 1, rating_starts=STARTS, rating_ends=ENDS)  # fmt: skip
    with pytest.raises(Exception) as caught:
        _open(branch, as_actor)
    assert getattr(caught.value, "code", "") == "conflict"
    with pytest.raises(NotFound):
        selectors.appraisal_get_for(actor=as_actor(branch.outsider), appraisal_id=appraisal.pk)


def test_self_assessment_until_the_rating_closes(branch, as_actor) -> None:  # type: ignore[no-untyped-def]
    appraisal = _open(branch, as_actor)
    me = as_actor(branch.members[0])
    services.self_assessment_save(by=me, appraisal_id=appraisal.pk, text="认真学习，按时交纳党费。", at=NOW)
    assert Participant.objects.get(appraisal=appraisal, member=branch.members[0]).self_assessment
    with pytest.raises(Exception) as caught:
        services.self_assessment_save(by=me, appraisal_id=appraisal.pk, text="晚了", at=AFTER)
    assert getattr(caught.value, "code", "") == "conflict"
    with pytest.raises(NotFound):  # an activist is not appraised and does not see it
        services.self_assessment_save(by=as_actor(branch.activist), appraisal_id=appraisal.pk, text="x", at=NOW)


def test_ratings_only_in_the_period_once_and_only_of_peers(branch, as_actor) -> None:  # type: ignore[no-untyped-def]
    appraisal = _open(branch, as_actor)
    a, b, c = branch.members
    me = as_actor(a)
    for at in (NOW, AFTER):
        with pytest.raises(NotRatingPeriod) as caught:
            services.ratings_cast(by=me, appraisal_id=appraisal.pk, ratings={b.pk: "excellent"}.items(), at=at)
        assert caught.value.code == "appraisal_not_rating"
    for bad in ({a.pk: "excellent"}, {branch.outsider.pk: "qualified"}, {b.pk: "perfect"}, {}):
        with pytest.raises(Exception) as caught:
            services.ratings_cast(by=me, appraisal_id=appraisal.pk, ratings=bad.items(), at=DURING)
        assert getattr(caught.value, "code", "") == "invalid"
    with pytest.raises(DuplicateRating) as caught:  # the same person twice on one sheet
        services.ratings_cast(by=me, appraisal_id=appraisal.pk, ratings=[(b.pk, "excellent"), (b.pk, "basic")],
                              at=DURING)  # fmt: skip
    assert caught.value.code == "appraisal_duplicate_rating"
    assert not RatingCast.objects.exists()
    assert not RatingTally.objects.filter(appraisal=appraisal, count__gt=0).exists()
    assert services.ratings_cast(by=me, appraisal_id=appraisal.pk, ratings={b.pk: "excellent", c.pk: "basic"}.items(),
                                 at=DURING) == 2  # fmt: skip
    with pytest.raises(AlreadyRated) as caught:
        services.ratings_cast(by=me, appraisal_id=appraisal.pk, ratings={b.pk: "qualified"}.items(), at=DURING)
    assert caught.value.code == "appraisal_already_rated"
    counts = dict(RatingTally.objects.filter(appraisal=appraisal, member=b).values_list("grade", "count"))
    assert counts == {"excellent": 1, "qualified": 0, "basic": 0, "unqualified": 0}
    with pytest.raises(Forbidden):  # counts are not shown while ratings come in
        selectors.tallies_for(actor=as_actor(branch.secretary), appraisal=appraisal, at=DURING)
    assert selectors.tallies_for(actor=as_actor(branch.secretary), appraisal=appraisal, at=AFTER)[c.pk]["basic"] == 1


def _database_rows() -> list[tuple[str, dict[str, Any]]]:
    """Every row of every table, without what differs between two runs by itself (primary keys,
    times, the archive's hashes)."""
    out = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.db_table not in connection.introspection.table_names():
            continue
        skip = {f.attname for f in model._meta.concrete_fields
                if f.primary_key or isinstance(f, models.DateTimeField | models.DateField)
                or f.name in {"hash", "prev_hash", "password", "last_login"}}  # fmt: skip
        for row in model._default_manager.values():
            out.append((model._meta.label, {k: v for k, v in row.items() if k not in skip}))
    return sorted(out, key=repr)


def test_no_table_links_a_rater_to_a_grade(branch, as_actor) -> None:  # type: ignore[no-untyped-def]
    """Two members rate a third with different grades, then with the grades swapped: every table
    ends up the same either way, so nothing stored tells who gave which grade."""
    appraisal = _open(branch, as_actor)
    first, second, rated = branch.members

    def run(grade_of_first: str, grade_of_second: str) -> list[tuple[str, dict[str, Any]]]:
        with transaction.atomic():
            services.ratings_cast(by=as_actor(first), appraisal_id=appraisal.pk,
                                  ratings=[(rated.pk, grade_of_first)], at=DURING)  # fmt: skip
            services.ratings_cast(by=as_actor(second), appraisal_id=appraisal.pk,
                                  ratings=[(rated.pk, grade_of_second)], at=DURING)  # fmt: skip
            rows = _database_rows()
            transaction.set_rollback(True)
        return rows

    one, other = run("excellent", "unqualified"), run("unqualified", "excellent")
    assert one == other
    # And the ratings did land: the counts moved, and who rated is known.
    assert ("branch.RatingCast", {"appraisal_id": appraisal.pk, "rater_id": first.pk}) in one
    counts = [r for label, r in one if label == "branch.RatingTally" and r["member_id"] == rated.pk and r["count"]]
    assert sorted(r["grade"] for r in counts) == ["excellent", "unqualified"]


def test_conclusions_after_the_period_reasons_for_low_grades_private_results(branch, as_actor) -> None:  # type: ignore[no-untyped-def]
    appraisal = _open(branch, as_actor)
    sec = as_actor(branch.secretary)
    member = branch.members[0]
    with pytest.raises(Exception) as caught:
        services.conclusion_record(by=sec, appraisal_id=appraisal.pk, member_id=member.pk, grade="qualified", at=DURING)
    assert getattr(caught.value, "code", "") == "conflict"
    with pytest.raises(ReasonRequired) as caught:
        services.conclusion_record(by=sec, appraisal_id=appraisal.pk, member_id=member.pk, grade="basic",
                                   reasons="  ", at=AFTER)  # fmt: skip
    assert caught.value.code == "appraisal_reason_required"
    with pytest.raises(Forbidden):
        services.conclusion_record(by=as_actor(member), appraisal_id=appraisal.pk, member_id=member.pk,
                                   grade="excellent", at=AFTER)  # fmt: skip
    with pytest.raises(Exception) as caught:  # not everyone has a conclusion yet
        services.appraisal_announce(by=sec, appraisal_id=appraisal.pk, at=AFTER)
    assert getattr(caught.value, "code", "") == "conflict"
    for p in selectors.participants(appraisal):
        grade, reasons = (
            ("basic", "学习不够主动，三次缺席组织生活。") if p.member_id == member.pk else ("qualified", "")
        )
        services.conclusion_record(by=sec, appraisal_id=appraisal.pk, member_id=p.member_id, grade=grade,
                                   reasons=reasons, at=AFTER)  # fmt: skip
    assert ArchiveRecord.objects.filter(kind="branch.appraisal.conclusion").count() == 7
    services.appraisal_announce(by=sec, appraisal_id=appraisal.pk, at=AFTER)
    result = events(user_stream(member.pk), "branch.appraisal.result")[-1]
    assert result == {"type": "branch.appraisal.result", "appraisal": appraisal.pk}  # no grade on the stream
    summary = events(user_stream(branch.committee_secretary.pk), "branch.appraisal.summary")[-1]
    assert summary["counts"] == {"excellent": 0, "qualified": 6, "basic": 1, "unqualified": 0}


def test_linked_to_an_organisational_life_meeting(branch, as_actor) -> None:  # type: ignore[no-untyped-def]
    def meeting(kind: str, org) -> Meeting:  # type: ignore[no-untyped-def]
        return Meeting.objects.create(organisation=org, kind=kind, title="2026年度组织生活会",
                                      host=branch.secretary, starts_at=STARTS, ends_at=ENDS)  # fmt: skip

    life = meeting(MeetingKind.ORG_LIFE, branch.tree.branch_a)
    appraisal = _open(branch, as_actor, meeting_id=life.pk)
    assert selectors.appraisals_for_meeting(life.pk) == [appraisal]
    for wrong in (
        meeting(MeetingKind.LESSON, branch.tree.branch_a),
        meeting(MeetingKind.ORG_LIFE, branch.tree.branch_b),
    ):
        with pytest.raises(Exception) as caught:
            services.appraisal_link_meeting(by=as_actor(branch.secretary), appraisal_id=appraisal.pk,
                                            meeting_id=wrong.pk)  # fmt: skip
        assert getattr(caught.value, "code", "") == "invalid"


def test_the_meeting_page_and_minutes_show_the_appraisal(branch, as_actor, client_for) -> None:  # type: ignore[no-untyped-def]
    from meetings.selectors import minutes_document

    life = Meeting.objects.create(organisation=branch.tree.branch_a, kind=MeetingKind.ORG_LIFE, title="组织生活会",
                                  host=branch.secretary, starts_at=STARTS, ends_at=ENDS)  # fmt: skip
    appraisal = _open(branch, as_actor, meeting_id=life.pk)
    services.ratings_cast(by=as_actor(branch.members[0]), appraisal_id=appraisal.pk,
                          ratings=[(branch.members[1].pk, "excellent")], at=DURING)  # fmt: skip
    document = minutes_document(meeting=life, text="")
    assert [s.url for s in document.sections] == [f"/branch/appraisals/{appraisal.pk}/"]
    assert "1" in document.sections[0].lines[0]
    page = client_for(branch.members[0]).get(f"/meetings/{life.pk}/").content.decode()
    assert f'href="/branch/appraisals/{appraisal.pk}/"' in page


def test_the_committee_above_reads_the_summary_not_the_people(branch, as_actor, client_for) -> None:  # type: ignore[no-untyped-def]
    appraisal = _open(branch, as_actor)
    committee = as_actor(branch.committee_secretary)
    assert selectors.appraisal_get_for(actor=committee, appraisal_id=appraisal.pk) == appraisal
    with pytest.raises(Forbidden):
        selectors.tallies_for(actor=committee, appraisal=appraisal, at=AFTER)
    with pytest.raises(Forbidden):
        services.conclusion_record(by=committee, appraisal_id=appraisal.pk, member_id=branch.members[0].pk,
                                   grade="qualified", at=AFTER)  # fmt: skip
    seen = client_for(branch.committee_secretary).get(f"/api/branch/appraisals/{appraisal.pk}").json()
    assert seen["tallies"] is None and all(p["conclusion"] is None for p in seen["participants"])
