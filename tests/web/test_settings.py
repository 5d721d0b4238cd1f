"""Settings come from the environment, with production-safe defaults; the README documents every
variable that web/settings.py reads."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json
from web import settings as s
layer = s.CHANNEL_LAYERS["default"]
print(json.dumps({
    "DEBUG": s.DEBUG,
    "SECRET_KEY": s.SECRET_KEY,
    "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "CSRF_TRUSTED_ORIGINS": s.CSRF_TRUSTED_ORIGINS,
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": s.CSRF_COOKIE_SECURE,
    "SESSION_COOKIE_HTTPONLY": s.SESSION_COOKIE_HTTPONLY,
    "PASSWORD_HASHER": s.PASSWORD_HASHERS[0],
    "DB_ENGINE": s.DATABASES["default"]["ENGINE"],
    "DB_NAME": str(s.DATABASES["default"]["NAME"]),
    "DB_HOST": s.DATABASES["default"].get("HOST", ""),
    "LAYER": layer["BACKEND"],
    "LAYER_HOSTS": layer.get("CONFIG", {}).get("hosts"),
    "STUN_URLS": s.STUN_URLS,
    "TURN_URLS": s.TURN_URLS,
    "TURN_SECRET": s.TURN_SECRET,
    "TURN_CREDENTIAL_TTL": s.TURN_CREDENTIAL_TTL,
    "PROXY_SSL": getattr(s, "SECURE_PROXY_SSL_HEADER", None),
}))
"""


def settings_with(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Import web/settings.py in a fresh interpreter that sees only ``env`` (and PATH)."""
    clean = {"PATH": os.environ.get("PATH", ""), "EPA_VAR_DIR": str(tmp_path), **env}
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def load(env: dict[str, str], tmp_path: Path) -> dict:
    result = settings_with(env, tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_without_debug_a_secret_key_is_required(tmp_path):
    result = settings_with({}, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY must be set unless DEBUG=1" in result.stderr
    # DEBUG=0 is not DEBUG.
    assert settings_with({"DEBUG": "0"}, tmp_path).returncode != 0


def test_debug_has_a_development_key_and_local_hosts(tmp_path):
    s = load({"DEBUG": "1"}, tmp_path)
    assert s["DEBUG"] is True
    assert s["SECRET_KEY"]
    assert set(s["ALLOWED_HOSTS"]) == {"127.0.0.1", "localhost", "[::1]"}
    assert s["SESSION_COOKIE_SECURE"] is False


def test_production_defaults_are_safe(tmp_path):
    s = load({"SECRET_KEY": "k" * 50}, tmp_path)
    assert s["DEBUG"] is False
    assert s["SECRET_KEY"] == "k" * 50
    assert s["ALLOWED_HOSTS"] == []  # nothing is served until the hosts are named
    assert s["SESSION_COOKIE_SECURE"] is True
    assert s["CSRF_COOKIE_SECURE"] is True
    assert s["SESSION_COOKIE_HTTPONLY"] is True
    assert s["PASSWORD_HASHER"] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert s["PROXY_SSL"] is None  # X-Forwarded-Proto is trusted only behind a TLS proxy
    # The embedded default: SQLite under the var directory, the in-memory channel layer.
    assert s["DB_ENGINE"] == "django.db.backends.sqlite3"
    assert s["DB_NAME"] == str(tmp_path / "db.sqlite3")
    assert s["LAYER"] == "realtime.layers.InMemoryChannelLayer"


def test_services_hosts_and_ice_come_from_the_environment(tmp_path):
    s = load(
        {
            "SECRET_KEY": "k" * 50,
            "DATABASE_URL": "postgres://epa:pw@db.internal:5433/party",
            "REDIS_URL": "redis://cache.internal:6380/2",
            "ALLOWED_HOSTS": "dangjian.example.org, www.dangjian.example.org",
            "CSRF_TRUSTED_ORIGINS": "https://dangjian.example.org",
            "BEHIND_TLS_PROXY": "1",
            "STUN_URLS": "stun:turn.example.org:3478",
            "TURN_URLS": "turn:turn.example.org:3478?transport=udp,turn:turn.example.org:3478?transport=tcp",
            "TURN_SECRET": "shared-with-coturn",
            "TURN_CREDENTIAL_TTL": "600",
        },
        tmp_path,
    )
    assert (s["DB_ENGINE"], s["DB_NAME"], s["DB_HOST"]) == ("django.db.backends.postgresql", "party", "db.internal")
    assert s["LAYER"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert s["LAYER_HOSTS"] == ["redis://cache.internal:6380/2"]
    assert s["ALLOWED_HOSTS"] == ["dangjian.example.org", "www.dangjian.example.org"]
    assert s["CSRF_TRUSTED_ORIGINS"] == ["https://dangjian.example.org"]
    assert s["PROXY_SSL"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert s["STUN_URLS"] == ["stun:turn.example.org:3478"]
    assert len(s["TURN_URLS"]) == 2
    assert (s["TURN_SECRET"], s["TURN_CREDENTIAL_TTL"]) == ("shared-with-coturn", 600)


def settings_variables() -> set[str]:
    source = (ROOT / "web" / "settings.py").read_text(encoding="utf-8")
    return set(re.findall(r'(?:env_bool|env_list|os\.environ\.get|os\.environ\[)\(?"([A-Z][A-Z0-9_]*)"', source))


def readme_variables() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", row.split("|")[1])}


def test_readme_configuration_table_lists_exactly_the_settings_variables():
    in_settings = settings_variables()
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "TURN_SECRET"} <= in_settings  # the reader works
    in_readme = readme_variables()
    assert in_settings - in_readme == set(), "variables read in web/settings.py but missing from README.md"
    assert in_readme - in_settings == set(), "variables in README.md that web/settings.py does not read"


def test_env_example_names_every_variable_the_compose_file_needs():
    compose = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    needed = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", compose))
    example = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert needed - example == set()


def test_production_hashes_passwords_with_argon2():
    from django.contrib.auth.hashers import check_password, make_password
    from django.test import override_settings

    from web import settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    with override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS):
        encoded = make_password("demo-pass-2024")
        assert encoded.startswith("argon2$")
        assert check_password("demo-pass-2024", encoded)
        assert not check_password("demo-pass-2025", encoded)
