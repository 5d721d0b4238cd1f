"""Ids and other integers that people send, range-checked before they reach the database.

An id of ``10**30`` in the JSON API, a socket command, a page's URL, a query string or a stream
name is refused where it arrives (400 from a schema, 404 from a URL, ``not_found`` on a socket),
never an OverflowError from SQLite or a DataError from PostgreSQL. Both databases keep ids as
64-bit integers; the largest id is JavaScript's largest exact integer, 2**53 - 1 (the mailbox's
random ids are drawn below it).

- :data:`Id` for schemas (pydantic, so the JSON API and socket command models);
- :func:`id_or_none` and :func:`int_or_none` for text (a query string, a form's value),
  :func:`require_id` for a stream's id;
- :class:`IdConverter`, registered as ``<id:…>`` for every page URL (``web.apps``);
- :class:`IdsChoiceField` for a form's choice of several objects.
"""

from __future__ import annotations

from typing import Annotated, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from pydantic import Field

from kernel.errors import NotFound

MAX_ID = 2**53 - 1
YEARS = (2000, 2100)  # the years a period (a report's quarter, a chart, a calendar) may name
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Year = Annotated[int, Field(ge=YEARS[0], le=YEARS[1])]
Quarter = Annotated[int, Field(ge=1, le=4)]


def int_or_none(text: str | None, low: int, high: int) -> int | None:
    """``"42"`` → 42 when ``low <= 42 <= high``; anything else (empty, signs, spaces, non-ASCII
    digits such as ``"²"``, out of range) → None."""
    if not text or len(text) > len(str(high)) or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if low <= value <= high else None


def id_or_none(text: str | None) -> int | None:
    return int_or_none(text, 1, MAX_ID)


def require_id(text: str, *, message: str | None = None) -> int:
    """A stream's id (``"42"`` in ``forum.thread:42``) as a number, or NotFound with ``message``."""
    number = id_or_none(text)
    if number is None:
        raise NotFound(message)
    return number


class IdConverter:
    """``<id:meeting_id>``: like Django's ``<int:…>``, but a number out of the ids' range matches
    no URL (a 404), where ``<int:…>`` would hand it to the database."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        number = id_or_none(value)
        if number is None:
            raise ValueError(value)  # Django: this pattern does not match
        return number

    def to_url(self, value: int) -> str:
        return str(value)


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """A choice of several objects by id, as Django's field, except that a value out of the ids'
    range is an invalid choice (Django's field would put it in a ``pk__in`` query)."""

    def clean(self, value: Any) -> QuerySet[Any]:
        for pk in value if isinstance(value, list | tuple) else ():
            if id_or_none(str(pk)) is None:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super().clean(value)
