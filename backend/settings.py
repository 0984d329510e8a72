"""One Settings object, read from the environment (prefix SATHI_), reached through a cached function."""
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SATHI_", env_file=".env", extra="ignore")

    # Embedded default: SQLite under var/. Scale-out: a postgresql+psycopg:// URL.
    database_url: str = Field(
        default=f"sqlite:///{REPO_ROOT / 'var' / 'sathi.db'}",
        validation_alias=AliasChoices("SATHI_DATABASE_URL", "DATABASE_URL", "database_url"),
    )
    # Shared secret for the action server and other trusted callers of the write API.
    api_token: str = "dev-token-change-me"
    # Year used in reference numbers comes from the case's creation time in this zone.
    timezone: str = "Asia/Kolkata"
    workflows_dir: Path = REPO_ROOT / "backend" / "workflows"
    masterdata_dir: Path = REPO_ROOT / "backend" / "masterdata"
    run_migrations_on_start: bool = True

    @field_validator("database_url")
    @classmethod
    def _use_psycopg3(cls, url: str) -> str:
        # Hosting platforms hand out postgres:// URLs; SQLAlchemy needs the driver named.
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url.removeprefix(prefix)
        return url


@lru_cache
def get_settings() -> Settings:
    return Settings()
