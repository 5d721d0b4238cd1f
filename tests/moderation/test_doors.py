"""The one list of doors: every text field of every model is in moderation.doors, and the
meeting's doors refuse a classification marking (a meeting titled 机密★1年 is not stored)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.apps import apps
from django.db import models

from members.access import Actor
from members.models import Member, RoleKind
from moderation.doors import FIELDS, Door, fields_by_door
from moderation.pipeline import ContentBlocked
from tests.conftest import MemberFactory, OrgTree

FRAMEWORK = {"auth", "contenttypes", "sessions", "admin", "messages", "staticfiles"}


def _text_fields() -> set[str]:
    found: set[str] = set()
    for model in apps.get_models():
        if model._meta.app_label in FRAMEWORK:
            continue
        for field in model._meta.concrete_fields:
            text = isinstance(field, models.CharField | models.TextField) and not field.choices
            if text or isinstance(field, models.JSONField) and field.name in {"agenda"}:
                found.add(f"{model._meta.label}.{field.name}")
    return found


def test_every_text_field_of_every_model_has_a_door() -> None:
    missing = sorted(_text_fields() - set(FIELDS))
    assert not missing, f"register these fields in moderation/doors.py with the door they pass: {missing}"


def test_the_list_names_only_fields_that_exist() -> None:
    assert not sorted(set(FIELDS) - _text_fields() - {"meetings.Meeting.agenda"})


def test_the_known_gaps_are_listed_and_can_only_shrink() -> None:
    # Close a gap by guarding the field and moving it to GUARD or PIPELINE; never add one.
    assert len(fields_by_door(Door.GAP)) <= 7


@pytest.mark.django_db
@pytest.mark.parametrize("title, agenda", [("机密★1年 支部委员会", []), ("支部委员会", ["绝密★启用前 议程"])])
def test_a_meeting_titled_or_with_an_agenda_marked_classified_is_refused(
    org_tree: OrgTree, member_factory: MemberFactory, actor_of: Callable[[Member], Actor], title: str, agenda: list[str]
) -> None:
    import datetime as dt

    from django.utils import timezone

    from meetings import services
    from meetings.models import Meeting

    secretary = member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.branch_a)])
    start = timezone.now() + dt.timedelta(days=1)
    with pytest.raises(ContentBlocked):
        services.meeting_schedule(
            by=actor_of(secretary), organisation=org_tree.branch_a, kind="branch_committee", title=title,
            starts_at=start, ends_at=start + dt.timedelta(hours=1), agenda=agenda,
        )  # fmt: skip
    assert not Meeting.objects.exists()
    meeting = services.meeting_schedule(
        by=actor_of(secretary), organisation=org_tree.branch_a, kind="branch_committee", title="支部委员会",
        starts_at=start, ends_at=start + dt.timedelta(hours=1),
    )  # fmt: skip
    with pytest.raises(ContentBlocked):
        services.meeting_update(by=actor_of(secretary), meeting=meeting, title="秘密★6个月")
    meeting.refresh_from_db()
    assert meeting.title == "支部委员会"
