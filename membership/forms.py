"""The forms of the record pages: each parses one step's input; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.ids import IdsChoiceField
from meetings.models import Motion
from members.models import Member, Organisation


class DateInput(forms.DateInput):
    """The browser's date picker, which reads and writes ISO dates whatever the page's language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def day_field(label: Any) -> forms.DateField:
    return forms.DateField(label=label, widget=DateInput)


class PersonalForm(forms.Form):
    birth_date = forms.DateField(label=_("date of birth"), widget=DateInput, required=False)
    id_number = forms.CharField(label=_("ID number"), max_length=18, required=False)
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)


class DayForm(forms.Form):
    on = day_field(_("Date"))


class TalkForm(DayForm):
    note = forms.CharField(label=_("What the talk covered"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class PeopleForm(forms.Form):
    """Two people chosen among ``choices`` (contact members or introducers)."""

    people = IdsChoiceField(queryset=Member.objects.none(), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: object, choices: object = None, label: str = "", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["people"]
        field.queryset = choices  # type: ignore[attr-defined]
        field.label = label


class ActivistForm(DayForm, PeopleForm):
    pass


class CandidateForm(DayForm):
    political_review_on = day_field(_("Political review"))
    training_on = day_field(_("Training completed"))


class MotionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Motion) -> str:
        closed = timezone.localtime(obj.closed_at) if obj.closed_at else timezone.localtime(obj.meeting.starts_at)
        return f"{closed:%Y-%m-%d} {obj.meeting.title} · {obj.title}"


class VoteForm(forms.Form):
    motion = MotionChoiceField(label=_("The branch general meeting's vote"), queryset=Motion.objects.none())

    def __init__(self, *args: object, motions: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["motion"].queryset = motions  # type: ignore[attr-defined]


class ProbationForm(VoteForm, PeopleForm):
    pass


class FullForm(VoteForm):
    applied_on = day_field(_("The member applied for full membership on"))


class ExtendForm(VoteForm):
    months = forms.IntegerField(label=_("Extend by (months)"), min_value=1, max_value=12)
    reason = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class CancelForm(VoteForm):
    reason = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class DecideForm(DayForm):
    note = forms.CharField(label=_("Note (required when refusing)"), required=False, max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip


class TransferForm(forms.Form):
    to_org = forms.ModelChoiceField(
        label=_("To an organisation of this site"), queryset=Organisation.objects.filter(kind__in=["branch", "group"]),
        required=False,
    )  # fmt: skip
    destination = forms.CharField(label=_("Or to an organisation elsewhere"), max_length=200, required=False)
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class MigrantForm(forms.Form):
    location = forms.CharField(label=_("Where you are now"), max_length=120)
    since = day_field(_("Away since"))
    destination = forms.ModelChoiceField(
        label=_("The organisation there that takes you in as a guest"),
        queryset=Organisation.objects.filter(kind__in=["branch", "group"]), required=False,
    )  # fmt: skip
