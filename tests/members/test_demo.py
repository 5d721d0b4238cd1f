from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from members.models import Member, Organisation, RoleKind

pytestmark = pytest.mark.django_db


def test_demo_loads_once_with_every_demo_login():
    call_command("load_demo")
    call_command("load_demo")
    usernames = set(Member.objects.values_list("user__username", flat=True))
    expected = {"secretary", "organiser", "lecturer", "moderator", "inspector", "migrant1", "activist1"}
    expected |= {f"member{i}" for i in range(1, 13)}
    assert usernames == expected
    assert Organisation.objects.filter(kind="branch").count() == 2
    assert authenticate(username="member1", password="demo-pass-2024") is not None
    secretary = Member.objects.get(user__username="secretary")
    assert secretary.roles.get().kind == RoleKind.SECRETARY
    assert Member.objects.get(user__username="migrant1").is_migrant
