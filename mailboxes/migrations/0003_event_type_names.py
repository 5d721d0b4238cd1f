"""Stored mailbox events take their typed names (mailboxes/events.py): messages, read receipts and
unread counts written before keep their place in the history and the search."""

from __future__ import annotations

from typing import Any

from django.db import migrations

RENAMES = {
    "mailbox.message": "mailbox.message.sent",
    "mailbox.read": "mailbox.conversation.read",
    "mailbox.unread": "mailbox.unread.changed",
}


def _rename(apps: Any, renames: dict[str, str]) -> None:
    StreamEvent = apps.get_model("realtime", "StreamEvent")
    for old, new in renames.items():
        for event in StreamEvent.objects.filter(payload__type=old).iterator():
            event.payload = {**event.payload, "type": new}
            event.save(update_fields=["payload"])


def forward(apps: Any, schema_editor: Any) -> None:
    _rename(apps, RENAMES)


def backward(apps: Any, schema_editor: Any) -> None:
    _rename(apps, {new: old for old, new in RENAMES.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("mailbox", "0002_random_ids_for_reports"),
        ("realtime", "0002_command_receipt"),
    ]

    operations = [migrations.RunPython(forward, backward)]
