"""Settings for the test run: the project's settings with a throwaway secret key."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
# Keys on a shared Redis are namespaced per test run; live servers started by the tests inherit
# the environment and so share the namespace with the test process.
os.environ.setdefault("REDIS_PREFIX", f"epa-test-{os.getpid()}")

from web.settings import *  # noqa: E402,F403

# Argon2 costs about 0.3 s per password and every fixture user has one. Tests hash with MD5;
# production keeps Argon2 (tests/web/test_settings.py checks the production list and hashes
# one password with it).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]  # noqa: F405
