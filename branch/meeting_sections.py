"""A democratic appraisal held in an organisational-life meeting shows on the meeting's page and
in its minutes: who takes part, how many have assessed themselves and rated, and once announced
the conclusions per grade (counts only; a member's own result stays private)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from branch import selectors
from branch.models import Grade, Participant
from meetings.models import Meeting
from meetings.sections import Section


def appraisal_sections(meeting: Meeting) -> list[Section]:
    out = []
    for appraisal in selectors.appraisals_for_meeting(meeting.pk):
        participants = Participant.objects.filter(appraisal=appraisal)
        lines = [
            _("%(n)s members appraised, %(s)s self-assessments written, %(r)s members have rated.")
            % {"n": participants.count(), "s": participants.filter(self_assessed_at__isnull=False).count(),
               "r": selectors.raters_count(appraisal)},
        ]  # fmt: skip
        if appraisal.announced_at is not None:
            summary = selectors.appraisal_summary(appraisal)
            lines.append("、".join(f"{label} {summary[value]}" for value, label in Grade.choices))
        title = _("Democratic appraisal %(year)s") % {"year": appraisal.year}
        out.append({"title": title, "lines": lines, "url": reverse("branch:appraisal", args=[appraisal.pk])})
    return out
