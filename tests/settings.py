"""Settings for the test run: the project's settings with a throwaway secret key."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
# Keys on a shared Redis are namespaced per test run; live servers started by the tests inherit
# the environment and so share the namespace with the test process.
os.environ.setdefault("REDIS_PREFIX", f"epa-test-{os.getpid()}")

from web.settings import *  # noqa: E402,F403
