#!/usr/bin/env python
import os
import secrets
import sys

# Commands that sign nothing and serve nothing: a filter in a pipe runs without the site's secret.
SECRETLESS_COMMANDS = {"moderation_scan"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "web.settings")
    if sys.argv[1:2] and sys.argv[1] in SECRETLESS_COMMANDS and not os.environ.get("SECRET_KEY"):
        os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
