"""The in-memory channel layer of the embedded default (no ``REDIS_URL``), made to fan out.

Channels' ``InMemoryChannelLayer`` sweeps for expired messages and group memberships (a pass
over every channel and every group member) on each ``receive`` and ``group_send``. Every socket
waits in ``receive`` and calls it again after each message, so one event to N subscribers costs
N sweeps of N entries: quadratic, the largest cost of a delivery at 1,000 sockets in
bench/fanout.py. Here the sweep runs at most once per ``SWEEP_SECONDS``. Expiry stays what it
means (messages older than ``expiry``, 60 s, are dropped; memberships older than
``group_expiry`` end), only noticed up to a second later.
"""

from __future__ import annotations

from channels.layers import InMemoryChannelLayer as ChannelsInMemoryChannelLayer

from kernel import clock


class InMemoryChannelLayer(ChannelsInMemoryChannelLayer):
    SWEEP_SECONDS = 1.0

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._swept_at = float("-inf")

    def _clean_expired(self) -> None:
        now = clock.monotonic()
        if now - self._swept_at < self.SWEEP_SECONDS:
            return
        self._swept_at = now
        super()._clean_expired()
