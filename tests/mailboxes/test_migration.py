"""Mailbox events stored before they were typed take their typed names, so a conversation's
history, unread counts and search still find the messages written before."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from realtime.models import StreamEvent

BEFORE = [("mailbox", "0002_random_ids_for_reports")]


@pytest.mark.django_db(transaction=True)
def test_events_stored_before_the_typed_names_are_renamed() -> None:
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    MigrationExecutor(connection).migrate(BEFORE)
    old = MigrationExecutor(connection).loader.project_state([*BEFORE, ("realtime", "0002_command_receipt")]).apps
    stored = old.get_model("realtime", "StreamEvent").objects
    stored.create(stream="mailbox:1", seq=1, payload={"type": "mailbox.message", "sender": 3, "text": "谈心"})
    stored.create(stream="mailbox:1", seq=2, payload={"type": "mailbox.read", "member": 4, "upto": 1})
    stored.create(stream="user:4", seq=1, payload={"type": "mailbox.unread", "conversation": 1, "unread": 0})
    stored.create(stream="user:4", seq=2, payload={"type": "mailbox.writing.reviewed", "writing": 5, "title": "t"})

    MigrationExecutor(connection).migrate(latest)
    assert [e.payload for e in StreamEvent.objects.order_by("stream", "seq")] == [
        {"type": "mailbox.message.sent", "sender": 3, "text": "谈心"},
        {"type": "mailbox.conversation.read", "member": 4, "upto": 1},
        {"type": "mailbox.unread.changed", "conversation": 1, "unread": 0},
        {"type": "mailbox.writing.reviewed", "writing": 5, "title": "t"},
    ]
