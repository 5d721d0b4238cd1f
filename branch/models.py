"""The branch's affairs: party dues, notices with who-has-read, the democratic appraisal.

Money is integer fen throughout (1 yuan = 100 fen); nothing here is ever a float.

Peer ratings of the appraisal are stored like secret ballots: :class:`RatingCast` says that a
member has rated (and nothing else: no time, no grades), :class:`RatingTally` holds the counts per
rated member and grade, created at zero for every participant when the appraisal opens, so that
neither row order nor ids nor timestamps link a rater to a grade.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# --- Dues (党费) ------------------------------------------------------------------------------------


class DuesCategory(models.TextChoices):
    EMPLOYED = "employed", _("Employed (salary)")
    RETIRED = "retired", _("Retired (pension)")
    STUDENT = "student", _("Student")
    UNEMPLOYED = "unemployed", _("Unemployed or on relief")
    RURAL = "rural", _("Rural member")


class DuesStandard(models.Model):
    """A member's monthly dues standard for a year, set (reviewed) once a year from the declared
    monthly income base; it applies from ``effective_from`` until the next review."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="dues_standards")
    year = models.PositiveSmallIntegerField()
    effective_from = models.DateField(help_text="First day of the first month it applies to.")
    category = models.CharField(_("category"), max_length=20, choices=DuesCategory.choices)
    income_fen = models.PositiveBigIntegerField(_("monthly income base (fen)"))
    monthly_fen = models.PositiveIntegerField(_("monthly dues (fen)"))
    set_by = models.ForeignKey("members.Member", null=True, on_delete=models.SET_NULL, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("dues standard")
        verbose_name_plural = _("dues standards")
        ordering = ["member", "effective_from"]
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="branch_dues_standard_once_a_year")]


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    TRANSFER = "transfer", _("Bank transfer")
    MOBILE = "mobile", _("Mobile payment (recorded by hand)")
    PROVIDER = "provider", _("Online payment provider")


class PaymentStatus(models.TextChoices):
    DECLARED = "declared", _("Declared, awaiting confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class DuesPayment(models.Model):
    """A payment covering ``months`` consecutive months from ``first_month``: recorded by the
    branch (confirmed at once) or declared by the member and confirmed by the branch."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="dues_payments")
    branch = models.ForeignKey("members.Organisation", on_delete=models.PROTECT, related_name="+")
    first_month = models.DateField()
    months = models.PositiveSmallIntegerField()
    amount_fen = models.PositiveBigIntegerField()
    method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    paid_on = models.DateField()
    status = models.CharField(max_length=20, choices=PaymentStatus.choices)
    reference = models.CharField(max_length=80, blank=True)
    declared_by = models.ForeignKey("members.Member", null=True, on_delete=models.SET_NULL, related_name="+")
    confirmed_by = models.ForeignKey("members.Member", null=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("dues payment")
        verbose_name_plural = _("dues payments")
        ordering = ["-paid_on", "-pk"]


class DuesMonth(models.Model):
    """One month a payment covers; unique per member, so no month is paid (or declared) twice.
    A rejected declaration's months are deleted."""

    payment = models.ForeignKey(DuesPayment, on_delete=models.CASCADE, related_name="covered")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    amount_fen = models.PositiveIntegerField()
    confirmed = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "month"], name="branch_dues_month_once")]


# --- Notices (通知公告) ----------------------------------------------------------------------------


class Notice(models.Model):
    organisation = models.ForeignKey("members.Organisation", on_delete=models.PROTECT, related_name="notices")
    publisher = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    requires_confirmation = models.BooleanField(_("requires confirmation"), default=False)
    named_only = models.BooleanField(default=False)
    created = models.DateTimeField(default=timezone.now)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created", "-pk"]

    @property
    def stream(self) -> str:
        return f"branch.notice:{self.pk}"


class NoticeReceipt(models.Model):
    """One recipient of a notice: who they were (organisation when it was sent), when they first
    opened it, when they confirmed it (已阅)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="receipts")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="notice_receipts")
    organisation = models.ForeignKey("members.Organisation", on_delete=models.PROTECT, related_name="+")
    read_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notice", "member"], name="branch_notice_receipt_once")]
        indexes = [models.Index(fields=["member", "read_at"], name="branch_receipt_unread")]


class NoticeFile(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="files")
    filename = models.CharField(max_length=160)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    file = models.FileField(upload_to="notices/%Y/%m/")


# --- The democratic appraisal (民主评议党员) ---------------------------------------------------------


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    QUALIFIED = "qualified", _("Qualified")
    BASIC = "basic", _("Basically qualified")
    UNQUALIFIED = "unqualified", _("Unqualified")


GRADES_NEEDING_REASONS = (Grade.BASIC, Grade.UNQUALIFIED)


class Appraisal(models.Model):
    organisation = models.ForeignKey("members.Organisation", on_delete=models.PROTECT, related_name="appraisals")
    year = models.PositiveSmallIntegerField()
    opened_by = models.ForeignKey("members.Member", null=True, on_delete=models.SET_NULL, related_name="+")
    rating_starts = models.DateTimeField()
    rating_ends = models.DateTimeField()
    meeting = models.ForeignKey(
        "meetings.Meeting", null=True, blank=True, on_delete=models.SET_NULL, related_name="appraisals"
    )
    announced_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("democratic appraisal")
        verbose_name_plural = _("democratic appraisals")
        ordering = ["-year", "organisation__path"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="branch_appraisal_once_a_year"),
            models.CheckConstraint(condition=Q(rating_ends__gt=models.F("rating_starts")), name="branch_period"),
        ]

    def phase(self, at: dt.datetime) -> str:
        if self.announced_at is not None:
            return "announced"
        if at < self.rating_starts:
            return "self_assessment"
        if at < self.rating_ends:
            return "rating"
        return "concluding"


class Participant(models.Model):
    """A full or probationary member appraised: their self-assessment and the branch's conclusion."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="participants")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    self_assessment = models.TextField(blank=True)
    self_assessed_at = models.DateTimeField(null=True, blank=True)
    conclusion = models.CharField(
        pgettext_lazy("appraisal", "conclusion"), max_length=20, choices=Grade.choices, blank=True
    )
    reasons = models.TextField(blank=True)
    concluded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["appraisal", "member__real_name"]
        constraints = [models.UniqueConstraint(fields=["appraisal", "member"], name="branch_participant_once")]


class RatingCast(models.Model):
    """That a member has rated their peers in an appraisal; never what, never when."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="+")
    rater = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["appraisal", "rater"], name="branch_rate_once")]


class RatingTally(models.Model):
    """How many peers gave ``member`` ``grade``; all rows exist from the opening, at zero."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    grade = models.CharField(max_length=20, choices=Grade.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["appraisal", "member", "grade"], name="branch_tally_once")]
