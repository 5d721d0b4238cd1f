from __future__ import annotations

from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from kernel.errors import Forbidden, Invalid, NotAuthenticated
from kernel.ids import Id
from kernel.origin import require_same_origin
from members import selectors
from members.access import actor_for
from members.auth import client_address, login_throttle
from members.schemas import MeOut, OrganisationOut

router = Router(tags=["auth & members"])


class LoginIn(Schema):
    username: str = Field(max_length=150)
    password: str = Field(max_length=4096)


class LoginOut(Schema):
    me: MeOut
    csrf_token: str


class Ok(Schema):
    ok: bool = True


class ErrorOut(Schema):
    code: str
    message: str


@router.post(
    "/auth/login", auth=None, response={200: LoginOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut}
)
def auth_login(request: HttpRequest, payload: LoginIn) -> LoginOut:
    require_same_origin(request)
    login_throttle(username=payload.username, address=client_address(request))
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        raise NotAuthenticated(_("Wrong username or password."))
    login(request, user)
    me = selectors.me_get(actor=actor_for(user))
    return LoginOut(me=me, csrf_token=get_token(request))


@router.post("/auth/logout", auth=None, response={200: Ok, 403: ErrorOut})
def auth_logout(request: HttpRequest) -> Ok:
    require_same_origin(request)
    logout(request)
    return Ok()


class PasswordChangeIn(Schema):
    old_password: str
    new_password: str


@router.post("/auth/password", response={200: Ok, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut})
def auth_password_change(request: HttpRequest, payload: PasswordChangeIn) -> Ok:
    """The account page's form, as JSON: the same Django form validates both."""
    form = PasswordChangeForm(
        request.user,  # type: ignore[arg-type]
        {
            "old_password": payload.old_password,
            "new_password1": payload.new_password,
            "new_password2": payload.new_password,
        },
    )
    if not form.is_valid():
        errors = {field: [str(e) for e in errs] for field, errs in form.errors.items()}
        raise Invalid(_("The password was not changed."), errors=errors)
    update_session_auth_hash(request, form.save())
    return Ok()


@router.get("/me", response={200: MeOut, 401: ErrorOut, 403: ErrorOut})
def me(request: HttpRequest) -> MeOut:
    actor = actor_for(request.user)
    if not actor.is_member:
        raise Forbidden(_("This account is not linked to a party member."))
    return selectors.me_get(actor=actor)


@router.get("/organisations/{org_id}/subtree", response={200: list[OrganisationOut], 403: ErrorOut, 404: ErrorOut})
def organisation_subtree(request: HttpRequest, org_id: Id) -> list[OrganisationOut]:
    return selectors.organisation_subtree_for(actor=actor_for(request.user), org_id=org_id)
