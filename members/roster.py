"""Member roster import from CSV: validate every row first, then apply all rows or none.

Columns (header row required; Chinese headers are accepted too):

==================  =======================================================================
username / 用户名     login name; the key that makes re-imports idempotent
real_name / 姓名     real name
organisation / 组织   organisation code (``Organisation.code``)
status / 身份        full | probationary | activist, or 正式党员 | 预备党员 | 入党积极分子
phone / 电话         optional
migrant / 流动党员    optional: 1/0, yes/no, true/false, 是/否
location / 现居地     optional: current location of a migrant member
==================  =======================================================================
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction

from members.access import Action, Actor, can
from members.models import Member, MemberStatus, Organisation

User = get_user_model()

HEADER_ALIASES = {
    "username": "username", "用户名": "username", "账号": "username",
    "real_name": "real_name", "姓名": "real_name",
    "organisation": "organisation", "organization": "organisation", "组织": "organisation", "所在组织": "organisation",
    "status": "status", "身份": "status", "党员身份": "status",
    "phone": "phone", "电话": "phone", "手机": "phone",
    "migrant": "migrant", "流动党员": "migrant",
    "location": "location", "现居地": "location", "流动地": "location",
}  # fmt: skip
REQUIRED = ("username", "real_name", "organisation", "status")
STATUS_VALUES = {
    "full": MemberStatus.FULL, "正式党员": MemberStatus.FULL,
    "probationary": MemberStatus.PROBATIONARY, "预备党员": MemberStatus.PROBATIONARY,
    "activist": MemberStatus.ACTIVIST, "入党积极分子": MemberStatus.ACTIVIST, "积极分子": MemberStatus.ACTIVIST,
    "applicant": MemberStatus.APPLICANT, "入党申请人": MemberStatus.APPLICANT,
    "candidate": MemberStatus.CANDIDATE, "发展对象": MemberStatus.CANDIDATE,
}  # fmt: skip
TRUE = {"1", "yes", "true", "y", "是"}
FALSE = {"", "0", "no", "false", "n", "否"}
USERNAME_RE = re.compile(r"^[\w.@+-]{1,150}$")
PHONE_RE = re.compile(r"^\+?[\d\- ]{5,30}$")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")  # no NUL, line break or other control character in a value


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based line number in the file, the header being line 1
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


@dataclass
class RosterRow:
    row: int
    username: str
    real_name: str
    organisation: Organisation
    status: str
    phone: str
    is_migrant: bool
    location: str


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class RosterInvalid(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} error(s) in the roster")


DELIMITERS = (",", ";", "\t")


def decode(data: bytes) -> str:
    """UTF-8 (with or without the BOM that spreadsheets write) or UTF-16 with its BOM; anything
    else is reported with the row that holds the first bad byte."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise RosterInvalid([RowError(1, "-", "the file starts like UTF-16 but is not valid UTF-16")]) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data.count(b"\n", 0, exc.start) + 1
        raise RosterInvalid(
            [RowError(row, "-", f"not UTF-8 text (byte {exc.start}); save it as “CSV UTF-8” (GBK is not read)")]
        ) from None


