"""Pages for scheduling: calendar, schedule form, meeting page (with its attachments), minutes,
the secretary's statistics."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
from collections import defaultdict
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from kernel import files
from kernel.errors import DomainError, Forbidden, Invalid
from kernel.ids import YEARS, IdsChoiceField, id_or_none, int_or_none
from meetings import attachments, lifecycle, selectors, services
from meetings.charts import bar_chart, percent
from meetings.models import LeaveRequest, Meeting, MeetingKind, MeetingStatus
from meetings.rules import is_host, may_knock, may_run, minute_taker
from meetings.schemas import MeetingAttachmentOut, MeetingStatsOut
from meetings.sections import sections_for
from members.access import Action, actor_for, organisations_where, subtree_q
from members.models import Member, Organisation
from members.selectors import organisations_under


class ScheduleForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=gettext_lazy("Organisation"))
    kind = forms.ChoiceField(choices=MeetingKind.choices, label=gettext_lazy("Type"))
    title = forms.CharField(max_length=200, label=gettext_lazy("Title"))
    starts_at = forms.DateTimeField(
        label=gettext_lazy("Starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=gettext_lazy("Planned end"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    agenda = forms.CharField(
        label=gettext_lazy("Agenda (one item a line)"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


# The browser's datetime-local control reads and writes this format only.
LOCAL_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class EditForm(forms.Form):
    """What a host changes: time, title and agenda until the meeting starts; co-hosts and
    invitees until it ends."""

    title = forms.CharField(max_length=200, label=gettext_lazy("Title"))
    starts_at = forms.DateTimeField(label=gettext_lazy("Starts at"), widget=LOCAL_DATETIME)
    ends_at = forms.DateTimeField(label=gettext_lazy("Planned end"), widget=LOCAL_DATETIME)
    agenda = forms.CharField(
        label=gettext_lazy("Agenda (one item a line)"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    cohosts = IdsChoiceField(
        queryset=Member.objects.none(),
        required=False,
        label=gettext_lazy("Co-hosts"),
        widget=forms.CheckboxSelectMultiple,
    )
    invitees = IdsChoiceField(
        queryset=Member.objects.none(),
        required=False,
        label=gettext_lazy("Invited members"),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        invited = meeting.invitations.values("member_id")
        people = Member.objects.filter(subtree_q([meeting.organisation.path]) | Q(pk__in=invited))
        people = people.exclude(pk=meeting.host_id).order_by("real_name", "pk")
        self.fields["cohosts"].queryset = people  # type: ignore[attr-defined]
        self.fields["invitees"].queryset = people  # type: ignore[attr-defined]
        self.fields["cohosts"].label_from_instance = _member_label  # type: ignore[attr-defined]
        self.fields["invitees"].label_from_instance = _member_label  # type: ignore[attr-defined]
        if meeting.status != MeetingStatus.SCHEDULED:
            for name in ("title", "starts_at", "ends_at", "agenda"):
                self.fields[name].disabled = True


def _member_label(member: Member) -> str:
    return f"{member.real_name} · {member.get_status_display()}"


def _hostable_organisations(request: HttpRequest) -> QuerySet[Organisation]:
    actor = actor_for(request.user)
    paths = organisations_where(actor, Action.HOST_MEETING) + organisations_where(actor, Action.TEACH)
    return organisations_under(paths)


@login_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    today = timezone.localdate()
    year = int_or_none(request.GET.get("year"), *YEARS) or today.year
    month = int_or_none(request.GET.get("month"), 1, 12) or today.month
    first = dt.date(year, month, 1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    by_day: dict[dt.date, list[Meeting]] = defaultdict(list)
    for meeting in selectors.meetings_in_range_for(actor=actor, start=first, end=last + dt.timedelta(days=1)):
        by_day[timezone.localtime(meeting.starts_at).date()].append(meeting)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = last + dt.timedelta(days=1)
    return render(
        request,
        "meetings/calendar.html",
        {
            "month": first,
            "days": sorted(by_day.items()),
            "previous": previous,
            "following": following,
            "upcoming": selectors.meetings_upcoming_for(actor=actor, limit=10) if actor.is_member else [],
            "can_schedule": bool(
                organisations_where(actor, Action.HOST_MEETING) or organisations_where(actor, Action.TEACH)
            ),
            "stats_organisations": Organisation.objects.filter(
                path__in=organisations_where(actor, Action.HOST_MEETING)
            ).order_by("path"),
        },
    )


@login_required
def schedule_page(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    form = ScheduleForm(request.POST or None)
    form.fields["organisation"].queryset = _hostable_organisations(request)  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.meeting_schedule(
                by=actor,
                organisation=data["organisation"],
                kind=data["kind"],
                title=data["title"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                agenda=data["agenda"].splitlines(),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The meeting is scheduled and the invitees have been notified."))
            return redirect("meetings:detail", meeting_id=meeting.pk)
    return render(request, "meetings/schedule.html", {"form": form})


@login_required
def detail_page(request: HttpRequest, meeting_id: int) -> HttpResponse:
    actor = actor_for(request.user)
    meeting = selectors.meeting_get_for(actor=actor, meeting_id=meeting_id)
    if request.method == "POST":
        try:
            _detail_action(request, meeting)
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("meetings:detail", meeting_id=meeting.pk)
    host = is_host(actor, meeting)
    return render(
        request,
        "meetings/detail.html",
        {
            "meeting": meeting,
            "cohosts": meeting.cohosts.order_by("real_name"),
            "is_host": host,
            "is_invited": meeting.invitations.filter(member_id=actor.mid).exists(),
            "may_knock": may_knock(actor, meeting),
            "may_run": may_run(actor, meeting),
            "invitee_count": meeting.invitations.count(),
            "my_leave": meeting.leave_requests.filter(member_id=actor.mid).first(),
            "leave_requests": selectors.leave_requests_for(actor=actor, meeting=meeting) if host else [],
            "attendance": selectors.attendance_report(actor=actor, meeting=meeting)
            if meeting.status != MeetingStatus.SCHEDULED
            else [],
            "motions": [selectors.motion_dict(m) for m in meeting.motions.order_by("opened_at", "pk")],
            "sections": sections_for(meeting),
            "minute_taker": minute_taker(actor, meeting),
            "attachments": [MeetingAttachmentOut.of(a) for a in attachments.attachments_of(meeting)],
            "can_attach": host and meeting.status in (MeetingStatus.SCHEDULED, MeetingStatus.LIVE),
            "attachment_limit": attachments.max_bytes(),
        },
    )


def _detail_action(request: HttpRequest, meeting: Meeting) -> None:
    actor = actor_for(request.user)
    action = request.POST.get("action")
    if action == "leave":
        services.leave_request_create(by=actor, meeting=meeting, reason=request.POST.get("reason", ""))
        messages.success(request, _("Your leave request has been sent to the host."))
    elif action in ("approve", "decline"):
        leave = get_object_or_404(LeaveRequest, pk=request.POST.get("request"), meeting=meeting)
        services.leave_request_decide(by=actor, request=leave, approve=action == "approve")
    elif action == "start":
        lifecycle.meeting_start(by=actor, meeting=meeting)
    elif action == "end":
        lifecycle.meeting_end(by=actor, meeting=meeting)
    elif action == "cancel":
        services.meeting_cancel(by=actor, meeting=meeting)
    elif action == "attach":
        uploaded = request.FILES.get("file")
        if uploaded is None:
            raise Invalid(_("Choose a file to attach."))
        attachment = attachments.attachment_upload(
            by=actor, meeting=meeting, name=uploaded.name or "", stream=uploaded, size=uploaded.size
        )
        messages.success(request, _("Attached: %(name)s") % {"name": attachment.filename})
    elif action == "detach":
        attachment_id = id_or_none(request.POST.get("attachment"))
        if attachment_id is None:
            raise Invalid(_("No such file in this meeting."))
        attachments.attachment_delete(by=actor, meeting=meeting, attachment_id=attachment_id)
        messages.success(request, _("The attachment is removed."))


@login_required
def attachment_file(request: HttpRequest, meeting_id: int, attachment_id: int) -> HttpResponseBase:
    """An attachment, for whoever may see the meeting, with the forum's safe download headers:
    the sniffed type, no sniffing by the browser, and a sandbox with nothing allowed to run."""
    item = attachments.attachment_get_for(
        actor=actor_for(request.user), meeting_id=meeting_id, attachment_id=attachment_id
    )
    response = FileResponse(item.file.open("rb"), content_type=item.content_type)
    for header, value in files.download_headers(item.filename, inline=item.is_image).items():
        response[header] = value
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def edit_page(request: HttpRequest, meeting_id: int) -> HttpResponse:
    actor = actor_for(request.user)
    meeting = selectors.meeting_get_for(actor=actor, meeting_id=meeting_id)
    if not is_host(actor, meeting):
        raise Forbidden(_("Only the meeting's hosts may do this."))
    invited = meeting.invitations.values_list("member_id", flat=True)
    initial = {
        "title": meeting.title,
        "starts_at": timezone.localtime(meeting.starts_at),
        "ends_at": timezone.localtime(meeting.ends_at),
        "agenda": "\n".join(meeting.agenda),
        "cohosts": list(meeting.cohosts.values_list("pk", flat=True)),
        "invitees": list(invited),
    }
    form = EditForm(request.POST or None, initial=initial, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            _edit_apply(request, meeting, form)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Saved. Those concerned have been notified."))
            return redirect("meetings:detail", meeting_id=meeting.pk)
    return render(request, "meetings/edit.html", {"meeting": meeting, "form": form})


def _same_minute(a: dt.datetime, b: dt.datetime) -> bool:
    return a.replace(second=0, microsecond=0) == b.replace(second=0, microsecond=0)


def _edit_apply(request: HttpRequest, meeting: Meeting, form: EditForm) -> None:
    actor = actor_for(request.user)
    data = form.cleaned_data
    agenda = [line.strip() for line in data["agenda"].splitlines() if line.strip()]
    if meeting.status == MeetingStatus.SCHEDULED and (
        data["title"].strip() != meeting.title
        or not _same_minute(data["starts_at"], meeting.starts_at)
        or not _same_minute(data["ends_at"], meeting.ends_at)
        or agenda != meeting.agenda
    ):
        services.meeting_update(
            by=actor, meeting=meeting, title=data["title"], starts_at=data["starts_at"], ends_at=data["ends_at"],
            agenda=agenda,
        )  # fmt: skip
    cohosts = {m.pk for m in data["cohosts"]}
    if cohosts != set(meeting.cohosts.values_list("pk", flat=True)):
        services.meeting_cohosts_set(
            by=actor, meeting=meeting, members=Member.objects.select_related("organisation").filter(pk__in=cohosts)
        )
    invitees = {m.pk for m in data["invitees"]} | cohosts | {meeting.host_id}
    if invitees != set(meeting.invitations.values_list("member_id", flat=True)):
        services.meeting_invitees_set(by=actor, meeting=meeting, members=Member.objects.filter(pk__in=invitees))


@login_required
def minutes_page(request: HttpRequest, meeting_id: int) -> HttpResponse:
    actor = actor_for(request.user)
    meeting = selectors.meeting_get_for(actor=actor, meeting_id=meeting_id)
    if request.method == "POST":
        try:
            services.minutes_save(by=actor, meeting=meeting, text=request.POST.get("text", ""))
            if request.POST.get("finalise"):
                services.minutes_finalise(by=actor, meeting=meeting)
                messages.success(request, _("The minutes are final and archived."))
            else:
                messages.success(request, _("Saved."))
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("meetings:minutes", meeting_id=meeting.pk)
    minutes = selectors.minutes_get_for(actor=actor, meeting=meeting)
    preview = minutes.document or selectors.minutes_document(meeting=meeting, text=minutes.text)
    return render(
        request,
        "meetings/minutes.html",
        {"meeting": meeting, "minutes": minutes, "document": preview, "editable": minute_taker(actor, meeting)},
    )


@login_required
def stats_page(request: HttpRequest, org_id: int) -> HttpResponse:
    actor = actor_for(request.user)
    organisation = get_object_or_404(Organisation, pk=org_id)
    today = timezone.localdate()
    year = int_or_none(request.GET.get("year"), *YEARS) or today.year
    quarter = int_or_none(request.GET.get("quarter"), 1, 4) or (today.month - 1) // 3 + 1
    stats = selectors.meeting_stats_for(actor=actor, organisation=organisation, year=year, quarter=quarter)
    if request.GET.get("format") == "csv":
        return stats_csv(organisation, stats)
    held = bar_chart(
        (row.label, row.held / row.expected if row.expected else 1.0, f"{row.held} / {row.expected}")
        for row in stats.by_kind
    )
    per_meeting = bar_chart((m.title, m.rate, percent(m.rate)) for m in stats.meetings)
    per_member = bar_chart((p.real_name, p.rate, percent(p.rate)) for p in stats.members)
    return render(
        request,
        "meetings/stats.html",
        {
            "organisation": organisation,
            "stats": stats,
            "held": held,
            "per_meeting": per_meeting,
            "per_member": per_member,
        },
    )


def stats_csv(organisation: Organisation, stats: MeetingStatsOut) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"meetings-{organisation.code}-{stats.year}Q{stats.quarter}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # so that spreadsheet programs read UTF-8
    writer = csv.writer(response)
    writer.writerow([_("Meeting"), _("Type"), _("Date"), _("Invited"), _("Present"), _("Excused"), _("Rate")])
    for m in stats.meetings:
        writer.writerow([m.title, m.label, m.starts_at[:10], m.invited, m.present, m.excused, m.rate])
    writer.writerow([])
    writer.writerow([_("Member"), _("Invited"), _("Present"), _("Excused"), pgettext("duration", "Minutes"), _("Rate")])
    for p in stats.members:
        writer.writerow([p.real_name, p.invited, p.present, p.excused, p.minutes, p.rate])
    return response
