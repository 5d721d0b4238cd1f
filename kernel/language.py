"""The language a person chose: the pages' and the socket's."""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.utils.translation import check_for_language


def language_from_cookies(cookies: Mapping[str, str]) -> str:
    """The switcher's choice, else Chinese: the pages' language and the socket's."""
    chosen = cookies.get(settings.LANGUAGE_COOKIE_NAME)
    return chosen if chosen and check_for_language(chosen) else settings.LANGUAGE_CODE
