"""What the server's logs keep out: the report mailbox's requests. An access-log line's client
address and second, or even a warning's second next to the path, beside the same person's other
requests, would point at an anonymous reporter."""

from __future__ import annotations

import logging

# The report mailbox's pages and endpoints (filing, following up, and the inspectors' side).
UNLOGGED_PREFIXES = ("/mailbox/tips/", "/api/mailbox/tips")


def unlogged(path: str) -> bool:
    return path.startswith(UNLOGGED_PREFIXES)


class DropReportRequests(logging.Filter):
    """For Django's request loggers (``Not Found: /api/mailbox/tips/…``, CSRF refusals)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        if path is None:
            path = str(record.args[0]) if isinstance(record.args, tuple) and record.args else ""
        return not unlogged(path)
