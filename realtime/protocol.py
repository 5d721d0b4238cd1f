"""The wire contract: every frame as a pydantic model, validated at the socket's edge.

docs/protocol.md is the prose reference; this module is the executable one. Inbound core
frames form one discriminated union on ``type``; feature commands (``<kind>.<command>``) share
the :class:`CommandEnvelope` and the rest of their fields are validated by the model the owning
app registered (see :mod:`realtime.registry`).
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError

from kernel.nul import json_has_nul
from realtime.groups import ID_PATTERN, KIND_PATTERN, STREAM_MAX

StreamName = Annotated[str, StringConstraints(max_length=STREAM_MAX, pattern=rf"^{KIND_PATTERN}(?::{ID_PATTERN})?$")]
ClientId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[\x21-\x7e]+$")]
CID: TypeAdapter[str] = TypeAdapter(ClientId)
# Seqs are stored as 64-bit integers; a larger one is refused by the schema, never by the database.
Seq = Annotated[int, Field(ge=0, le=2**63 - 1)]
MAX_DEPTH = 32  # nesting of arrays and objects in one frame, checked before parsing


class Frame(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- Client → server ----------------------------------------------------------------------------


class Subscribe(Frame):
    type: Literal["subscribe"]
    stream: StreamName
    since: Seq | None = None
    ref: Any = None


class Unsubscribe(Frame):
    type: Literal["unsubscribe"]
    stream: StreamName
    ref: Any = None


class Send(Frame):
    type: Literal["send"]
    stream: StreamName
    cid: ClientId
    body: dict[str, Any]
    ref: Any = None


class Ping(Frame):
    type: Literal["ping"]
    ref: Any = None


class Typing(Frame):
    type: Literal["typing"]
    stream: StreamName
    active: bool = True
    ref: Any = None


CoreFrame = Annotated[Subscribe | Unsubscribe | Send | Ping | Typing, Field(discriminator="type")]
CORE_TYPES = frozenset({"subscribe", "unsubscribe", "send", "ping", "typing"})
core_frame_adapter: TypeAdapter[CoreFrame] = TypeAdapter(CoreFrame)


class CommandEnvelope(BaseModel):
    """The fields every feature command carries; the rest belongs to the command's own model."""

    model_config = ConfigDict(extra="allow", frozen=True)

    type: Annotated[str, StringConstraints(max_length=100, pattern=rf"^{KIND_PATTERN}$")]
    stream: StreamName
    ref: Any = None

    def arguments(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


# --- Server → client ----------------------------------------------------------------------------


class Subscribed(Frame):
    type: Literal["subscribed"] = "subscribed"
    stream: str
    seq: int
    ref: Any = None


class Unsubscribed(Frame):
    type: Literal["unsubscribed"] = "unsubscribed"
    stream: str
    ref: Any = None


class Ack(Frame):
    type: Literal["ack"] = "ack"
    stream: str
    cid: str
    seq: int
    ref: Any = None


class Pong(Frame):
    type: Literal["pong"] = "pong"
    ref: Any = None


class Event(Frame):
    type: Literal["event"] = "event"
    stream: str
    seq: int
    event: dict[str, Any]
    author: int | None = None
    at: str | None = None


class Presence(Frame):
    """``members`` is the full list (sent on subscribe); ``joined``/``left`` are changes."""

    type: Literal["presence"] = "presence"
    stream: str
    members: list[int] | None = None
    joined: list[int] = []
    left: list[int] = []


class TypingOut(Frame):
    type: Literal["typing"] = "typing"
    stream: str
    member: int
    active: bool


class Signal(Frame):
    type: Literal["signal"] = "signal"
    stream: str
    sender: int | None
    data: dict[str, Any]


class Result(Frame):
    """The reply to a feature command."""

    type: Literal["result"] = "result"
    stream: str
    command: str
    data: Any = None
    ref: Any = None


class Error(Frame):
    type: Literal["error"] = "error"
    code: str
    message: str
    ref: Any = None
    stream: str | None = None
    cid: str | None = None
    retry_after: float | None = None
    details: dict[str, Any] | None = None


OneFrame = Annotated[
    Subscribed | Unsubscribed | Ack | Pong | Event | Presence | TypingOut | Signal | Result | Error,
    Field(discriminator="type"),
]


class Batch(Frame):
    """Frames that waited together in the queue of a socket that asked for batches
    (``/ws/?batch=1``), in their order, as one WebSocket message."""

    type: Literal["batch"] = "batch"
    frames: list[OneFrame]


ServerFrame = Annotated[
    Subscribed | Unsubscribed | Ack | Pong | Event | Presence | TypingOut | Signal | Result | Error | Batch,
    Field(discriminator="type"),
]
server_frame_adapter: TypeAdapter[ServerFrame] = TypeAdapter(ServerFrame)


# --- Parsing ------------------------------------------------------------------------------------


class ProtocolError(Exception):
    """A frame the gateway refuses; it becomes an ``error`` frame, never a closed socket."""

    def __init__(self, code: str, message: str, *, ref: Any = None, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.ref = ref
        self.details = details


def cid_of(frame: Any) -> str | None:
    """The client id an error frame may echo: only one that is itself a valid client id."""
    cid = getattr(frame, "cid", None)
    try:
        return CID.validate_python(cid) if cid is not None else None
    except ValidationError:
        return None


def _ref_of(raw: Any) -> Any:
    return raw.get("ref") if isinstance(raw, dict) else None


def _summary(error: ValidationError) -> dict[str, Any]:
    # Only where and what: echoing the offending input back could reflect 64 KiB per error.
    return {"errors": [{"loc": list(e["loc"]), "msg": e["msg"]} for e in error.errors()[:5]]}


_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


def _too_deep(text: str, limit: int) -> bool:
    """True when arrays and objects nest deeper than ``limit``. Brackets inside strings do not
    count; two C-level regex passes leave a Python loop only for frames with many
    brackets, so a flood of ``[`` costs no deeper recursion than the limit."""
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", text))
    if len(brackets) <= limit:
        return False
    depth = 0
    for char in brackets:
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_frame(text: str, *, max_bytes: int) -> Subscribe | Unsubscribe | Send | Ping | Typing | CommandEnvelope:
    """Decode one text frame; raise :class:`ProtocolError` with a stable code when it is refused."""
    if len(text) > max_bytes:
        raise ProtocolError("too_large", _("Frames are limited to %(limit)s bytes.") % {"limit": max_bytes})
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate: not text any client could have sent as UTF-8
        raise ProtocolError("bad_json", _("The frame is not valid JSON.")) from None
    if size > max_bytes:
        raise ProtocolError("too_large", _("Frames are limited to %(limit)s bytes.") % {"limit": max_bytes})
    if _too_deep(text, MAX_DEPTH):
        raise ProtocolError(
            "too_deep", _("Frames nest arrays and objects at most %(limit)s deep.") % {"limit": MAX_DEPTH}
        )
    try:
        raw = json.loads(text, parse_constant=_refuse_constant)
        # An escaped lone surrogate ("\ud800") decodes to a string no UTF-8 frame can carry back;
        # an escaped NUL to one no stored text can hold.
        if "\\u" in text:
            json.dumps(raw, ensure_ascii=False).encode("utf-8")
            if json_has_nul(text):
                raise ValueError("a NUL character")
    except (ValueError, RecursionError):  # UnicodeEncodeError is a ValueError
        raise ProtocolError("bad_json", _("The frame is not valid JSON.")) from None
    ref = _ref_of(raw)
    if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
        raise ProtocolError("bad_frame", _("A frame is a JSON object with a string 'type'."), ref=ref)
    frame_type = raw["type"]
    try:
        if frame_type in CORE_TYPES:
            return core_frame_adapter.validate_python(raw)
        if "." in frame_type:
            return CommandEnvelope.model_validate(raw)
    except ValidationError as error:
        raise ProtocolError(
            "bad_frame", _("The frame does not match its schema."), ref=ref, details=_summary(error)
        ) from None
    raise ProtocolError("unknown_type", _("Unknown frame type %(type)r.") % {"type": frame_type[:40]}, ref=ref)


def validation_details(error: ValidationError) -> dict[str, Any]:
    return _summary(error)
