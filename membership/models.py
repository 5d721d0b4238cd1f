"""A member's party record (党籍档案), the development pipeline's proposals, transfers of
organisational relationship (组织关系转接) and migrant members' registrations (流动党员).

The dates on a record are the dates the steps happened, given by whoever records them (a talk
held last week is recorded today), never later than the day they are recorded. The history is
append-only: services add rows and archive each, nothing updates or deletes one.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from members.models import Member, MemberStatus, Organisation


class MemberRecord(models.Model):
    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="record")
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    applied_on = models.DateField(_("application"), null=True, blank=True)
    talked_on = models.DateField(_("talk with the applicant"), null=True, blank=True)
    activist_on = models.DateField(_("activist since"), null=True, blank=True)
    candidate_on = models.DateField(_("development candidate since"), null=True, blank=True)
    political_review_on = models.DateField(_("political review"), null=True, blank=True)
    training_on = models.DateField(_("training completed"), null=True, blank=True)
    probationary_on = models.DateField(_("probationary member since"), null=True, blank=True)
    probation_ends_on = models.DateField(_("probation ends"), null=True, blank=True)
    probation_extended = models.BooleanField(default=False)
    full_on = models.DateField(_("full member since"), null=True, blank=True)
    transferred_in_on = models.DateField(_("transferred in"), null=True, blank=True)
    transferred_out_on = models.DateField(_("transferred out"), null=True, blank=True)
    introducers = models.ManyToManyField(Member, related_name="introduced", blank=True)
    contacts = models.ManyToManyField(Member, related_name="contact_of", blank=True)

    class Meta:
        verbose_name = _("party record")
        verbose_name_plural = _("party records")


class HistoryKind(models.TextChoices):
    STAGE = "stage", _("Stage")
    ORGANISATION = "organisation", _("Organisation")
    TALK = "talk", _("Talk")
    CONTACTS = "contacts", _("Contact members")
    PROBATION = "probation", _("Probation")


class HistoryEntry(models.Model):
    """One change in a member's record: a stage reached, an organisation changed, a talk held."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="history")
    kind = models.CharField(max_length=20, choices=HistoryKind.choices)
    on = models.DateField()
    before = models.CharField(max_length=120, blank=True)
    after = models.CharField(max_length=120, blank=True)
    note = models.TextField(blank=True)
    by = models.ForeignKey(Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "pk"]

    @property
    def after_label(self) -> str:
        if self.kind == HistoryKind.STAGE and self.after in MemberStatus.values:
            return str(MemberStatus(self.after).label)
        return self.after


class ProposalKind(models.TextChoices):
    PROBATION = "probation", _("Admission as probationary member")
    FULL = "full", _("Full membership")
    EXTEND = "extend", _("Extension of probation")
    CANCEL = "cancel", _("Cancellation of probation")


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class Proposal(models.Model):
    """A branch's resolution on a member (its general meeting's vote) awaiting the approval of the
    organisation above (上级党组织审批)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="proposals")
    kind = models.CharField(max_length=10, choices=ProposalKind.choices)
    motion = models.OneToOneField(
        "meetings.Motion", null=True, blank=True, on_delete=models.PROTECT, related_name="membership_proposal"
    )
    resolved_on = models.DateField()
    reason = models.TextField(blank=True)
    extend_months = models.PositiveSmallIntegerField(null=True, blank=True)
    proposed_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PENDING)
    decided_by = models.ForeignKey(Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_on = models.DateField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=models.Q(status="pending"), name="one_pending_proposal"
            )
        ]


class TransferStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", pgettext_lazy("transfer", "Approved, awaiting acceptance")
    ACCEPTED = "accepted", _("Accepted")
    LETTER = "letter", _("Letter issued")
    REFUSED = "refused", _("Refused")
    EXPIRED = "expired", _("Expired")


OPEN_TRANSFER_STATUSES = (TransferStatus.REQUESTED, TransferStatus.APPROVED)


class Transfer(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="transfers")
    from_org = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    # None for an organisation outside this installation, named in ``destination``.
    to_org = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    destination = models.CharField(_("destination"), max_length=200, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    status = models.CharField(max_length=10, choices=TransferStatus.choices, default=TransferStatus.REQUESTED)
    requested_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_on = models.DateField()
    approved_by = models.ForeignKey(Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    approved_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_on = models.DateField(null=True, blank=True)
    refusal_reason = models.TextField(blank=True)
    code = models.CharField(max_length=12, blank=True, db_index=True)
    valid_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(status__in=["requested", "approved"]),
                name="one_open_transfer",
            )
        ]


class MigrantRegistration(models.Model):
    """A member away from home for more than six months, registered where they are. They stay a
    member of their home branch and join the destination organisation's meetings as a guest."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="migrant_registrations")
    location = models.CharField(_("where"), max_length=120)
    destination = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="migrant_guests"
    )
    since = models.DateField(_("away since"))
    ended_on = models.DateField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-since"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=models.Q(ended_on__isnull=True), name="one_open_registration"
            )
        ]


class ReminderSent(models.Model):
    """That the secretaries were told a step fell due (``membership_reminders`` tells them once)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    what = models.CharField(max_length=40)
    due_on = models.DateField()
    sent = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "what", "due_on"], name="reminder_once")]
