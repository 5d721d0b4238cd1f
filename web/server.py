"""``python -m web.server`` runs Daphne (same arguments as ``python -m daphne``) with an access
log that keeps no line for the report mailbox: a line's client address and second, next to the
same address's other requests, would name an anonymous reporter. Every other request is logged
as Daphne logs it."""

from __future__ import annotations

import sys
from typing import Any

from daphne.cli import CommandLineInterface
from daphne.server import Server

from web.logprivacy import unlogged


class PrivateAccessLog:
    """Wraps Daphne's action logger and drops the report mailbox's requests."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __call__(self, protocol: str, action: str, details: dict[str, Any]) -> None:
        if unlogged(str(details.get("path", ""))):
            return
        self.inner(protocol, action, details)


class PrivateServer(Server):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("action_logger") is not None:
            kwargs["action_logger"] = PrivateAccessLog(kwargs["action_logger"])
        super().__init__(*args, **kwargs)


class PrivateCommandLine(CommandLineInterface):  # type: ignore[misc]
    server_class = PrivateServer


def main(argv: list[str] | None = None) -> None:
    PrivateCommandLine().run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
