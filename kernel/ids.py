"""Ids and counts in the HTTP API, range-checked by their schemas: an id of ``10**30`` is a 400
from the schema, never an OverflowError from the database (SQLite and PostgreSQL keep 64-bit
integers; every id here is far below 2**31)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

MAX_ID = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
