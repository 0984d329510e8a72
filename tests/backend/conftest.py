"""Fixtures the backend tests share: an injected clock and a session on the test's database."""
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from backend.db import get_session_factory
from tests.conftest import NOW


class Clock:
    """The time a worker sees; a test moves it on instead of sleeping."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self):  # noqa: ANN204
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def session(settings) -> Iterator[Session]:  # noqa: ANN001
    with get_session_factory(settings.database_url)() as session:
        yield session
