"""The project's ASGI application with the tests' stream kinds: what test Daphne processes serve."""

from web.asgi import application


def _register() -> None:
    # Imported here: the kinds import models, which needs web.asgi to have set Django up.
    from tests.realtime.kinds import register_test_kinds

    register_test_kinds()


_register()

__all__ = ["application"]
