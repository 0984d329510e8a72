"""One Settings object, read from the environment (prefix SATHI_), reached through a cached function."""

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from common.clock import DEFAULT_TIME_ZONE
from common.secrets import DEFAULTS as DEFAULT_SECRETS
from common.secrets import is_production, refuse_defaults

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SATHI_", env_file=".env", extra="ignore")

    # Embedded default: SQLite under var/. Scale-out: a postgresql+psycopg:// URL.
    database_url: str = Field(
        default=f"sqlite:///{REPO_ROOT / 'var' / 'sathi.db'}",
        validation_alias=AliasChoices("SATHI_DATABASE_URL", "DATABASE_URL", "database_url"),
    )
    # "production" makes every process refuse to start on a published default secret or with the
    # sandbox on (common/secrets.py); anything else is development.
    env: str = "development"
    # One token per calling process, each with its own rights (backend/api/callers.py), and the
    # secret that signs a channel's grant to act for the one phone whose message it handles.
    actions_token: str = DEFAULT_SECRETS["SATHI_ACTIONS_TOKEN"]
    channels_token: str = DEFAULT_SECRETS["SATHI_CHANNELS_TOKEN"]
    turn_secret: str = DEFAULT_SECRETS["SATHI_TURN_SECRET"]
    turn_grant_minutes: float = 15.0
    # Year used in reference numbers comes from the case's creation time in this zone.
    timezone: str = DEFAULT_TIME_ZONE  # SATHI_TIMEZONE (common/clock.py)
    workflows_dir: Path = REPO_ROOT / "backend" / "workflows"
    masterdata_dir: Path = REPO_ROOT / "backend" / "masterdata"
    catalog_dir: Path = REPO_ROOT / "catalog"  # one file per service (backend/services/catalog.py)
    # The Ed25519 key that signs certificates (made on first use; mount one file on every host).
    certificate_key_file: Path = REPO_ROOT / "var" / "keys" / "certificate-ed25519.pem"
    run_migrations_on_start: bool = True

    # Twilio. Out of the box these point at the built-in sandbox (backend/api/twilio_sandbox.py),
    # so every channel works without an account; set the real ones and api_base to go live.
    twilio_account_sid: str = Field(
        default="AC00000000000000000000000000000000",
        validation_alias=AliasChoices("SATHI_TWILIO_ACCOUNT_SID", "TWILIO_ACCOUNT_SID"),
    )
    twilio_auth_token: str = Field(
        default=DEFAULT_SECRETS["SATHI_TWILIO_AUTH_TOKEN"],
        validation_alias=AliasChoices("SATHI_TWILIO_AUTH_TOKEN", "TWILIO_AUTH_TOKEN"),
    )
    twilio_api_base: str = "http://127.0.0.1:8000/sandbox/twilio"
    twilio_whatsapp_from: str = "whatsapp:+14155238886"
    twilio_sms_from: str = "+15005550006"
    # How Twilio reaches this backend (status callbacks are signed against this URL).
    public_backend_url: str = "http://127.0.0.1:8000"
    # The built-in Twilio and payment sandboxes: off unless asked for (`make run` and the tests
    # turn them on); never in production.
    sandbox_enabled: bool = False
    # Numbers the sandbox treats as having no WhatsApp: a WhatsApp message to one is reported
    # undelivered with Twilio's error 63003, as Twilio does (to try the SMS fallback without a phone).
    sandbox_numbers_without_whatsapp: list[str] = []

    # SMS provider: "twilio", or "http_gateway" for an Indian DLT-registered gateway.
    sms_provider: str = Field(default="twilio", pattern=r"^(twilio|http_gateway)$")
    sms_gateway_url: str = ""
    sms_gateway_key: str = ""
    sms_gateway_sender_id: str = "SATHIG"

    # Outbox worker. In-process by default (one per backend worker is safe: rows are claimed
    # atomically); `python -m backend.outbox_worker` runs it on its own for scale-out.
    outbox_worker_in_process: bool = True
    outbox_poll_seconds: float = 0.5
    outbox_lease_seconds: float = 30.0
    outbox_max_attempts: int = 8
    outbox_backoff_seconds: float = 2.0
    whatsapp_window_hours: float = 24.0
    # How long a channel process holds an inbound turn before another may take it over; the
    # process renews it every third of that while the turn runs, so only a dead process loses it.
    inbound_lease_seconds: float = 60.0

    # Payments. The sandbox provider is built in (a page a person can pay on in test mode); its
    # secret signs the payment links and the provider's webhook.
    payment_provider: str = "sandbox"
    payment_secret: str = DEFAULT_SECRETS["SATHI_PAYMENT_SECRET"]
    certificate_link_secret: str = DEFAULT_SECRETS["SATHI_CERTIFICATE_LINK_SECRET"]
    payment_link_minutes: int = 60 * 24
    upi_vpa: str = "sathi.ulb@sandboxupi"
    upi_payee_name: str = "Sathi ULB Services"

    # Photos attached to complaints.
    media_dir: Path = REPO_ROOT / "var" / "media"
    max_photo_bytes: int = 5 * 1024 * 1024
    # The only hosts a media URL from a channel is fetched from (exact names, https), and the only
    # ones given the Twilio credentials: Twilio's MediaUrlN point at its API host. The host of
    # twilio_api_base is always added (the built-in sandbox in development, over its own scheme).
    media_hosts: list[str] = ["api.twilio.com"]
    # Where a media host may redirect a download (https, no credentials): Twilio's CDN, for media
    # behind HTTP auth and for older public media.
    media_redirect_hosts: list[str] = ["mms.twiliocdn.com", "s3-external-1.amazonaws.com"]

    # SLA escalation sweep, in-process by default (safe in several processes at once).
    sweep_in_process: bool = True
    sweep_interval_seconds: float = 60.0

    # The officials' console (/console): one-time sign-in codes and sessions.
    signin_code_minutes: float = 5.0
    signin_code_tries: int = 5
    # At most this many codes per number, and per requesting address, in signin_window_minutes.
    signin_codes_per_number: int = 3
    signin_codes_per_address: int = 10
    signin_window_minutes: float = 15.0
    console_session_hours: float = 12.0
    # Cookies are sent only over HTTPS; browsers also treat http://localhost and 127.0.0.1 as secure.
    console_cookie_secure: bool = True

    @field_validator("database_url")
    @classmethod
    def _use_psycopg3(cls, url: str) -> str:
        # Hosting platforms hand out postgres:// URLs; SQLAlchemy needs the driver named.
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url.removeprefix(prefix)
        return url

    def refuse_published_defaults(self) -> None:
        """With SATHI_ENV=production, raises DefaultSecretInProduction naming every secret this
        process holds that is still its published default, and the sandbox if it is on. Twilio's
        token is always held: WhatsApp goes out through Twilio and its status callbacks are signed."""
        refuse_defaults(
            {
                "SATHI_ACTIONS_TOKEN": self.actions_token,
                "SATHI_CHANNELS_TOKEN": self.channels_token,
                "SATHI_TURN_SECRET": self.turn_secret,
                "SATHI_PAYMENT_SECRET": self.payment_secret,
                "SATHI_CERTIFICATE_LINK_SECRET": self.certificate_link_secret,
                "SATHI_TWILIO_AUTH_TOKEN": self.twilio_auth_token,
            },
            production=is_production({"SATHI_ENV": self.env}),
            sandbox_enabled=self.sandbox_enabled,
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
