"""One Settings object, read from the environment (prefix SATHI_), reached through a cached function."""
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SATHI_", env_file=".env", extra="ignore")

    # Embedded default: SQLite under var/. Scale-out: a postgresql+psycopg:// URL.
    database_url: str = f"sqlite:///{REPO_ROOT / 'var' / 'sathi.db'}"
    # Shared secret for the action server and other trusted callers of the write API.
    api_token: str = "dev-token-change-me"
    # Year used in reference numbers comes from the case's creation time in this zone.
    timezone: str = "Asia/Kolkata"
    workflows_dir: Path = REPO_ROOT / "backend" / "workflows"
    masterdata_dir: Path = REPO_ROOT / "backend" / "masterdata"
    run_migrations_on_start: bool = True


@lru_cache
def get_settings() -> Settings:
    return Settings()
