from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from members.models import Member, MemberStatus

pytestmark = pytest.mark.django_db

HEADER = "username,real_name,organisation,status,phone,migrant,location\n"


def write(tmp_path: Path, text: str, name: str = "roster.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_creates_members_and_is_idempotent(tmp_path, org_tree):
    a, b = org_tree.branch_a.code, org_tree.group_b1.code
    path = write(
        tmp_path,
        HEADER
        + f"zhang3,张三,{a},正式党员,13800000001,否,\n"
        + f"li4,李四,{b},probationary,,是,浙江省杭州市\n"
        + f"wang5,王五,{a},入党积极分子,,,\n",
    )
    call_command("import_members", str(path))
    assert Member.objects.count() == 3
    li4 = Member.objects.get(user__username="li4")
    assert (li4.real_name, li4.organisation, li4.status, li4.is_migrant, li4.current_location) == (
        "李四",
        org_tree.group_b1,
        MemberStatus.PROBATIONARY,
        True,
        "浙江省杭州市",
    )
    assert not li4.user.has_usable_password()

    call_command("import_members", str(path))
    assert Member.objects.count() == 3

    changed = write(tmp_path, HEADER + f"li4,李四,{a},正式党员,,否,\n", "changed.csv")
    call_command("import_members", str(changed))
    li4.refresh_from_db()
    assert (li4.organisation, li4.status, li4.is_migrant) == (org_tree.branch_a, MemberStatus.FULL, False)
    assert Member.objects.count() == 3


def test_bad_file_changes_nothing_and_reports_row_column_and_reason(tmp_path, org_tree, capsys):
    a = org_tree.branch_a.code
    path = write(
        tmp_path,
        HEADER
        + f"ok1,好人,{a},full,,,\n"
        + "bad1,坏行,NO-SUCH-ORG,full,,,\n"
        + f"bad2,,{a},chairman,not-a-phone,maybe,\n"
        + f"ok1,重复,{a},full,,,\n",
    )
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_members", str(path))
    err = capsys.readouterr().err
    assert "row 3, column organisation: no organisation with code 'NO-SUCH-ORG'" in err
    assert "row 4, column real_name" in err
    assert "row 4, column status: unknown status 'chairman'" in err
    assert "row 4, column phone" in err
    assert "row 4, column migrant" in err
    assert "row 5, column username: duplicate of row 2" in err
    assert Member.objects.count() == 0


def test_missing_column_and_non_utf8_are_reported(tmp_path, org_tree, capsys):
    path = write(tmp_path, "username,real_name\nx,y\n")
    with pytest.raises(CommandError):
        call_command("import_members", str(path))
    assert "column organisation: required column is missing" in capsys.readouterr().err

    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes((HEADER + f"x,张三,{org_tree.branch_a.code},full,,,\n").encode("gbk"))
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_members", str(gbk))
    assert "row 2, column -: not UTF-8 text" in capsys.readouterr().err
    assert Member.objects.count() == 0


def test_a_badly_encoded_row_further_down_names_its_row_and_imports_nothing(tmp_path, org_tree, capsys):
    a = org_tree.branch_a.code
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        (HEADER + f"ok1,张三,{a},full,,,\nok2,李四,{a},full,,,\n").encode() + f"gbk1,王五,{a},full,,,\n".encode("gbk")
    )
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_members", str(path))
    assert "row 4, column -: not UTF-8 text" in capsys.readouterr().err
    assert Member.objects.count() == 0


def test_utf16_and_semicolon_or_tab_separated_files_are_read(tmp_path, org_tree):
    """What spreadsheets save besides "CSV UTF-8": UTF-16 "Unicode text" with tabs, and
    semicolon-separated CSV from a European locale."""
    a = org_tree.branch_a.code
    utf16 = tmp_path / "unicode.txt"
    utf16.write_bytes(f"用户名\t姓名\t组织\t身份\r\nu16,张三,{a},正式党员\r\n".replace(",", "\t").encode("utf-16"))
    call_command("import_members", str(utf16))
    semicolons = write(tmp_path, f"username;real_name;organisation;status\nsemi;李四;{a};activist\n", "semi.csv")
    call_command("import_members", str(semicolons))
    assert dict(Member.objects.values_list("user__username", "status")) == {
        "u16": MemberStatus.FULL,
        "semi": MemberStatus.ACTIVIST,
    }


