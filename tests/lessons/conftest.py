# A lesson is a meeting: the lesson tests use the meetings tests' branch meeting too.
from tests.meetings.conftest import branch_meeting  # noqa: F401 - a fixture
