"""The pipeline's and transfers' domain errors, with the stable codes the API reports."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kernel.errors import Conflict, Invalid


class StepOutOfOrder(Conflict):
    code = "step_out_of_order"
    default_message = _("This step does not follow from the member's current stage.")


class DateInFuture(Invalid):
    code = "date_in_future"
    default_message = _("A step is recorded when it has happened; the date is in the future.")


class DateBeforeEarlierStep(Invalid):
    code = "date_before_earlier_step"
    default_message = _("The date is before the step it follows.")


class TooYoung(Invalid):
    code = "too_young"
    default_message = _("An activist must be at least 18 years old.")


class TooSoon(Conflict):
    code = "too_soon"
    default_message = _("The period this step requires has not passed yet.")


class IntroducersInvalid(Invalid):
    code = "introducers_invalid"
    default_message = _("Two different full members other than the applicant must introduce them.")


class ContactsInvalid(Invalid):
    code = "contacts_invalid"
    default_message = _("Two different full members of the branch must be the contact members.")


class VoteInvalid(Invalid):
    code = "vote_invalid"
    default_message = _("The vote must be a closed vote of this branch's general meeting, not used before.")


class VoteNotAdopted(Conflict):
    code = "vote_not_adopted"
    default_message = _("The branch general meeting did not adopt this resolution.")


class ReasonRequired(Invalid):
    code = "reason_required"
    default_message = _("Give the reasons.")


class TransferClosed(Conflict):
    code = "transfer_closed"
    default_message = _("This transfer is no longer open for this step.")


class TransferExpired(Conflict):
    code = "transfer_expired"
    default_message = _("The letter of introduction has expired; the member stays where they were.")
