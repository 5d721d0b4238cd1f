"""Pages of party records: my record, an organisation's pipeline board, a member's record with the
next step's form, approvals above, transfers and their letters, migrant members."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kernel.errors import DomainError, NotFound
from kernel.ids import id_or_none, require_id
from meetings.models import Meeting, MeetingKind, MeetingStatus, Motion, MotionStatus
from members.access import Action, Actor, actor_for, branch_of, can, has_role, organisations_where
from members.models import Member, MemberStatus, Organisation
from members.roster import RosterInvalid
from membership import forms, roster_import, selectors, services, steps
from membership.models import Proposal
from realtime.services import stream_head
from realtime.streams import user_stream

S = MemberStatus


def _member_choices(member: Member) -> QuerySet[Member]:
    branch = branch_of(member.organisation)
    return (
        Member.objects.filter(organisation__path__startswith=branch.path, status=S.FULL)
        .exclude(pk=member.pk)
        .order_by("real_name")
    )


def _vote_choices(member: Member) -> QuerySet[Motion]:
    branch = branch_of(member.organisation)
    return (
        Motion.objects.filter(
            meeting__organisation=branch,
            meeting__kind=MeetingKind.BRANCH_GENERAL,
            status=MotionStatus.CLOSED,
            membership_proposal__isnull=True,
        )
        .select_related("meeting")
        .order_by("-closed_at")
    )


def _form(name: str, member: Member, data: Any = None) -> django_forms.Form:
    """The form of one step of the pipeline, with its choices for ``member``."""
    if name == "application":
        return forms.DayForm(data)
    if name == "talk":
        return forms.TalkForm(data)
    if name == "activist":
        return forms.ActivistForm(data, choices=_member_choices(member), label=_("Contact members (two)"))
    if name == "candidate":
        return forms.CandidateForm(data)
    if name == "probation":
        return forms.ProbationForm(
            data, choices=_member_choices(member), label=_("Introducers (two)"), motions=_vote_choices(member)
        )
    kinds: dict[str, type[forms.VoteForm]] = {
        "full": forms.FullForm,
        "extend": forms.ExtendForm,
        "cancel": forms.CancelForm,
    }
    return kinds[name](data, motions=_vote_choices(member))


def _steps_for(member: Member, record: Any) -> list[str]:
    """The steps that may follow from the member's stage (the service checks the rest)."""
    if member.status == S.APPLICANT:
        if record.applied_on is None:
            return ["application"]
        return ["talk", "activist"] if record.talked_on else ["talk"]
    following: dict[str, list[str]] = {
        S.ACTIVIST: ["candidate"], S.CANDIDATE: ["probation"], S.PROBATIONARY: ["full", "extend", "cancel"]
    }  # fmt: skip
    return following.get(member.status, [])


def _managed(actor: Actor) -> list[Organisation]:
    paths = organisations_where(actor, Action.MANAGE_MEMBERS)
    return list(Organisation.objects.filter(path__in=paths).order_by("path"))


