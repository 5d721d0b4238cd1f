"""The organisation tree, members and their roles.

The tree is stored as a materialised path: each organisation's ``path`` is the ids of its
ancestors and itself, ``/1/4/17/``. A subtree is one indexed prefix query
(``path LIKE '/1/4/%'``) and the ancestors are read off the path without a query, which keeps
subtree and ancestor questions cheap at tens of thousands of organisations.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OrgKind(models.TextChoices):
    COMMITTEE = "committee", _("Party committee")
    GENERAL_BRANCH = "general_branch", _("General branch")
    BRANCH = "branch", _("Branch")
    GROUP = "group", _("Party group")


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=120)
    code = models.CharField(
        _("code"), max_length=40, unique=True, help_text=_("Stable identifier used by roster imports.")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=OrgKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, editable=False, db_index=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["path"]
        indexes = [
            # varchar_pattern_ops lets PostgreSQL use the index for LIKE 'prefix%' under any
            # collation; other backends ignore opclasses.
            models.Index(fields=["path"], name="org_path_prefix", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this organisation, itself included."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def is_within(self, other: Organisation) -> bool:
        """True when this organisation is ``other`` or lies below it."""
        return self.path.startswith(other.path)


class MemberStatus(models.TextChoices):
    """A person's standing. The first four are the stages of the development pipeline (发展党员);
    only the pipeline's steps (membership/services.py) move a person from one to the next."""

    APPLICANT = "applicant", _("Applicant")
    ACTIVIST = "activist", _("Activist")
    CANDIDATE = "candidate", _("Development candidate")
    PROBATIONARY = "probationary", _("Probationary member")
    FULL = "full", _("Full member")
    FORMER = "former", _("Probation cancelled")


# Party members (预备党员 and 正式党员); the others are people on their way, or no longer on it.
PARTY_MEMBER_STATUSES = (MemberStatus.PROBATIONARY, MemberStatus.FULL)


class Member(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member")
    real_name = models.CharField(_("real name"), max_length=60)
    status = models.CharField(
        pgettext_lazy("party standing", "status"),
        max_length=20,
        choices=MemberStatus.choices,
        default=MemberStatus.FULL,
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("home organisation"), on_delete=models.PROTECT, related_name="members"
    )
    is_migrant = models.BooleanField(_("migrant member"), default=False)
    current_location = models.CharField(_("current location"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["organisation__path", "real_name"]

    def __str__(self) -> str:
        return self.real_name


class RoleKind(models.TextChoices):
    SECRETARY = "secretary", _("Secretary")
    ORGANISER = "organiser", _("Organising commissioner")
    PUBLICITY = "publicity", _("Publicity commissioner")
    INSPECTOR = "inspector", _("Discipline inspector")
    LECTURER = "lecturer", _("Lecturer")
    MODERATOR = "moderator", _("Moderator")


class Role(models.Model):
    """A role held at an organisation; it applies to the organisation's whole subtree."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="roles")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField(_("role"), max_length=20, choices=RoleKind.choices)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [models.UniqueConstraint(fields=["member", "organisation", "kind"], name="role_unique")]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_kind_display()} · {self.organisation}"


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    MEMBERS = "members", _("All members")
    SUBTREE = "subtree", _("Organisation and below")
    PARTICIPANTS = "participants", _("Named participants")
