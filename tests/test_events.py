"""Durable events are typed: each app declares its payloads as models in its ``events.py``,
named ``<app>.<entity>.<verb>``, and docs/protocol.md lists each with its fields."""

from __future__ import annotations

import importlib
import inspect
import re
import typing
from pathlib import Path

import pytest
from django.apps import apps as django_apps

from realtime.events import Event

ROOT = Path(__file__).resolve().parent.parent
APPS_WITH_EVENT_MODELS = ["meetings", "lessons", "membership", "forum", "mailboxes", "moderation", "branch"]
PROTOCOL = (ROOT / "docs" / "protocol.md").read_text()
ROW = re.compile(r"^\| `(?P<type>[a-z_]+\.[a-z_.]+)` \| (?P<fields>.*)\|$", re.MULTILINE)


def event_models(app: str) -> list[type[Event]]:
    module = importlib.import_module(f"{app}.events")
    return [
        obj
        for obj in vars(module).values()
        if inspect.isclass(obj) and issubclass(obj, Event) and obj is not Event and obj.__module__ == module.__name__
    ]


def label_of(app: str) -> str:
    """Event names start with the app's label (``mailbox`` for the package ``mailboxes``)."""
    return django_apps.get_containing_app_config(f"{app}.events").label  # type: ignore[union-attr]


def types_of(model: type[Event]) -> list[str]:
    return list(typing.get_args(model.model_fields["type"].annotation))


def documented() -> dict[str, str]:
    return {m["type"]: m["fields"] for m in ROW.finditer(PROTOCOL)}


@pytest.mark.parametrize("app", APPS_WITH_EVENT_MODELS)
def test_event_types_are_named_app_entity_verb(app: str) -> None:
    models = event_models(app)
    assert models
    for model in models:
        for name in types_of(model):
            assert re.fullmatch(rf"{label_of(app)}\.[a-z_]+\.[a-z_]+", name), f"{model.__name__}: {name}"


@pytest.mark.parametrize("app", APPS_WITH_EVENT_MODELS)
def test_the_protocol_lists_every_event_with_its_fields(app: str) -> None:
    rows = documented()
    for model in event_models(app):
        for name in types_of(model):
            assert name in rows, f"{name} is not in docs/protocol.md"
            fields = set(model.model_fields) - {"type"}
            missing = {f for f in fields if f"`{f}`" not in rows[name] and "as above" not in rows[name]}
            if "the same fields" in rows[name]:
                missing = set()
            assert not missing, f"{name}: docs/protocol.md does not name {sorted(missing)}"


@pytest.mark.parametrize("app", APPS_WITH_EVENT_MODELS)
def test_every_event_the_protocol_lists_for_an_app_has_a_model(app: str) -> None:
    declared = {name for model in event_models(app) for name in types_of(model)}
    listed = {name for name in documented() if name.startswith(f"{label_of(app)}.")}
    assert listed - declared == set()


def test_an_event_is_stored_as_its_fields() -> None:
    from meetings.events import HandsChanged

    event = HandsChanged(queue=[{"member": 3, "name": "王", "raised_at": "2026-12-03T10:00:00+08:00"}], floor=None)
    assert event.payload() == {
        "type": "meetings.hands.changed",
        "queue": [{"member": 3, "name": "王", "raised_at": "2026-12-03T10:00:00+08:00"}],
        "floor": None,
    }
    with pytest.raises(ValueError):
        HandsChanged(queue=[], floor=None, extra=1)  # type: ignore[call-arg]
