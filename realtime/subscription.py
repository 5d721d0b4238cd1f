"""One subscription's ordering: deliver each seq once, in order, whatever the layer does.

The channel layer may drop, duplicate (backlog vs live) or reorder events. A subscription
remembers the last seq it delivered; an event at or below it is a duplicate, the next one is
delivered, one further ahead is held back and the hole between is reported as a gap, which the
consumer fills from storage (events are stored before they are published, and a seq is
committed before any higher one, so storage always holds the hole).

Pure: no I/O, no Django, no asyncio; the consumer does the fetching.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field

from realtime.services import StoredEvent

logger = logging.getLogger("realtime.subscription")

# Events held back waiting for a gap fill; beyond this the oldest part of the hole is filled
# and held events are dropped (they are in storage and come back with the fill).
MAX_PENDING = 1000


@dataclass
class Subscription:
    wire: str  # the name the client used (``user:me``)
    stream: str  # the canonical, stored name (``user:17``)
    last_seq: int
    presence: bool = False
    suspect_head: int = 0  # a head seen by the previous tail check that was ahead of us
    pending: dict[int, StoredEvent] = field(default_factory=dict)
    wire_json: str = ""

    def __post_init__(self) -> None:
        self.wire_json = json.dumps(self.wire)

    def accept(self, event: StoredEvent) -> list[StoredEvent]:
        """Events now deliverable, in order (possibly none); duplicates are dropped."""
        if event.seq <= self.last_seq:
            return []
        if event.seq != self.last_seq + 1:
            if len(self.pending) < MAX_PENDING:
                self.pending[event.seq] = event
            return []
        ready = [event]
        self.last_seq = event.seq
        while self.last_seq + 1 in self.pending:
            self.last_seq += 1
            ready.append(self.pending.pop(self.last_seq))
        # Anything still pending at or below last_seq arrived twice; forget it.
        for seq in [s for s in self.pending if s <= self.last_seq]:
            del self.pending[seq]
        return ready

    def gap(self) -> tuple[int, int] | None:
        """``(after, upto)``: the seqs missing before the held-back events, or None."""
        if not self.pending:
            return None
        return self.last_seq, min(self.pending) - 1

    def skip_to(self, seq: int) -> list[StoredEvent]:
        """Give up on seqs up to ``seq`` (storage no longer has them) and release what follows."""
        self.last_seq = max(self.last_seq, seq)
        ready: list[StoredEvent] = []
        while self.last_seq + 1 in self.pending:
            self.last_seq += 1
            ready.append(self.pending.pop(self.last_seq))
        return ready

    def tail_behind(self, head: int) -> int | None:
        """Called by each tail check with the stored head; returns the seq to fill up to when
        the previous check already saw us behind (one period of grace for events in flight)."""
        fill = self.suspect_head if self.suspect_head > self.last_seq else None
        self.suspect_head = head if head > self.last_seq else 0
        return fill


class GapStats:
    """Counts events the layer lost or reordered; logs the first and then a summary a minute."""

    def __init__(self) -> None:
        self.gaps = 0
        self.filled = 0
        self._logged_at = 0.0
        self._logged_gaps = 0

    def record(self, *, stream: str, filled: int) -> None:
        self.gaps += 1
        self.filled += filled
        now = time.monotonic()
        if self._logged_gaps == 0 or (now - self._logged_at >= 60 and self.gaps > self._logged_gaps):
            logger.warning(
                "channel layer lost or reordered events (first seen on %s): %d gaps, %d events filled from storage",
                stream,
                self.gaps,
                self.filled,
            )
            self._logged_at = now
            self._logged_gaps = self.gaps


gap_stats = GapStats()
