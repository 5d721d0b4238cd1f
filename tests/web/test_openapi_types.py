"""The API document describes what every operation answers: a success with a body has a schema,
and for meetings, lessons, the branch and the mailboxes every object in it has its fields named
(no free-form ``{}``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from web.api import api

DOCUMENT = api.get_openapi_schema(path_prefix="/api/")
COMPONENTS: dict[str, Any] = DOCUMENT.get("components", {}).get("schemas", {})
FULLY_TYPED = {"meetings", "lessons", "branch", "mailbox"}  # the routers' tags


def operations() -> Iterator[tuple[str, dict[str, Any]]]:
    for path, methods in DOCUMENT["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def success_schemas(operation: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any] | None]]:
    """Each 2xx answer's JSON schema (None: no schema); a 204 has no body to describe."""
    for status, answer in operation["responses"].items():
        if str(status).startswith("2") and str(status) != "204":
            yield str(status), answer.get("content", {}).get("application/json", {}).get("schema")


def free_form(schema: dict[str, Any], where: str = "", seen: frozenset[str] = frozenset()) -> list[str]:
    """Where ``schema`` has an object (or anything) whose fields are not named."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return [] if name in seen else free_form(COMPONENTS[name], f"{where}>{name}", seen | {name})
    found = [
        spot
        for key in ("anyOf", "oneOf", "allOf")
        for part in schema.get(key, [])
        for spot in free_form(part, where, seen)
    ]
    if not schema or (
        schema.get("type") == "object"
        and "properties" not in schema
        and not isinstance(schema.get("additionalProperties"), dict)
    ):
        found.append(where or "the answer")
    if schema.get("type") == "array":
        found += free_form(schema.get("items", {}), f"{where}[]", seen)
    for name, field in schema.get("properties", {}).items():
        found += free_form(field, f"{where}.{name}", seen)
    if isinstance(schema.get("additionalProperties"), dict):
        found += free_form(schema["additionalProperties"], f"{where}{{}}", seen)
    return found


@pytest.mark.parametrize(("name", "operation"), list(operations()), ids=[name for name, _ in operations()])
def test_every_success_has_a_schema(name: str, operation: dict[str, Any]) -> None:
    answers = list(success_schemas(operation))
    assert answers or "204" in {str(s) for s in operation["responses"]}, f"{name}: no success answer is described"
    for status, schema in answers:
        assert schema, f"{name}: the {status} answer has no schema"
        assert (
            schema.get("type") != "object"
            or "properties" in schema
            or isinstance(schema.get("additionalProperties"), dict)
        ), f"{name}: the {status} answer is a free-form object"


@pytest.mark.parametrize(
    ("name", "operation"),
    [(name, op) for name, op in operations() if FULLY_TYPED & set(op.get("tags", []))],
    ids=[name for name, op in operations() if FULLY_TYPED & set(op.get("tags", []))],
)
def test_fully_typed_apps_name_every_field(name: str, operation: dict[str, Any]) -> None:
    for status, schema in success_schemas(operation):
        assert schema is not None
        assert free_form(schema) == [], f"{name} {status}: free-form parts"


def test_every_fully_typed_app_has_operations() -> None:
    tags = {tag for _name, operation in operations() for tag in operation.get("tags", [])}
    assert FULLY_TYPED <= tags


def test_the_checks_see_a_free_form_answer() -> None:
    assert free_form({"type": "object", "additionalProperties": True}) == ["the answer"]
    assert free_form({"type": "array", "items": {}}) == ["[]"]
    assert free_form({"type": "object", "properties": {"a": {"type": "integer"}}}) == []
