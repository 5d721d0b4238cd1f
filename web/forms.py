"""Login forms that obey the password-guessing limits (members/auth.py)."""

from __future__ import annotations

import math
from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kernel.errors import RateLimited
from members.auth import client_address, login_throttle


class ThrottledLoginMixin:
    """Checks the limits before the password; ``rate_limited`` tells the template which error."""

    rate_limited = False
    request: Any
    cleaned_data: dict[str, Any]

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if username and self.cleaned_data.get("password"):
            try:
                login_throttle(username=username, address=client_address(self.request))
            except RateLimited as exc:
                self.rate_limited = True
                raise ValidationError(
                    _("Too many login attempts; try again in %(seconds)d seconds."),
                    code="rate_limited",
                    params={"seconds": max(1, math.ceil(exc.retry_after))},
                ) from exc
        return super().clean()  # type: ignore[misc,no-any-return]


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass
