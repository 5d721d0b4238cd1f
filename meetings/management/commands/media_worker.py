"""``python manage.py media_worker``: run the media relay (docs/operations.md)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from meetings.media.signalling import worker_channel


class Command(BaseCommand):
    help = "Run the media relay: the server-side WebRTC peers of lessons and relay meetings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--shard", type=int, default=None,
            help="With MEDIA_WORKER_SHARDS > 1: which shard (0 … n-1) this process serves.",
        )  # fmt: skip

    def handle(self, *args: Any, shard: int | None = None, **options: Any) -> None:
        shards = settings.MEDIA_WORKER_SHARDS
        if shards > 1:
            if shard is None or not 0 <= shard < shards:
                raise CommandError(f"--shard must be 0 … {shards - 1} (MEDIA_WORKER_SHARDS={shards}).")
            channel = worker_channel(shard)
        else:
            channel = worker_channel(0)
        if not settings.REDIS_URL:
            raise CommandError(
                "A separate media worker needs REDIS_URL (the channel layer shared with the web processes); "
                "without it the relay runs inside the web process."
            )
        logging.basicConfig(level=logging.INFO)
        from meetings.media.worker import serve

        self.stdout.write(f"media worker on channel {channel}")
        asyncio.run(serve(channel))