def read_csv(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the records, each with the line number on which it starts."""
    text = decode(data)
    if not text.strip():
        raise RosterInvalid([RowError(1, "-", "the file is empty")])
    first_line = text.splitlines()[0]
    # A spreadsheet set to a European locale separates with semicolons; Excel's "Unicode text" with tabs.
    delimiter = "," if "," in first_line else max(DELIMITERS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for record in reader:
            records.append((start, record))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise RosterInvalid([RowError(start, "-", f"not valid CSV: {exc}")]) from None
    return records[0][1], records[1:]


TextCheck = Callable[[str, Organisation | None], str | None]
"""The caller's confidentiality guard for a person's text in a row (a name, a location): None when
it may be stored, else why not. The members floor sits below moderation, so the caller brings it
(``membership.roster_import.roster_read``)."""


def parse_roster(data: bytes, *, by: Actor, check_text: TextCheck) -> list[RosterRow]:
    header, body = read_csv(data)
    columns: dict[str, int] = {}
    errors: list[RowError] = []
    for index, name in enumerate(header):
        key = HEADER_ALIASES.get(name.strip().lower()) or HEADER_ALIASES.get(name.strip())
        if key is None:
            errors.append(RowError(1, name, "unknown column"))
        elif key in columns:
            errors.append(RowError(1, name, "column appears twice"))
        else:
            columns[key] = index
    errors += [RowError(1, c, "required column is missing") for c in REQUIRED if c not in columns]
    if errors:
        raise RosterInvalid(errors)

    orgs = {o.code: o for o in Organisation.objects.all()}
    seen: dict[str, int] = {}
    parsed: list[RosterRow] = []
    for line, raw in body:
        if not any(cell.strip() for cell in raw):
            continue
        if len(raw) != len(header):
            errors.append(RowError(line, "-", f"expected {len(header)} cells, found {len(raw)}"))
            continue

        def cell(key: str, raw: list[str] = raw) -> str:
            return raw[columns[key]].strip() if key in columns else ""

        row_errors = [
            RowError(line, key, f"contains the control character U+{ord(bad.group()):04X}")
            for key, index in columns.items()
            if (bad := CONTROL_RE.search(raw[index]))
        ]
        username = cell("username")
        if not USERNAME_RE.match(username):
            row_errors.append(RowError(line, "username", "letters, digits and @.+-_ only, 1–150 characters"))
        elif username in seen:
            row_errors.append(RowError(line, "username", f"duplicate of row {seen[username]}"))
        else:
            seen[username] = line
        real_name = cell("real_name")
        if not real_name or len(real_name) > 60:
            row_errors.append(RowError(line, "real_name", "required, at most 60 characters"))
        org = orgs.get(cell("organisation"))
        if org is None:
            row_errors.append(RowError(line, "organisation", f"no organisation with code {cell('organisation')!r}"))
        elif not can(by, Action.MANAGE_MEMBERS, org):
            row_errors.append(RowError(line, "organisation", "you may not manage members of this organisation"))
        status = STATUS_VALUES.get(cell("status").lower()) or STATUS_VALUES.get(cell("status"))
        if status is None:
            row_errors.append(RowError(line, "status", f"unknown status {cell('status')!r}"))
        phone = cell("phone")
        if phone and not (PHONE_RE.match(phone) and sum(c.isdigit() for c in phone) >= 5):
            row_errors.append(RowError(line, "phone", f"not a phone number: {phone!r}"))
        migrant_raw = cell("migrant").lower()
        if migrant_raw not in TRUE | FALSE:
            row_errors.append(RowError(line, "migrant", f"expected yes or no, found {cell('migrant')!r}"))
        location = cell("location")
        if len(location) > 120:
            row_errors.append(RowError(line, "location", "at most 120 characters"))
        for column, text in (("real_name", real_name), ("location", location)):
            problem = check_text(text, org) if text else None
            if problem:
                row_errors.append(RowError(line, column, problem))
        if row_errors:
            errors += row_errors
            continue
        assert org is not None and status is not None
        parsed.append(RosterRow(line, username, real_name, org, status, phone, migrant_raw in TRUE, location))
    if errors:
        raise RosterInvalid(errors)
    return parsed


def apply_roster(rows: Iterable[RosterRow], *, progress: Callable[[int], None] = lambda n: None) -> ImportResult:
    """Create or update every member, in one transaction."""
    result = ImportResult()
    with transaction.atomic():
        for row in rows:
            values = {
                "real_name": row.real_name,
                "organisation": row.organisation,
                "status": row.status,
                "phone": row.phone,
                "is_migrant": row.is_migrant,
                "current_location": row.location,
            }
            member = Member.objects.select_related("user").filter(user__username=row.username).first()
            if member is None:
                user = User.objects.filter(username=row.username).first()
                if user is None:
                    user = User.objects.create_user(username=row.username)  # no usable password yet
                Member.objects.create(user=user, **values)
                result.created += 1
            else:
                changed = [k for k, v in values.items() if getattr(member, k) != v]
                if changed:
                    for k in changed:
                        setattr(member, k, values[k])
                    member.save(update_fields=[("organisation" if k == "organisation" else k) for k in changed])
                    result.updated += 1
                else:
                    result.unchanged += 1
            progress(1)
    return result
