"""Password guessing limits for every way in: the login page, the admin's login page and
``POST /api/auth/login`` all call :func:`login_throttle` before checking a password.

Two token buckets (``kernel.ratelimit``: shared through Redis when ``REDIS_URL`` is set):

* per account: ``ACCOUNT_BURST`` tries, then one more every ``1 / ACCOUNT_RATE`` seconds, so
  guessing one member's password is slow from any number of addresses;
* per client address: a larger bucket, so one address cannot try many accounts quickly.

Every try takes a token, successful or not: the limit has to be checked before the password is,
and a member logs in far less often than the burst allows.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import HttpRequest

from kernel.ratelimit import check

ACCOUNT_RATE, ACCOUNT_BURST = 1 / 60, 10
ADDRESS_RATE, ADDRESS_BURST = 1.0, 100


def client_address(request: HttpRequest | None) -> str:
    """The client's address; behind the proxy Daphne takes it from X-Forwarded-For
    (``--proxy-headers``), so this is the browser's address, not nginx's."""
    if request is None:
        return "-"
    return str(request.META.get("REMOTE_ADDR") or "-")


def login_throttle(*, username: str, address: str) -> None:
    """Raise :class:`kernel.errors.RateLimited` when this account or address has tried too often."""
    User = get_user_model()
    # Keyed by the account itself when it exists (its id and creation time, as ids can come
    # back after a rollback), so a renamed account keeps its bucket and a new one starts afresh;
    # unknown names share one bucket per name.
    user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).values("pk", "date_joined").first()
    if user is not None:
        account = f"id:{user['pk']}:{user['date_joined'].timestamp():.6f}"
    else:
        account = f"name:{username.strip().lower()[:150]}"
    check(f"login:account:{account}", rate=ACCOUNT_RATE, burst=ACCOUNT_BURST)
    check(f"login:address:{address}", rate=ADDRESS_RATE, burst=ADDRESS_BURST)
