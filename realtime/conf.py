"""The gateway's tunables, read from Django settings with documented defaults.

Each name is ``REALTIME_<NAME>`` in settings; docs/protocol.md lists them. They are read on
every use (not cached at import) so tests can override them with ``settings``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Largest inbound frame, in bytes of UTF-8; larger frames get ``too_large``.
    "MAX_FRAME_BYTES": 64 * 1024,
    # Frames waiting to be written to one socket. Typing/presence are dropped above
    # three quarters of it; a durable frame that finds it full waits QUEUE_FULL_GRACE seconds
    # for room and then the socket is closed with 4408.
    "OUTBOUND_QUEUE": 256,
    "QUEUE_FULL_GRACE": 5.0,
    # A socket that asked for batches (``/ws/?batch=1``) gets the frames waiting in its queue
    # as one ``batch`` frame of at most this many frames and characters of JSON (a frame
    # longer than that on its own still goes, alone). While frames keep coming its writer sends
    # at most one message per BATCH_DELAY seconds (sooner once a whole batch waits); a frame
    # after BATCH_DELAY of quiet goes at once.
    "BATCH_FRAMES": 64,
    "BATCH_CHARS": 64 * 1024,
    "BATCH_DELAY": 0.05,
    # Seconds between two looks at the stored heads of every stream subscribed in a process;
    # a subscription still behind the head seen one look earlier fetches the missing events.
    "TAIL_CHECK_SECONDS": 2.0,
    # Events read from storage per query when replaying a backlog or filling a gap.
    "BACKLOG_PAGE": 500,
    # Token buckets per member and action: (rate per second, burst).
    "SEND_RATE": (10.0, 30),
    "SUBSCRIBE_RATE": (20.0, 100),
    "COMMAND_RATE": (10.0, 30),
    "EPHEMERAL_RATE": (5.0, 20),
    # Error frames one socket may provoke before it is closed with 4429 (a token bucket too:
    # a client with a bug recovers, a flood does not).
    "ERROR_RATE": (2.0, 30),
    # Most subscriptions on one socket.
    "MAX_SUBSCRIPTIONS": 200,
    # Presence: a socket re-announces itself every HEARTBEAT seconds; an entry not renewed for
    # TTL seconds (a crashed process's sockets) is dropped and reported as left.
    "PRESENCE_HEARTBEAT": 15.0,
    "PRESENCE_TTL": 45.0,
    # Every socket's session and subscriptions are checked again this often, and at once
    # (at the hub's next pass) when access changed anywhere (realtime/revocation.py).
    "RECHECK_SECONDS": 300.0,
    # Threads per process for the handshake's database reads (realtime/auth.py).
    "DATABASE_THREADS": 4,
}


def get(name: str) -> Any:
    return getattr(settings, f"REALTIME_{name}", DEFAULTS[name])


def rate(name: str) -> tuple[float, int]:
    value = get(name)
    return float(value[0]), int(value[1])
