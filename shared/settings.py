"""One settings base for every Kessos process; each process adds a small subclass.

Values come from the environment (prefix-free names for the two server URLs, since that is what
every hosting platform sets, and `KESSOS_*` for the rest).
"""

import secrets
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class KessosSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KESSOS_", extra="ignore")

    environment: Literal["development", "production"] = "development"
    data_dir: Path = Path(".kessos")

    database_url: str | None = Field(default=None, validation_alias=AliasChoices("DATABASE_URL"))
    redis_url: str | None = Field(default=None, validation_alias=AliasChoices("REDIS_URL"))
    db_pool_size: int = 10
    db_max_overflow: int = 20

    # Tokens. Development: HS256 with a shared secret. Production: RS256 from an OIDC provider's JWKS.
    jwt_secret: str | None = None
    jwt_jwks_url: str | None = None
    jwt_audience: str | None = None
    jwt_issuer: str = "kessos"  # of the HS256 tokens Kessos mints itself
    jwt_jwks_issuer: str | None = None  # of the identity provider's RS256 tokens, checked when set

    # Events: the arq queue every service publishes to and the worker reads.
    queue_name: str = "kessos:events"
    relay_interval_seconds: float = 0.5
    sweep_after_seconds: float = 15.0
    event_result_ttl_seconds: int = 86_400
    # A job (a batch of events) running longer is cancelled and retried; a job of a worker that was
    # killed is taken up again this long (plus 10 s) after it started.
    worker_job_timeout_seconds: int = 120

    registry_url: str = "http://127.0.0.1:8001"
    programs_url: str = "http://127.0.0.1:8002"
    disaster_url: str = "http://127.0.0.1:8003"

    log_level: str = "INFO"
    # The worker serves no API; its Prometheus metrics listen here (0: off).
    worker_metrics_port: int = 9100
    # The hour (0-23, office time) of the nightly full reconciliation.
    reconcile_hour: int = Field(default=2, ge=0, le=23)
    # Browsers' origins allowed to call the API (the office's web app); none by default.
    cors_origins: list[str] = []
    # Request bodies above this are refused with 413 (uploads have their own limits per route).
    max_body_bytes: int = 16 * 1024 * 1024
    # The office's time zone: dates (admitted on, died on, ...) are its dates. WITA for Kalimantan.
    timezone: str = "Asia/Makassar"
    # Attachments (photos, signatures, scans): files on the local disk under `attachments_dir`
    # (default: <data_dir>/attachments), or in an S3-compatible bucket (MinIO, ...) when
    # KESSOS_S3_BUCKET is set. One file may not be larger than `attachment_max_bytes`.
    attachment_max_bytes: int = 10 * 1024 * 1024
    attachments_dir: Path | None = None
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None  # none: AWS itself
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    s3_region: str = "us-east-1"

    @model_validator(mode="after")
    def _production_needs_real_secrets(self) -> "KessosSettings":
        if self.environment == "production":
            if not self.database_url or not self.redis_url:
                raise ValueError("production needs DATABASE_URL and REDIS_URL")
            if not self.jwt_jwks_url and not self.jwt_secret:
                raise ValueError("production needs KESSOS_JWT_JWKS_URL or KESSOS_JWT_SECRET")
            # Even beside a JWKS the secret signs the worker's unscoped service tokens: never a weak one.
            if self.jwt_secret and len(self.jwt_secret) < 32:
                raise ValueError("KESSOS_JWT_SECRET must be at least 32 characters in production")
        return self

    def require_database_url(self) -> str:
        if not self.database_url:
            raise RuntimeError("DATABASE_URL is not set (run `kessos dev` to use the embedded servers)")
        return self.database_url

    def require_redis_url(self) -> str:
        if not self.redis_url:
            raise RuntimeError("REDIS_URL is not set (run `kessos dev` to use the embedded servers)")
        return self.redis_url

    def resolved_jwt_secret(self) -> str:
        """The HS256 secret: from the environment, else generated once under the data folder, so
        that `kessos token` and the running services agree without any set-up."""
        if self.jwt_secret:
            return self.jwt_secret
        path = self.data_dir / "jwt-secret"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(secrets.token_urlsafe(48))
            tmp.chmod(0o600)
            tmp.replace(path)
        return path.read_text().strip()
