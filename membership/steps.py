"""The steps of the development pipeline by name, as pages and the API take them: one dispatch to
the services (which check every rule), with the inputs each step needs."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kernel.errors import Invalid
from members.access import Actor
from members.models import Member
from membership import services

TITLES = {
    "application": gettext_lazy("Record the application"),
    "talk": gettext_lazy("Record the talk with the applicant"),
    "activist": gettext_lazy("Make an activist"),
    "candidate": gettext_lazy("Make a development candidate"),
    "probation": gettext_lazy("Admission as probationary member"),
    "full": gettext_lazy("Full membership"),
    "extend": gettext_lazy("Extend the probation"),
    "cancel": gettext_lazy("Cancel the probation"),
}
NEEDS = {
    "application": ["on"],
    "talk": ["on", "note"],
    "activist": ["on", "people"],
    "candidate": ["on", "political_review_on", "training_on"],
    "probation": ["people", "motion"],
    "full": ["applied_on", "motion"],
    "extend": ["months", "reason", "motion"],
    "cancel": ["reason", "motion"],
}


def take(name: str, *, by: Actor, member: Member, data: dict[str, Any]) -> object:
    """Take step ``name`` for ``member`` with ``data`` (``people`` are Members, ``motion`` a Motion)."""
    if name not in NEEDS:
        raise Invalid(_("Unknown step."), field="step")
    for field in NEEDS[name]:
        if data.get(field) in (None, "", []):
            raise Invalid(_("This step needs: %(field)s.") % {"field": field}, field=field)
    c = data
    if name == "application":
        return services.application_record(by=by, member=member, on=c["on"])
    if name == "talk":
        return services.talk_record(by=by, member=member, on=c["on"], note=c["note"])
    if name == "activist":
        return services.activist_admit(by=by, member=member, on=c["on"], contacts=list(c["people"]))
    if name == "candidate":
        return services.candidate_admit(
            by=by, member=member, on=c["on"], political_review_on=c["political_review_on"], training_on=c["training_on"]
        )
    if name == "probation":
        return services.probation_propose(by=by, member=member, introducers=list(c["people"]), motion=c["motion"])
    if name == "full":
        return services.full_propose(by=by, member=member, applied_on=c["applied_on"], motion=c["motion"])
    if name == "extend":
        return services.extension_propose(
            by=by, member=member, months=c["months"], reason=c["reason"], motion=c["motion"]
        )
    return services.cancellation_propose(by=by, member=member, reason=c["reason"], motion=c["motion"])
