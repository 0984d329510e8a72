"""The whole API fuzzed from its own OpenAPI schema, in process, on SQLite and on PostgreSQL:
whatever a caller sends (NUL bytes, lone surrogates, any script, the longest and shortest values
the schema allows), the answer is never a server error. Examples are bounded and derandomised so
the run is the same every time and stays short."""
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings as hypothesis_settings
from schemathesis.checks import not_a_server_error

from backend.api.deps import get_now
from backend.main import create_app
from backend.settings import Settings, get_settings
from tests.conftest import ACTIONS_TOKEN, CHANNELS_TOKEN, NOW, TURN_SECRET, migrated_database, turn_headers

FUZZ_PHONE = "+919812345678"
MAX_EXAMPLES = 5  # fuzzing examples per operation and database, on top of the coverage phase


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzzed_database(request, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # One database for the whole run (a fresh one per operation would cost more than the fuzzing).
    yield from migrated_database(request.param, tmp_path_factory.mktemp("fuzz"))


def _settings(database_url: str, var: Path) -> Settings:
    return Settings(
        database_url=database_url, actions_token=ACTIONS_TOKEN, channels_token=CHANNELS_TOKEN, turn_secret=TURN_SECRET,
        run_migrations_on_start=False, outbox_worker_in_process=False,
        sweep_in_process=False, public_backend_url="http://testserver", media_dir=var / "media",
        certificate_key_file=var / "keys" / "certificate-ed25519.pem", sandbox_enabled=True,
    )


# The schema is read from an app built once; each database's settings reach its routes through the
# same dependency override the other tests use.
app = create_app(_settings("sqlite://", Path("/nonexistent")))
app.dependency_overrides[get_now] = lambda: NOW
schema = schemathesis.openapi.from_asgi("/openapi.json", app)
# The coverage phase's valid boundary values (longest, shortest, every enum value) find what the
# columns refuse; its invalid ones only meet validation, which the fuzzing phase tries as well.
schema.config.phases.coverage.generation.update(modes=["positive"])


@pytest.fixture(scope="module")
def fuzzed_settings(fuzzed_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    test_settings = _settings(fuzzed_database, tmp_path_factory.mktemp("fuzz-var"))
    app.dependency_overrides[get_settings] = lambda: test_settings
    yield test_settings
    app.dependency_overrides.pop(get_settings, None)


@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error(case, fuzzed_settings: Settings) -> None:
    # Each route with its own caller's credentials: the channels' token on theirs, the action
    # server in a citizen's turn elsewhere (officials' routes take neither and answer 403).
    channel_route = case.path.startswith(("/api/v1/channels/", "/api/v1/outbox/replies"))
    headers = {"Authorization": f"Bearer {CHANNELS_TOKEN}"} if channel_route else turn_headers(FUZZ_PHONE, settings=fuzzed_settings)
    case.call_and_validate(headers=headers, checks=[not_a_server_error])
