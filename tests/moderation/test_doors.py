"""The one list of doors: every text field of every model is in moderation.doors, and every
field it lists as guarded refuses a classification marking at its real door (a page, the JSON
API, a socket command, the admin, the roster import): a meeting titled 机密★1年 is not stored."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models

from members.access import Actor
from members.models import Member, RoleKind
from moderation.doors import FIELDS, Door, fields_by_door, is_guarded
from moderation.models import ArchiveRecord
from moderation.pipeline import ContentBlocked
from tests.conftest import MemberFactory, OrgTree
from tests.moderation.door_drivers import DRIVERS, World

FRAMEWORK = {"auth", "contenttypes", "sessions", "admin", "messages", "staticfiles"}


def _text_fields() -> set[str]:
    found: set[str] = set()
    for model in apps.get_models():
        if model._meta.app_label in FRAMEWORK:
            continue
        for field in model._meta.concrete_fields:
            text = isinstance(field, models.CharField | models.TextField) and not field.choices
            if text or isinstance(field, models.JSONField):
                found.add(f"{model._meta.label}.{field.name}")
    return found


def test_every_text_field_of_every_model_has_a_door() -> None:
    missing = sorted(_text_fields() - set(FIELDS))
    assert not missing, f"register these fields in moderation/doors.py with the door they pass: {missing}"


def test_the_list_names_only_fields_that_exist() -> None:
    assert not sorted(set(FIELDS) - _text_fields())


def test_no_gap_is_left() -> None:
    # A person's text that does not pass the guard is a gap: guard it; never add one.
    assert fields_by_door(Door.GAP) == []


GUARDED = sorted(fields_by_door(Door.PIPELINE) + fields_by_door(Door.GUARD))
MARK = "机密★1年"
PLAIN = "第三季度学习材料"


def _holding(text: str) -> set[str]:
    """The registered fields, of any model, whose stored values contain ``text``."""
    found = set()
    for label in FIELDS:
        model_label, name = label.rsplit(".", 1)
        model = apps.get_model(model_label)
        if isinstance(model._meta.get_field(name), models.JSONField):
            values = model._default_manager.values_list(name, flat=True)
            if any(text in json.dumps(value, ensure_ascii=False) for value in values):
                found.add(label)
        elif model._default_manager.filter(**{f"{name}__contains": text}).exists():
            found.add(label)
    return found


@pytest.fixture
def world(
    org_tree: OrgTree,
    member_factory: MemberFactory,
    actor_of: Callable[[Member], Actor],
    tmp_path: Path,
    settings,  # type: ignore[no-untyped-def]
) -> World:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return World(org_tree, member_factory, actor_of, tmp_path)


@pytest.mark.django_db
@pytest.mark.parametrize("field", GUARDED)
def test_a_marked_text_is_refused_at_the_door_of_every_guarded_field(field: str, world: World) -> None:
    """Through the field's real door: refused with the guard's reason, the attempt archived, the
    text stored nowhere; the same door takes an ordinary text into that very field."""
    assert field in DRIVERS, f"add a driver for {field} to tests/moderation/door_drivers.py"
    attempts = ArchiveRecord.objects.filter(kind="content.classified_blocked")
    before = attempts.count()
    refused = DRIVERS[field](world, f"材料{MARK}")
    assert not refused.accepted and f"“{MARK}”" in refused.said, refused
    assert attempts.count() == before + 1
    assert _holding(MARK) == set()
    accepted = DRIVERS[field](world, PLAIN)
    assert accepted.accepted, accepted
    assert field in _holding(PLAIN)


def test_every_driver_drives_a_guarded_field() -> None:
    assert sorted(DRIVERS) == GUARDED


@pytest.mark.django_db
def test_every_admin_form_guards_the_guarded_fields_it_edits(rf, admin_user, org_tree: OrgTree) -> None:  # type: ignore[no-untyped-def]
    """The admin is a door too: every form field of the admin (inlines included) that edits a
    guarded field refuses a marked text with the guard's reason."""
    from django.contrib import admin

    request = rf.get("/admin/")
    request.user = admin_user
    checked = []
    for model_admin in admin.site._registry.values():
        forms = [model_admin.get_form(request)]
        forms += [inline.get_formset(request).form for inline in model_admin.get_inline_instances(request)]
        for form in forms:
            label = form._meta.model._meta.label
            for name, form_field in form.base_fields.items():
                if not is_guarded(f"{label}.{name}"):
                    continue
                with pytest.raises(ValidationError) as refused:
                    form_field.clean(f"材料{MARK}")
                assert f"“{MARK}”" in str(refused.value), (label, name)
                checked.append(f"{label}.{name}")
    assert {"forum.Board.name", "members.Organisation.name", "members.Member.real_name"} <= set(checked)


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
