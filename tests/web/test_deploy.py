"""The production shape in docker-compose.yml, deploy/nginx.conf and the Dockerfile."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("migrate", "web1", "web2", "media")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]


def command(service: dict[str, Any]) -> str:
    cmd = service["command"]
    return " ".join(cmd) if isinstance(cmd, list) else cmd


def test_compose_has_the_production_services(services):
    assert {"postgres", "redis", "web1", "web2", "proxy", "media", "coturn"} <= set(services)
    for name in ("web1", "web2"):
        # web.server is Daphne with an access log that keeps no line for the report mailbox
        assert "-m web.server" in command(services[name]) and "web.asgi:application" in command(services[name])
        assert "--proxy-headers" in command(services[name])
    assert command(services["media"]) == "python manage.py media_worker"


def test_no_app_service_runs_with_debug_and_all_share_the_services(services):
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert str(env.get("DEBUG", "0")).lower() in {"0", "false", "no", "off", ""}, name
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"], name
        assert env["REDIS_URL"].startswith("redis://redis:"), name
        assert env["SECRET_KEY"].startswith("${SECRET_KEY:?"), name  # refuses to start without one
        assert env["CSRF_TRUSTED_ORIGINS"].startswith("https://"), name
        assert str(env["BEHIND_TLS_PROXY"]) == "1", name


def test_coturn_and_the_web_settings_share_one_turn_secret(services):
    coturn = services["coturn"]["command"]
    assert "--use-auth-secret" in coturn
    secrets = [arg.split("=", 1)[1] for arg in coturn if arg.startswith("--static-auth-secret=")]
    assert secrets and re.fullmatch(r"\$\{TURN_SECRET(:\?[^}]*)?\}", secrets[0])
    port = next(arg.split("=", 1)[1] for arg in coturn if arg.startswith("--listening-port="))
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert re.fullmatch(r"\$\{TURN_SECRET(:\?[^}]*)?\}", env["TURN_SECRET"]), name
        turn_urls = env["TURN_URLS"].split(",")
        assert turn_urls and all(url.startswith("turn:") and f":{port}" in url for url in turn_urls), name


def test_the_proxy_balances_both_replicas_and_passes_websockets(services):
    proxy = services["proxy"]
    assert any(v.startswith("./deploy/nginx.conf:") for v in proxy["volumes"])
    assert set(proxy["depends_on"]) >= {"web1", "web2"}
    conf = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    upstream = re.search(r"upstream (\w+) \{(.*?)\}", conf, re.S)
    assert upstream is not None
    assert "server web1:8000" in upstream.group(2) and "server web2:8000" in upstream.group(2)
    websocket = re.search(r"location /ws/ \{(.*?)\}", conf, re.S)
    assert websocket is not None, "the gateway's path (realtime/routing.py: ws/) needs its own location"
    block = websocket.group(1)
    assert f"proxy_pass http://{upstream.group(1)};" in block
    assert "proxy_http_version 1.1;" in block
    assert "proxy_set_header Upgrade $http_upgrade;" in block
    assert "proxy_set_header Connection $connection_upgrade;" in block
    assert "X-Forwarded-Proto" in block
    assert re.search(r"proxy_read_timeout\s+(\d+)(h|m)", block), "idle sockets must outlive the default 60 s"
    assert re.search(r"listen 80;\s+return 301 https://", conf), "plain HTTP only redirects"
    assert "Strict-Transport-Security" in conf


def test_the_image_contains_every_app_of_the_project():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    copied = set(re.findall(r"^COPY (\w+) \1$", dockerfile, re.M))
    ours = {app for app in settings.INSTALLED_APPS if (ROOT / app / "apps.py").exists()}
    assert ours - copied == set()
    assert "locale" in copied