@login_required
@require_http_methods(["GET", "POST"])
def me_page(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    if not actor.is_member:
        raise NotFound()
    me = Member.objects.select_related("organisation").get(pk=actor.mid)
    transfer_form, migrant_form = forms.TransferForm(), forms.MigrantForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "transfer":
                transfer_form = forms.TransferForm(request.POST)
                if transfer_form.is_valid():
                    c = transfer_form.cleaned_data
                    services.transfer_request(by=actor, member=me, to_org=c["to_org"], destination=c["destination"],
                                              reason=c["reason"])  # fmt: skip
                    messages.success(request, _("Your transfer request has been sent to your branch."))
                    return redirect("membership:me")
            elif action == "migrant":
                migrant_form = forms.MigrantForm(request.POST)
                if migrant_form.is_valid():
                    c = migrant_form.cleaned_data
                    services.migrant_register(by=actor, member=me, location=c["location"], since=c["since"],
                                              destination=c["destination"])  # fmt: skip
                    messages.success(request, _("You are registered as a migrant member."))
                    return redirect("membership:me")
            elif action == "return":
                services.migrant_return(by=actor, member=me)
                messages.success(request, _("Welcome back: your registration as a migrant member has ended."))
                return redirect("membership:me")
        except DomainError as error:
            messages.error(request, error.message)
    member, record, history, proposals = selectors.record_page(actor=actor, member_id=actor.mid)
    return render(request, "membership/me.html", {
        "member": member, "record": record, "history": history, "proposals": proposals,
        "transfers": selectors.transfers_for(actor=actor)["mine"], "registration": selectors.registration_current(me),
        "transfer_form": transfer_form, "migrant_form": migrant_form, "managed": _managed(actor),
        "full_view": True,
    })  # fmt: skip


@login_required
def board_index(request: HttpRequest) -> HttpResponse:
    managed = _managed(actor_for(request.user))
    if not managed:
        raise NotFound()
    return redirect("membership:board", org_id=managed[0].pk)


@login_required
def board_page(request: HttpRequest, org_id: int) -> HttpResponse:
    actor = actor_for(request.user)
    org = selectors.organisation_get_for(actor=actor, org_id=org_id)
    board = selectors.pipeline_board(actor=actor, organisation=org)
    columns = [(stage, S(stage).label, board[stage]) for stage in selectors.PIPELINE_STAGES]
    transfers = selectors.transfers_for(actor=actor)
    return render(request, "membership/board.html", {
        "org": org, "columns": columns, "managed": _managed(actor), "today": services.today(),
        "incoming": [t for t in transfers["incoming"] if t.to_org is not None and t.to_org.is_within(org)],
        "outgoing": [t for t in transfers["outgoing"] if t.from_org.is_within(org)],
        "approvals": selectors.proposals_to_approve(actor=actor).count(),
    })  # fmt: skip


def _id_number(member: Member) -> str:
    record = getattr(member, "record", None)
    return record.id_number if record is not None else ""


@login_required
def members_page(request: HttpRequest, org_id: int) -> HttpResponse:
    actor = actor_for(request.user)
    org = selectors.organisation_get_for(actor=actor, org_id=org_id)
    rows = [
        (
            m,
            selectors.mask_phone(m.phone),
            selectors.mask_id_number(getattr(getattr(m, "record", None), "id_number", "")),
        )
        for m in selectors.members_of(actor=actor, organisation=org).order_by("organisation__path", "real_name")
    ]
    return render(request, "membership/members.html", {"org": org, "rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def record_page(request: HttpRequest, member_id: int) -> HttpResponse:
    actor = actor_for(request.user)
    member = selectors.member_get_for(actor=actor, member_id=member_id)
    if actor.member_id == member.pk and not can(actor, Action.MANAGE_MEMBERS, member.organisation):
        return redirect("membership:me")
    bound: dict[str, django_forms.Form] = {}
    personal = forms.PersonalForm()
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "personal":
                personal = forms.PersonalForm(request.POST)
                if personal.is_valid():
                    c = personal.cleaned_data
                    services.record_update(by=actor, member=member, birth_date=c["birth_date"],
                                           id_number=c["id_number"], phone=c["phone"])  # fmt: skip
                    messages.success(request, _("Saved."))
                    return redirect("membership:record", member_id=member.pk)
            elif action in steps.TITLES:
                form = _form(action, member, request.POST)
                bound[action] = form
                if form.is_valid():
                    steps.take(action, by=actor, member=member, data=form.cleaned_data)
                    messages.success(request, _("Recorded: %(step)s") % {"step": steps.TITLES[action]})
                    return redirect("membership:record", member_id=member.pk)
        except DomainError as error:
            messages.error(request, error.message)
            member.refresh_from_db()
    member, record, history, proposals = selectors.record_page(actor=actor, member_id=member.pk)
    committee = actor.is_system or has_role(actor, services.COMMITTEE_ROLES, member.organisation)
    pending = next((p for p in proposals if p.status == "pending"), None)
    forms_shown = [
        (name, steps.TITLES[name], bound.get(name) or _form(name, member))
        for name in (_steps_for(member, record) if committee and pending is None else [])
    ]
    personal = personal if personal.is_bound else forms.PersonalForm(initial={
        "birth_date": record.birth_date, "id_number": record.id_number, "phone": member.phone})  # fmt: skip
    return render(request, "membership/record.html", {
        "member": member, "record": record, "history": history, "proposals": proposals, "step_forms": forms_shown,
        "personal": personal, "pending": pending, "full_view": True,
        "due": selectors.next_due(member, record, pending),
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def approvals_page(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    if request.method == "POST":
        form = forms.DecideForm(request.POST)
        try:
            proposal_id = require_id(request.POST.get("proposal", ""))
            proposal = selectors.proposal_get_for(actor=actor, proposal_id=proposal_id)
            if form.is_valid():
                approve = request.POST.get("action") == "approve"
                services.proposal_decide(by=actor, proposal=proposal, approve=approve, on=form.cleaned_data["on"],
                                         note=form.cleaned_data["note"])  # fmt: skip
                messages.success(request, _("Approved.") if approve else _("Refused; the branch is told why."))
            else:
                messages.error(request, _("Give the date of the decision."))
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("membership:approvals")
    proposals: list[Proposal] = list(selectors.proposals_to_approve(actor=actor))
    return render(request, "membership/approvals.html", {
        "proposals": proposals, "form": forms.DecideForm(initial={"on": services.today()}),
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def transfers_page(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            transfer_id = require_id(request.POST.get("transfer", ""))
            transfer = selectors.transfer_get_for(actor=actor, transfer_id=transfer_id)
            if action == "approve":
                services.transfer_approve(by=actor, transfer=transfer)
                messages.success(request, _("Approved; the letter of introduction is issued."))
            elif action == "accept":
                services.transfer_accept(by=actor, transfer=transfer)
                messages.success(request, _("Accepted: %(name)s is now a member here.") % {"name": transfer.member})
            elif action == "refuse":
                form = forms.RefuseForm(request.POST)
                if not form.is_valid():
                    raise services.errors.ReasonRequired()
                services.transfer_refuse(by=actor, transfer=transfer, reason=form.cleaned_data["reason"])
                messages.success(request, _("Refused; the member stays where they were."))
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("membership:transfers")
    transfers = selectors.transfers_for(actor=actor)
    return render(
        request, "membership/transfers.html",
        {**transfers, "refuse_form": forms.RefuseForm(), "managed": _managed(actor)},
    )  # fmt: skip


@login_required
def letter_page(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = selectors.transfer_get_for(actor=actor_for(request.user), transfer_id=transfer_id)
    if not transfer.code:
        raise NotFound(_("The letter is issued when the branch approves the transfer."))
    record = services.record_for(transfer.member)
    verify_url = request.build_absolute_uri(f"/membership/letters/verify/?code={transfer.code}")
    return render(request, "membership/letter.html", {"t": transfer, "record": record, "verify_url": verify_url})


def verify_page(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("code", "")[:40]
    check = selectors.letter_verify(code) if code else None
    return render(request, "membership/verify.html", {"code": code, "check": check, "asked": bool(code)})


@login_required
@require_http_methods(["GET", "POST"])
def migrants_page(request: HttpRequest, org_id: int) -> HttpResponse:
    actor = actor_for(request.user)
    org = selectors.organisation_get_for(actor=actor, org_id=org_id)
    if request.method == "POST":
        try:
            meeting = Meeting.objects.filter(pk=id_or_none(request.POST.get("meeting")) or 0, organisation=org).first()
            if meeting is None:
                raise NotFound()
            invited = services.migrants_invite(by=actor, meeting=meeting)
            messages.success(request, _("%(n)d migrant members invited.") % {"n": len(invited)})
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("membership:migrants", org_id=org.pk)
    upcoming = Meeting.objects.filter(organisation=org, status__in=[MeetingStatus.SCHEDULED, MeetingStatus.LIVE])
    return render(request, "membership/migrants.html", {
        "org": org, "home": selectors.migrants_of(actor=actor, organisation=org),
        "guests": selectors.guests_of(actor=actor, organisation=org), "meetings": upcoming.order_by("starts_at"),
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest, org_id: int) -> HttpResponse:
    """Organisers import a roster (CSV) into their organisation, watching its progress."""
    actor = actor_for(request.user)
    org = selectors.organisation_get_for(actor=actor, org_id=org_id)
    context: dict[str, Any] = {"org": org, "max_mb": roster_import.MAX_BYTES // 1024 // 1024}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Choose a CSV file."))
        else:
            since = stream_head(stream=user_stream(actor.mid))
            try:
                job = roster_import.roster_import_start(
                    by=actor, organisation=org, data=upload.read(roster_import.MAX_BYTES + 1)
                )
            except RosterInvalid as invalid:
                context["errors"] = invalid.errors
            else:
                context.update(job=job, since=since)
    return render(request, "membership/import.html", context)
