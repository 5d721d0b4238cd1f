"""The branch's domain errors, each with a stable code the API and the socket report."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kernel.errors import Conflict, Invalid


class IncomeInvalid(Invalid):
    code = "dues_income_invalid"
    default_message = _("The income base must be a whole number of fen, zero or more.")


class AmountMismatch(Invalid):
    code = "dues_amount_mismatch"
    default_message = _("The amount does not match the dues standard for these months.")


class MonthAlreadyPaid(Conflict):
    code = "dues_month_paid"
    default_message = _("One of these months is already paid or declared.")


class NoStandard(Conflict):
    code = "dues_no_standard"
    default_message = _("No dues standard has been set for this member yet.")


class NotRatingPeriod(Conflict):
    code = "appraisal_not_rating"
    default_message = _("Ratings are accepted only during the rating period.")


class AlreadyRated(Conflict):
    code = "appraisal_already_rated"
    default_message = _("You have already rated in this appraisal.")


class ReasonRequired(Invalid):
    code = "appraisal_reason_required"
    default_message = _("Give the reasons for a basically qualified or unqualified conclusion.")


class DuplicateRating(Invalid):
    code = "appraisal_duplicate_rating"
    default_message = _("Each member can be rated once.")