def test_broken_csv_structure_is_reported_with_its_row(tmp_path, org_tree, capsys):
    a = org_tree.branch_a.code
    cases = {
        # An unclosed quote would otherwise swallow every following row into one cell.
        "quote.csv": (
            HEADER + f'ok1,张三,{a},full,,,\nbad,"李四,{a},full,,,\nok2,王五,{a},full,,,\n',
            "row 3, column -: not valid CSV",
        ),
        "cells.csv": (HEADER + f"ok1,张三,{a},full,,,\nshort,李四,{a}\n", "row 3, column -: expected 7 cells, found 3"),
        "nul.csv": (HEADER + f"ok1,张\x00三,{a},full,,,\n", "row 2, column real_name: contains the control character"),
        "empty.csv": ("", "row 1, column -: the file is empty"),
    }
    for name, (text, expected) in cases.items():
        with pytest.raises(CommandError, match="nothing was imported"):
            call_command("import_members", str(write(tmp_path, text, name)))
        assert expected in capsys.readouterr().err, name
    assert Member.objects.count() == 0


def test_a_failure_while_writing_leaves_the_members_as_they_were(tmp_path, org_tree, monkeypatch):
    a, b = org_tree.branch_a.code, org_tree.branch_b.code
    call_command("import_members", str(write(tmp_path, HEADER + f"keep,张三,{a},full,,,\n", "first.csv")))
    rows = HEADER + f"keep,张三,{b},probationary,,,\n" + f"new1,李四,{a},full,,,\n" + f"new2,王五,{a},full,,,\n"
    from django.contrib.auth.models import UserManager

    create_user = UserManager.create_user
    calls = []

    def fail_on_second(self, username, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(username)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return create_user(self, username, *args, **kwargs)

    monkeypatch.setattr(UserManager, "create_user", fail_on_second)
    with pytest.raises(RuntimeError):
        call_command("import_members", str(write(tmp_path, rows, "second.csv")))
    keep = Member.objects.get(user__username="keep")
    assert (keep.organisation, keep.status) == (org_tree.branch_a, MemberStatus.FULL)
    assert Member.objects.count() == 1


def test_reimport_keeps_passwords_and_reports_nothing_changed(tmp_path, org_tree, member_factory, capsys):
    member_factory(org_tree.branch_a, username="has-login", real_name="张三")
    path = write(tmp_path, HEADER + f"has-login,张三,{org_tree.branch_a.code},full,,,\n")
    call_command("import_members", str(path))
    call_command("import_members", str(path))
    assert capsys.readouterr().out.splitlines()[-1] == "0 created, 0 updated, 1 unchanged."
    from django.contrib.auth import authenticate

    from tests.conftest import PASSWORD

    assert authenticate(username="has-login", password=PASSWORD) is not None


def test_chinese_headers_and_bom_are_accepted(tmp_path, org_tree):
    path = tmp_path / "bom.csv"
    path.write_bytes(
        ("用户名,姓名,组织,身份\n" + f"zhao6,赵六,{org_tree.branch_b.code},预备党员\n").encode("utf-8-sig")
    )
    call_command("import_members", str(path))
    assert Member.objects.get(user__username="zhao6").status == MemberStatus.PROBATIONARY


@pytest.mark.django_db(transaction=True)
def test_command_line_shows_a_progress_bar(tmp_path, org_tree):
    from tests.live import test_database_url

    rows = "".join(f"p{i},党员{i},{org_tree.branch_a.code},full,,,\n" for i in range(50))
    path = write(tmp_path, HEADER + rows)
    result = subprocess.run(
        [sys.executable, "manage.py", "import_members", str(path)],
        cwd=Path(__file__).resolve().parents[2],
        env={**__import__("os").environ, "DATABASE_URL": test_database_url(), "DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "50/50" in result.stderr
    assert "50 created" in result.stdout
    assert Member.objects.count() == 50
