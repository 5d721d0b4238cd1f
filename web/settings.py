"""Settings, all read from the environment here and nowhere else.

Integrations switch on by their variables: ``DATABASE_URL`` selects PostgreSQL (unset: a SQLite
file under ``var/``), ``REDIS_URL`` selects the Redis channel layer and Redis-backed rate limits
(unset: the in-memory layer, one process).
"""

import os
import re
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("EPA_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set unless DEBUG=1")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "ninja",
    "web",
    "members",
    "realtime",
    "moderation",
    "forum",
    "mailboxes",
    "meetings",
    "lessons",
    "branch",
    "membership",
]

MIDDLEWARE = [
    "web.middleware.ApiJsonErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "web.middleware.ChineseFirstLocaleMiddleware",
    "web.middleware.NoNulCharactersMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "web.pwa.member_header",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "web.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "web.urls"
ASGI_APPLICATION = "web.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
SQLITE_OPTIONS = {
    # WAL lets the web process read while another writes (media worker, imports).
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        # A SQLite file named by URL (another file, a benchmark's) needs the same settings: without
        # them a write that meets another connection's lock fails with "database is locked".
        DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "db.sqlite3"),
            "OPTIONS": SQLITE_OPTIONS,
        }
    }
# Test databases are per test process, so that live servers started by tests can share them
# and parallel runs on one machine do not collide.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channels and Redis ---------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# A prefix keeps several deployments (or test runs) apart on one Redis.
REDIS_PREFIX = os.environ.get("REDIS_PREFIX", "epa")
# Which channels_redis layer: "pubsub" (RedisPubSubChannelLayer) or "core" (RedisChannelLayer);
# docs/benchmarks.md ("Realtime fan-out") has the measurement behind the default. Kept switchable
# for benchmarks.
REDIS_CHANNEL_LAYER = os.environ.get("REDIS_CHANNEL_LAYER", "pubsub")
if REDIS_URL:
    CHANNEL_LAYERS: dict[str, dict[str, Any]] = {
        "default": {
            "BACKEND": {
                "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "core": "channels_redis.core.RedisChannelLayer",
            }[REDIS_CHANNEL_LAYER],
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"{REDIS_PREFIX}:layer"},
        }
    }
    if REDIS_CHANNEL_LAYER == "core":
        # Group members are web processes (realtime/hub.py), which renew their memberships every
        # third of this; a killed process's membership ends within a minute instead of a day
        # (the layer's default), so its channel stops filling to capacity with every event.
        CHANNEL_LAYERS["default"]["CONFIG"]["group_expiry"] = 60
else:
    # Channels' in-memory layer with its per-receive expiry sweep bounded (realtime/layers.py).
    CHANNEL_LAYERS = {"default": {"BACKEND": "realtime.layers.InMemoryChannelLayer"}}

# --- Realtime gateway -------------------------------------------------------------------------
# Defaults of every REALTIME_* setting live in realtime/conf.py (listed in docs/protocol.md);
# the environment may override the per-member send bucket ("rate,burst") and the tail check.
if os.environ.get("REALTIME_SEND_RATE"):
    _rate, _burst = os.environ["REALTIME_SEND_RATE"].split(",")
    REALTIME_SEND_RATE = (float(_rate), int(_burst))
if os.environ.get("REALTIME_TAIL_CHECK_SECONDS"):
    REALTIME_TAIL_CHECK_SECONDS = float(os.environ["REALTIME_TAIL_CHECK_SECONDS"])
if os.environ.get("REALTIME_BATCH_DELAY"):
    REALTIME_BATCH_DELAY = float(os.environ["REALTIME_BATCH_DELAY"])

