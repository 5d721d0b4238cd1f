"""Lessons (党课): slides and the pages shown, questions, study time, recordings and replays.

The models moved here from ``meetings``; their tables keep the names they had there
(``db_table``), so the move changed no data (migrations 0006 of meetings and 0001 here).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from meetings.models import Meeting
from members.models import Member, MemberStatus, Organisation
from moderation.models import ContentStatus


class DeckStatus(models.TextChoices):
    RENDERING = "rendering", _("Preparing the pages")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Could not be read")


class SlideDeck(models.Model):
    """A lecturer's PDF, stored privately under a random key; its pages are rendered to images
    beside it (``lessons/slides/<key>/<n>.webp``) and served only through the access policy."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="slide_decks")
    uploaded_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    key = models.CharField(max_length=32, unique=True)
    file = models.FileField(upload_to="lessons/slides/")
    filename = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=DeckStatus.choices, default=DeckStatus.RENDERING)
    pages = models.PositiveIntegerField(default=0)
    rendered = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "meetings_slidedeck"
        ordering = ["pk"]


class SlideTurn(models.Model):
    """One page shown, and when: the current slide is the latest turn, and the turns are the
    timeline a replay follows."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="slide_turns")
    deck = models.ForeignKey(SlideDeck, on_delete=models.CASCADE, related_name="+")
    page = models.PositiveIntegerField()
    at = models.DateTimeField()
    by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        db_table = "meetings_slideturn"
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["meeting", "at"])]


class Question(models.Model):
    """提问: a viewer's question, as the moderation pipeline let it through. Only ``published``
    questions are shown to the room; its author sees the others with what became of them."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="questions")
    author = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    status = models.CharField(max_length=10, choices=ContentStatus.choices, default=ContentStatus.PUBLISHED)
    status_reason = models.CharField(max_length=500, blank=True, help_text=_("A moderator's reason, for the author."))
    votes = models.PositiveIntegerField(default=0)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "meetings_question"
        ordering = ["-votes", "created", "pk"]
        indexes = [models.Index(fields=["meeting", "status"])]


class QuestionVote(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="upvotes")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "meetings_questionvote"
        constraints = [models.UniqueConstraint(fields=["question", "member"], name="question_vote_once")]


class StudySource(models.TextChoices):
    LIVE = "live", pgettext_lazy("study source", "Live")
    REPLAY = "replay", _("Replay")


class StudyTime(models.Model):
    """学时: seconds of a lesson a member really watched, per source and per calendar year of
    the watching (a December lesson replayed in January counts in January's year)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="study_times")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="study_times")
    source = models.CharField(max_length=8, choices=StudySource.choices)
    year = models.PositiveSmallIntegerField()
    seconds = models.FloatField(default=0)
    last_credit_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "meetings_studytime"
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member", "source", "year"], name="study_time_unique")
        ]
        indexes = [models.Index(fields=["year", "member"])]


class Recording(models.Model):
    """A lesson's recording, a file under ``MEDIA_ROOT/recordings/`` written by the media worker."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="recordings")
    path = models.CharField(max_length=300, unique=True, help_text="Relative to MEDIA_ROOT.")
    content_type = models.CharField(max_length=60)
    started_at = models.DateTimeField()
    duration = models.FloatField()
    size = models.PositiveBigIntegerField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "meetings_recording"
        ordering = ["started_at", "pk"]


class ReplayWatch(models.Model):
    """Where a member's replay of a recording stands: the last heartbeat's position, time and
    playing state, and the seconds of it already credited (never more than its duration)."""

    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="watches")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    position = models.FloatField(default=0)
    playing = models.BooleanField(default=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    credited = models.FloatField(default=0)

    class Meta:
        db_table = "meetings_replaywatch"
        constraints = [models.UniqueConstraint(fields=["recording", "member"], name="replay_watch_unique")]


# --- The online party school (网上党校): courses and the year's required study hours ---------------


class Course(models.Model):
    """A course of the party school: a sequence of lessons (live, then their recordings) and
    documents, for the members of an organisation's subtree."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="courses")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["-created", "-pk"]


class CourseItemKind(models.TextChoices):
    LESSON = "lesson", _("Lesson (live or recorded)")
    DOCUMENT = "document", _("Document (PDF)")


class CourseItem(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=CourseItemKind.choices)
    title = models.CharField(_("title"), max_length=200)
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    file = models.FileField(upload_to="lessons/courses/", blank=True)
    filename = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["course", "position"]
        constraints = [models.UniqueConstraint(fields=["course", "position"], name="lessons_course_item_position")]


class CourseDocumentRead(models.Model):
    """A member opened a course's document (a lesson counts through its study time)."""

    item = models.ForeignKey(CourseItem, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "member"], name="lessons_course_read_once")]


class StudyRequirement(models.Model):
    """Study hours an organisation requires of its members of one status in a year; a member
    follows the requirement of the nearest organisation above them that set one."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=20, choices=MemberStatus.choices)
    hours = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year", "status"], name="lessons_requirement_once")
        ]
