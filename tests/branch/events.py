"""Reading what services published: the durable events stored on a stream."""

from __future__ import annotations

from typing import Any

from realtime.models import StreamEvent


def events(stream: str, type_: str | None = None) -> list[dict[str, Any]]:
    rows = StreamEvent.objects.filter(stream=stream).order_by("seq").values_list("payload", flat=True)
    return [p for p in rows if type_ is None or p.get("type") == type_]