# --- Auth -----------------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_SECURE = not DEBUG and not env_bool("INSECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy on every response (django-csp): scripts only from our own files (ES
# modules, no inline script or handler; data for them in <script type="application/json">).
# 'self' covers the same-origin WebSocket (/ws/). Style attributes stay allowed (progress bars'
# widths); <style> elements do not. WebRTC (STUN/TURN) is not governed by CSP.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
if env_bool("BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Daphne serves /static/ itself unless a proxy in front does (SERVE_STATIC=0).
SERVE_STATIC = env_bool("SERVE_STATIC", True)
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

# --- WebRTC ---------------------------------------------------------------------------------
# STUN/TURN servers handed to browsers. TURN credentials are short-lived, derived from
# TURN_SECRET (coturn's use-auth-secret / REST API scheme).
STUN_URLS = env_list("STUN_URLS")
TURN_URLS = env_list("TURN_URLS")
# The archive's key (moderation/signing.py), never in the database: an Ed25519 private key as
# base64 of its 32 raw bytes, or a file holding that or a PEM key. It signs checkpoints and keys
# each record's MAC, so a consistent rewrite of the chain by someone with only the database fails.
ARCHIVE_SIGNING_KEY = os.environ.get("ARCHIVE_SIGNING_KEY", "")
ARCHIVE_SIGNING_KEY_FILE = os.environ.get("ARCHIVE_SIGNING_KEY_FILE", "")
TURN_SECRET = os.environ.get("TURN_SECRET", "")
TURN_CREDENTIAL_TTL = int(os.environ.get("TURN_CREDENTIAL_TTL", "3600"))

# A meeting page suggests audio only when a peer's link is weaker than this: round-trip time
# above MEETING_WEAK_LINK_RTT_MS, more than MEETING_WEAK_LINK_LOSS of video packets lost, or a
# bandwidth estimate below MEETING_WEAK_LINK_MIN_KBPS (two readings in a row, 5 s apart).
MEETING_WEAK_LINK_RTT_MS = int(os.environ.get("MEETING_WEAK_LINK_RTT_MS", "600"))
MEETING_WEAK_LINK_LOSS = float(os.environ.get("MEETING_WEAK_LINK_LOSS", "0.08"))
MEETING_WEAK_LINK_MIN_KBPS = int(os.environ.get("MEETING_WEAK_LINK_MIN_KBPS", "150"))

# The media relay (meetings/media/). "inprocess": a task of the web process (one process only);
# "external": `manage.py media_worker` processes, reached over the channel layer (Redis).
MEDIA_WORKER = os.environ.get("MEDIA_WORKER", "external" if REDIS_URL else "inprocess")
# Under the deployment's prefix: channels_redis' pubsub layer publishes a named channel as it is,
# and every process subscribed to that name, of whatever deployment on the same Redis, would get
# every request.
_PREFIXED_MEDIA_CHANNEL = re.sub(r"[^A-Za-z0-9._-]", "-", REDIS_PREFIX) + ".media.worker"
MEDIA_WORKER_CHANNEL = os.environ.get("MEDIA_WORKER_CHANNEL", _PREFIXED_MEDIA_CHANNEL)
MEDIA_WORKER_SHARDS = int(os.environ.get("MEDIA_WORKER_SHARDS", "1"))
MEDIA_VIDEO_BITRATE = int(os.environ.get("MEDIA_VIDEO_BITRATE", "600000"))
MEDIA_AUDIO_BITRATE = int(os.environ.get("MEDIA_AUDIO_BITRATE", "48000"))
MEDIA_MAX_FPS = float(os.environ.get("MEDIA_MAX_FPS", "15"))
MEDIA_STUDY_INTERVAL = float(os.environ.get("MEDIA_STUDY_INTERVAL", "15"))

# --- Demo -----------------------------------------------------------------------------------
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-pass-2024")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"private": {"()": "web.logprivacy.DropReportRequests"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["private"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Django's own records go to the root's handler (and its filter), not to Django's default one.
    "loggers": {"django": {"handlers": [], "propagate": True}, "django.channels.server": {"level": "WARNING"}},
}

NINJA_PAGINATION_PER_PAGE = 50
