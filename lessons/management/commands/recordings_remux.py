"""Make older recordings seekable: ``python manage.py recordings_remux``.

Recordings written before the recorder flagged keyframes have no cues, and Chromium refuses to
seek in them; this rewrites each such file under ``MEDIA_ROOT/recordings/`` in place (packets
copied, nothing encoded) and updates its size."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from lessons.models import Recording
from lessons.recordings import recording_file
from meetings.media.recorder import remux_seekable


class Command(BaseCommand):
    help = "Rewrite recordings without an index (cues) so browsers can seek in them."

    def handle(self, *args: Any, **options: Any) -> None:
        fixed = 0
        for recording in Recording.objects.filter(content_type="video/webm").order_by("pk"):
            path = recording_file(recording)
            if not path.is_file():
                continue
            if remux_seekable(path):
                recording.size = path.stat().st_size
                recording.save(update_fields=["size"])
                fixed += 1
                self.stdout.write(f"{recording.pk}: {path.name}")
        self.stdout.write(f"{fixed} recording(s) made seekable")
