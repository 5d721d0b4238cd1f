"""What other apps add to a meeting's page and its minutes, without meetings knowing them: a
democratic appraisal held in an organisational-life meeting (branch/) registers a provider
here. A section is plain JSON, ``{"title": str, "lines": [str], "url": str | None}``, so the
minutes keep it in the archived document as it was when they were finalised."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from meetings.models import Meeting

Section = dict[str, Any]
Provider = Callable[[Meeting], list[Section]]

_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def sections_for(meeting: Meeting) -> list[Section]:
    return [section for provider in _providers for section in provider(meeting)]
