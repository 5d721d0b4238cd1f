"""三会一课: meetings, invitations, leave, attendance, motions and ballots.

Secret ballots keep the choice apart from the voter: a secret vote increments per-option
counters (:class:`Tally`) and writes a :class:`VoteRecord` saying only that the member voted.
There is no ballot row at all, so neither row order, ids nor timestamps can link a voter to a
choice afterwards; hosts, moderators and the database administrator see counts only. Open votes
also keep an :class:`OpenBallot` per voter.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from members.models import Member, Organisation
from moderation.models import ContentStatus


class MeetingKind(models.TextChoices):
    BRANCH_GENERAL = "branch_general", _("Branch general meeting")
    BRANCH_COMMITTEE = "branch_committee", _("Branch committee meeting")
    GROUP = "group", _("Party group meeting")
    LESSON = "lesson", _("Party lesson")
    ORG_LIFE = "org_life", _("Organisational-life meeting")
    OTHER = "other", _("Other")


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    LIVE = "live", _("In progress")
    ENDED = "ended", _("Ended")
    CANCELLED = "cancelled", _("Cancelled")


class Meeting(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="meetings")
    kind = models.CharField(_("type"), max_length=20, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=200)
    host = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="hosted_meetings")
    # A lesson's lecturer (授课人); the host teaches when it is empty (meetings/rules.py).
    lecturer = models.ForeignKey(
        Member, verbose_name=_("lecturer"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cohosts = models.ManyToManyField(Member, blank=True, related_name="cohosted_meetings")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("planned end"))
    agenda = models.JSONField(_("agenda"), default=list, blank=True)
    status = models.CharField(max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED)
    locked = models.BooleanField(_("room locked"), default=False)
    quorum_ratio = models.DecimalField(
        _("quorum"),
        max_digits=4,
        decimal_places=3,
        default=0.5,
        help_text=_("Share of eligible members that must vote; more than this share is needed."),
    )
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["organisation", "starts_at"])]

    def __str__(self) -> str:
        return self.title


class Invitation(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="invitations")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="invitation_unique")]


class AdmissionStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting in the lobby")
    ADMITTED = "admitted", _("Admitted")
    DENIED = "denied", _("Denied")
    REMOVED = "removed", _("Removed")


class Admission(models.Model):
    """A member's standing in the live room; admitted members may reconnect while it is locked."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="admissions")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=AdmissionStatus.choices)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="admission_unique")]


class LeaveStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("leave request", "Pending")
    APPROVED = "approved", pgettext_lazy("leave request", "Approved")
    DECLINED = "declined", _("Declined")


class LeaveRequest(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="leave_requests")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="leave_requests")
    reason = models.CharField(pgettext_lazy("leave request", "reason"), max_length=500)
    status = models.CharField(max_length=10, choices=LeaveStatus.choices, default=LeaveStatus.PENDING)
    decided_by = models.ForeignKey(Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="leave_unique")]


class Stay(models.Model):
    """One continuous presence in a meeting; a reconnect within the grace period extends it."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="stays")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="stays")
    joined_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    connections = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["joined_at"]
        indexes = [models.Index(fields=["meeting", "member", "joined_at"])]


class MotionKind(models.TextChoices):
    MOTION = "motion", _("Motion (for / against / abstain)")
    ELECTION = "election", _("Election")


class MotionChoice(models.TextChoices):
    """The options of a motion (an election's options are its candidates' names)."""

    FOR = "for", _("For")
    AGAINST = "against", _("Against")
    ABSTAIN = "abstain", _("Abstain")


class MotionStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("motion status", "Open")
    CLOSED = "closed", _("Closed")


class Motion(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="motions")
    kind = models.CharField(max_length=10, choices=MotionKind.choices, default=MotionKind.MOTION)
    title = models.CharField(_("title"), max_length=300)
    options = models.JSONField(default=list)
    secret = models.BooleanField(_("secret ballot"), default=False)
    max_choices = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=8, choices=MotionStatus.choices, default=MotionStatus.OPEN)
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Filled when the vote closes, so the result reads the same forever after.
    result = models.JSONField(null=True, blank=True)


class VoteRecord(models.Model):
    """That a member voted on a motion (never what)."""

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="voters")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["motion", "member"], name="vote_once")]


class Tally(models.Model):
    """Votes counted per option. Secret ballots are stored only as these counters."""

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="tallies")
    option = models.CharField(max_length=200)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["motion", "option"], name="tally_unique")]


class OpenBallot(models.Model):
    """Who chose what, for open (named) votes only."""

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="open_ballots")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    choices = models.JSONField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["motion", "member"], name="open_ballot_once")]


class Minutes(models.Model):
    """会议记录: written during or after the meeting; finalised minutes are locked and archived."""

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="minutes")
    text = models.TextField(_("minutes"), blank=True)
    author = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    updated = models.DateTimeField(auto_now=True)
    finalised_at = models.DateTimeField(null=True, blank=True)
    finalised_by = models.ForeignKey(Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The document as archived (agenda, attendance, votes, text) and its archive record.
    document = models.JSONField(null=True, blank=True)
    archive_seq = models.PositiveBigIntegerField(null=True, blank=True)


class MeetingAttachment(models.Model):
    """A file the hosts attach to a meeting (会议材料), checked like a forum attachment
    (meetings/attachments.py): typed by its first bytes, stored under a random name, served only
    to those who may see the meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attachments")
    uploaded_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    file = models.FileField(upload_to="meetings/%Y/%m/")
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("meeting attachment")
        verbose_name_plural = _("meeting attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.filename

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


# --- The live room (meetings/room.py) ---------------------------------------------------------


class RoomMode(models.TextChoices):
    MESH = "mesh", _("Browser to browser")
    RELAY = "relay", _("Through the media relay")


class LiveRoom(models.Model):
    """The live room's own state, beside the schedule: media mode and who has the floor.

    ``mode`` is the seam for the lessons' media relay: ``mesh`` today; ``relay`` is refused until
    the relay exists, so no client is ever told to use a server that is not there.
    """

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="live_room")
    mode = models.CharField(max_length=8, choices=RoomMode.choices, default=RoomMode.MESH)
    floor = models.ForeignKey(Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")


class Breakout(models.Model):
    """A breakout room (党小组讨论): a party group's or an ad-hoc room, timed, until called back."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="breakouts")
    name = models.CharField(_("name"), max_length=120)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    ends_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]


class Seat(models.Model):
    """One participant's live state in a room: raised hand, mute state, audio only, breakout room.
    The seat outlives a dropped connection, so a reconnect finds its state kept."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="seats")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    hand_raised_at = models.DateTimeField(null=True, blank=True)
    mic_muted = models.BooleanField(default=False)
    video_muted = models.BooleanField(default=False)
    audio_only = models.BooleanField(default=False)
    breakout = models.ForeignKey(Breakout, null=True, blank=True, on_delete=models.SET_NULL, related_name="seats")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="seat_unique")]
        indexes = [models.Index(fields=["meeting", "hand_raised_at"])]


class ChatMessage(models.Model):
    """A chat line in a live room, as the moderation pipeline let it through. Only ``published``
    lines are shown to the room; its author sees the others with what became of them."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="chat")
    breakout = models.ForeignKey(Breakout, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    author = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    status = models.CharField(max_length=10, choices=ContentStatus.choices, default=ContentStatus.PUBLISHED)
    status_reason = models.CharField(max_length=500, blank=True, help_text=_("A moderator's reason, for the author."))
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "pk"]
