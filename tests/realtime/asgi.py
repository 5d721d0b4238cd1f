"""The project's ASGI application with the tests' stream kinds: what test Daphne processes serve.

``REALTIME_TEST_SETTINGS`` (JSON, ``{"PRESENCE_TTL": 1.5, …}``) sets ``REALTIME_<NAME>`` settings
in the served process, so a test can shorten the gateway's periods without new environment
variables in the project's settings; ``REALTIME_TEST_LAYER_CONFIG`` (JSON) is merged into the
channel layer's ``CONFIG`` (a shorter ``group_expiry``).
"""

import json
import os

from web.asgi import application


def _register() -> None:
    # Imported here: the kinds import models, which needs web.asgi to have set Django up.
    from django.conf import settings

    from tests.realtime.kinds import register_test_kinds

    for name, value in json.loads(os.environ.get("REALTIME_TEST_SETTINGS") or "{}").items():
        setattr(settings, f"REALTIME_{name}", value)
    settings.CHANNEL_LAYERS["default"].setdefault("CONFIG", {}).update(
        json.loads(os.environ.get("REALTIME_TEST_LAYER_CONFIG") or "{}")
    )
    register_test_kinds()


_register()

__all__ = ["application"]
