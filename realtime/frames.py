"""What a layer message becomes on the wire, encoded once per message and process, not once per
socket: the hub (realtime/hub.py) hands one of these to every local subscription of a stream.

Only the stream's name can differ between the subscribers of one stream (a client subscribed
to ``user:me`` sees ``user:me``, not ``user:17``), so a frame is encoded once per wire name; a
presence frame also leaves out the receiving member's own comings and goings, so it is the one
frame encoded per socket (presence is off by default and rare).
"""

from __future__ import annotations

from typing import Any

from realtime.services import StoredEvent, dumps
from realtime.subscription import Subscription

DROPPABLE = frozenset({"typing", "presence"})  # dropped first under backpressure


def event_frame(wire_json: str, event: StoredEvent) -> str:
    # Built by concatenation: the payload and its metadata were serialised once by the
    # publisher and the stream name once per subscription.
    return f'{{"type":"event","stream":{wire_json},"seq":{event.seq},"event":{event.payload_json}{event.meta_json}}}'


def batch_frame(texts: list[str]) -> str:
    """Frames already encoded, as one ``batch`` frame: joined, not encoded again."""
    return '{"type":"batch","frames":[' + ",".join(texts) + "]}"


class EventFrames:
    """One durable event's frame, per wire name."""

    __slots__ = ("event", "_texts")

    def __init__(self, event: StoredEvent) -> None:
        self.event = event
        self._texts: dict[str, str] = {}

    def text_for(self, sub: Subscription) -> str:
        text = self._texts.get(sub.wire_json)
        if text is None:
            text = self._texts[sub.wire_json] = event_frame(sub.wire_json, self.event)
        return text


class EphemeralFrames:
    """One typing, presence or signal frame from the layer, per wire name."""

    __slots__ = ("frame", "to", "droppable", "_texts")

    def __init__(self, message: dict[str, Any]) -> None:
        self.frame: dict[str, Any] = message["frame"]
        self.to: int | None = message.get("to")
        self.droppable = self.frame.get("type") in DROPPABLE
        self._texts: dict[str, str] = {}

    def text_for(self, sub: Subscription, member_id: int | None) -> str | None:
        """The frame for one socket (its member ``member_id``); None when it is not for them."""
        if self.to is not None and self.to != member_id:
            return None
        if self.frame.get("type") == "presence":
            # A member's own comings and goings are no news to their own sockets.
            frame = dict(self.frame, stream=sub.wire)
            frame["joined"] = [m for m in frame.get("joined", []) if m != member_id]
            frame["left"] = [m for m in frame.get("left", []) if m != member_id]
            if not frame["joined"] and not frame["left"] and frame.get("members") is None:
                return None
            return dumps(frame)
        text = self._texts.get(sub.wire)
        if text is None:
            text = self._texts[sub.wire] = dumps(dict(self.frame, stream=sub.wire))
        return text
