from backend.settings import Settings


def test_database_url_from_either_variable_and_driver_named(monkeypatch):
    monkeypatch.delenv("SATHI_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db:5432/sathi")
    assert Settings().database_url == "postgresql+psycopg://u:p@db:5432/sathi"
    monkeypatch.setenv("SATHI_DATABASE_URL", "sqlite:////tmp/x.db")
    assert Settings().database_url == "sqlite:////tmp/x.db"
    assert Settings(database_url="postgresql://a@b/c").database_url == "postgresql+psycopg://a@b/c"


def test_the_backends_time_zone_is_the_one_every_module_reads(monkeypatch):
    """A zone set in .env only reaches Settings; the app hands it to common.clock (notices, promised days)."""
    from backend.main import create_app
    from common.clock import local_zone

    monkeypatch.setenv("SATHI_TIMEZONE", "Asia/Kolkata")  # restored after the test
    create_app(Settings(timezone="Asia/Dhaka"))
    assert local_zone().key == "Asia/Dhaka"
