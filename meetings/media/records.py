"""What the media worker stores outside itself: a viewer's study time and a finished recording.

Both belong to lessons, which sit above meetings; the lessons app hands its two functions in
when it starts (lessons/apps.py), so neither this package nor meetings imports lessons. Until
then (a worker without the lessons app) nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol


class StudyCredit(Protocol):
    def __call__(self, *, meeting_id: int, member_id: int, seconds: float, source: str) -> object: ...


class RecordingSaved(Protocol):
    def __call__(
        self, *, meeting_id: int, path: Path, started_at: datetime, duration: float, content_type: str
    ) -> object: ...


@dataclass
class Records:
    study_credit: StudyCredit | None = None
    recording_saved: RecordingSaved | None = None


records = Records()
