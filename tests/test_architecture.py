"""The shape of the house: rules about packages and imports that every app obeys."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def project_packages() -> set[str]:
    return {path.parent.name for path in ROOT.glob("*/__init__.py")}


def test_the_project_packages_are_found() -> None:
    assert {"web", "members", "realtime", "moderation", "forum", "mailboxes", "meetings", "tests"} <= project_packages()


def test_no_project_package_shadows_a_standard_library_module() -> None:
    # A package named like a standard-library module (`mailbox` was one) is imported instead of it,
    # or not, depending on the directory a program starts from.
    assert project_packages() & set(sys.stdlib_module_names) == set()
