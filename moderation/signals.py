"""Any change to a word list, from the admin or code, makes every process rebuild its automaton."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from moderation.lists import version_bump
from moderation.models import WordEntry, WordList


def _bump(sender: type, **kwargs: Any) -> None:
    version_bump()


def connect() -> None:
    for model in (WordList, WordEntry):
        post_save.connect(_bump, sender=model, dispatch_uid=f"moderation.bump.save.{model.__name__}")
        post_delete.connect(_bump, sender=model, dispatch_uid=f"moderation.bump.delete.{model.__name__}")
