"""What the web processes tell the media worker, over the channel layer.

The web side builds these after it has authorised the member (the gateway's ``meeting.media.*``
commands, the room's own services); the worker trusts them and nothing else. Client JSON is never
forwarded as a layer message: every field is copied into one of these models on the server.
This module imports no aiortc, so the web processes need not load it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

Source = Literal["mic", "cam", "screen"]


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid")
    meeting: int


class Join(Message):
    type: Literal["media.join"] = "media.join"
    member: int
    session: str
    sources: list[Source] = Field(default_factory=list)  # what this tab publishes
    video: bool = True  # False: audio only, the relay sends this tab no video
    lesson: bool
    hosts: list[int] = Field(default_factory=list)  # who hears the viewer count
    groups: dict[int, str | None] = Field(default_factory=dict)  # breakouts, for relay meetings


class Answer(Message):
    type: Literal["media.answer"] = "media.answer"
    member: int
    session: str
    sdp: str


class Candidates(Message):
    type: Literal["media.candidates"] = "media.candidates"
    member: int
    session: str
    candidates: list[dict[str, Any]]


class Receive(Message):
    """A tab switches between audio only and audio with video."""

    type: Literal["media.receive"] = "media.receive"
    member: int
    session: str
    video: bool


class Leave(Message):
    """A tab hung up (``session``), or a member left the room or was removed (no session)."""

    type: Literal["media.leave"] = "media.leave"
    member: int
    session: str | None = None


class Record(Message):
    type: Literal["media.record"] = "media.record"
    on: bool
    by: int


class Regroup(Message):
    type: Literal["media.regroup"] = "media.regroup"
    groups: dict[int, str | None]


class Mute(Message):
    type: Literal["media.mute"] = "media.mute"
    member: int
    mic: bool | None = None
    video: bool | None = None


class End(Message):
    """The meeting ended, or the room went back to browser-to-browser video."""

    type: Literal["media.end"] = "media.end"


WorkerMessage = Annotated[
    Join | Answer | Candidates | Receive | Leave | Record | Regroup | Mute | End, Field(discriminator="type")
]
worker_message: TypeAdapter[WorkerMessage] = TypeAdapter(WorkerMessage)
