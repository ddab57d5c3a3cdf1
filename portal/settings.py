"""Settings, read once from the environment (and an optional `.env` file)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

MODES = ("dev", "test", "production")
PLACEHOLDER_SECRETS = {"", "changethis", "change-me", "secret", "dev", "test"}
MIN_SECRET_LENGTH = 32


class SettingsError(RuntimeError):
    """The configuration cannot be used; the message says which setting and why."""


@dataclass(frozen=True)
class Settings:
    """Everything the portal reads from its environment."""

    secret_key: str
    database_url: str
    data_dir: Path
    upload_dir: Path
    mode: str = "dev"
    default_locale: str = "zh_CN"
    locales: tuple[str, ...] = ("zh_CN", "en")
    base_url: str = "http://127.0.0.1:8000"
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    login_max_failures: int = 5
    login_window_minutes: int = 15
    max_cover_image_bytes: int = 5 * 1024 * 1024
    trusted_proxies: tuple[str, ...] = field(default_factory=tuple)
    allowed_hosts: tuple[str, ...] = ()
    # Citizen intake (moderation/intake): master key source, clocks' time zone, upload caps.
    encryption_key: str = field(default="", repr=False)
    # During a key rotation: the master key's previous source (ENCRYPTION_KEY_PREVIOUS).
    encryption_key_previous: str = field(default="", repr=False)
    timezone: str = "Asia/Shanghai"
    upload_max_file_bytes: int = 50 * 1024 * 1024
    upload_max_total_bytes: int = 200 * 1024 * 1024
    upload_max_files: int = 10
    upload_worker_memory_mb: int = 768
    upload_worker_seconds: int = 60
    # Follow-up (/track): idle minutes of a citizen session; optional SMTP update notices.
    track_idle_minutes: int = 15
    public_cache_seconds: int = 5
    # Render a cached page again in the background when its copy is past half its life.
    public_cache_refresh_ahead: bool = True
    data_cache_seconds: int = 5
    # Database connections each worker keeps open (and may add 10 more at a peak).
    database_pool_size: int = 20
    # Threads each worker runs database work and rendering in (anyio's default is 40).
    worker_threads: int = 8
    # Requests each worker works on at once; the others wait in line (0: no line).
    admission_limit: int = 6
    # Portal-wide caps of citizen forms posted and sent per hour (flood protection).
    intake_forms_per_hour: int = 3000
    intake_sends_per_hour: int = 1000
    # Start-up clean-up leaves uploads younger than this alone (another worker's, in flight).
    cleanup_grace_minutes: int = 60
    # Slow and idle clients (portal.ops.serving reads the same variables per connection).
    client_header_timeout: int = 10
    client_body_timeout: int = 20
    client_body_min_rate: int = 1024
    keepalive_timeout: int = 5
    # Addresses or networks allowed to read /metrics (everyone else gets a 404).
    metrics_allow: tuple[str, ...] = ("127.0.0.1", "::1")
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = ""
    smtp_starttls: bool = False
    # Compiled templates written by `portal init` (portal/template_cache.py); None: none.
    template_cache_dir: Path | None = None

    @property
    def trusted_hosts(self) -> frozenset[str]:
        """Host names the portal answers for: BASE_URL's, plus ALLOWED_HOSTS (and the
        loopback names in dev mode, so `make run` opens at localhost too)."""
        own = urlsplit(self.base_url).hostname or ""
        loopback = ("localhost", "127.0.0.1", "::1") if self.mode == "dev" else ()
        return frozenset({own.lower(), *self.allowed_hosts, *loopback} - {""})

    @property
    def production(self) -> bool:
        return self.mode == "production"

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env"
    ) -> Settings:
        """Build settings from `environ` (default: os.environ) over an optional `.env` file."""
        values: dict[str, str] = {}
        if env_file and Path(env_file).is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if environ is None else environ)

        mode = values.get("MINSHENG_MODE", "dev").strip().lower()
        if mode not in MODES:
            raise SettingsError(f"MINSHENG_MODE must be one of {', '.join(MODES)}, not {mode!r}")
        data_dir = Path(values.get("DATA_DIR", "data")).resolve()
        upload_dir = Path(values.get("UPLOAD_DIR", str(data_dir / "uploads"))).resolve()
        database_url = values.get("DATABASE_URL") or f"sqlite:///{data_dir / 'minsheng.sqlite3'}"
        locales = tuple(
            x.strip() for x in values.get("LOCALES", "zh_CN,en").split(",") if x.strip()
        )
        if not locales:
            raise SettingsError("LOCALES must name at least one language, e.g. zh_CN,en")
        default_locale = values.get("DEFAULT_LOCALE", locales[0])
        if default_locale not in locales:
            raise SettingsError(f"DEFAULT_LOCALE {default_locale!r} is not in LOCALES")
        secret_key = _secret_key(values.get("SECRET_KEY", ""), mode, data_dir)
        proxies = tuple(
            x.strip() for x in values.get("TRUSTED_PROXIES", "").split(",") if x.strip()
        )
        allowed_hosts = tuple(
            x.strip().lower() for x in values.get("ALLOWED_HOSTS", "").split(",") if x.strip()
        )
        if values.get("SMTP_HOST", "").strip() and not values.get("SMTP_FROM", "").strip():
            raise SettingsError("SMTP_FROM is required when SMTP_HOST is set")
        return cls(
            secret_key=secret_key,
            database_url=database_url,
            data_dir=data_dir,
            upload_dir=upload_dir,
            mode=mode,
            default_locale=default_locale,
            locales=locales,
            base_url=values.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
            session_idle_minutes=_int(values, "SESSION_IDLE_MINUTES", 30),
            session_max_hours=_int(values, "SESSION_MAX_HOURS", 12),
            login_max_failures=_int(values, "LOGIN_MAX_FAILURES", 5),
            login_window_minutes=_int(values, "LOGIN_WINDOW_MINUTES", 15),
            max_cover_image_bytes=_int(values, "MAX_COVER_IMAGE_BYTES", 5 * 1024 * 1024),
            allowed_hosts=allowed_hosts,
            trusted_proxies=proxies,
            encryption_key=_encryption_key(values.get("ENCRYPTION_KEY", "")),
            encryption_key_previous=_encryption_key(values.get("ENCRYPTION_KEY_PREVIOUS", ""),
                                                    "ENCRYPTION_KEY_PREVIOUS"),
            timezone=_timezone(values.get("TIMEZONE", "Asia/Shanghai")),
            upload_max_file_bytes=_int(values, "UPLOAD_MAX_FILE_BYTES", 50 * 1024 * 1024),
            upload_max_total_bytes=_int(values, "UPLOAD_MAX_TOTAL_BYTES", 200 * 1024 * 1024),
            upload_max_files=_int(values, "UPLOAD_MAX_FILES", 10),
            upload_worker_memory_mb=_int(values, "UPLOAD_WORKER_MEMORY_MB", 768),
            upload_worker_seconds=_int(values, "UPLOAD_WORKER_SECONDS", 60),
            track_idle_minutes=_int(values, "TRACK_IDLE_MINUTES", 15),
            public_cache_seconds=_int(values, "PUBLIC_CACHE_SECONDS", 5, allow_zero=True),
            data_cache_seconds=_int(values, "DATA_CACHE_SECONDS", 5, allow_zero=True),
            database_pool_size=_int(values, "DATABASE_POOL_SIZE", 20),
            worker_threads=_int(values, "WORKER_THREADS", 8),
            admission_limit=_int(values, "ADMISSION_LIMIT", 6, allow_zero=True),
            intake_forms_per_hour=_int(values, "INTAKE_FORMS_PER_HOUR", 3000),
            intake_sends_per_hour=_int(values, "INTAKE_SENDS_PER_HOUR", 1000),
            cleanup_grace_minutes=_int(values, "CLEANUP_GRACE_MINUTES", 60, allow_zero=True),
            client_header_timeout=_int(values, "CLIENT_HEADER_TIMEOUT", 10),
            client_body_timeout=_int(values, "CLIENT_BODY_TIMEOUT", 20),
            client_body_min_rate=_int(values, "CLIENT_BODY_MIN_RATE", 1024),
            keepalive_timeout=_int(values, "KEEPALIVE_TIMEOUT", 5),
            metrics_allow=_networks(values.get("METRICS_ALLOW", "127.0.0.1,::1")),
            smtp_host=values.get("SMTP_HOST", "").strip(),
            smtp_port=_int(values, "SMTP_PORT", 25),
            smtp_from=values.get("SMTP_FROM", "").strip(),
            smtp_starttls=values.get("SMTP_STARTTLS", "").strip().lower()
            in ("1", "true", "yes", "on"),
            template_cache_dir=data_dir / "template-cache",
        )


def _int(values: Mapping[str, str], name: str, default: int, *, allow_zero: bool = False) -> int:
    raw = values.get(name)
    if raw in (None, ""):
        return default
    try:
        number = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
    if number < 0 or (number == 0 and not allow_zero):
        raise SettingsError(f"{name} must be positive")
    return number


def _networks(raw: str) -> tuple[str, ...]:
    """Comma-separated addresses or networks (CIDR), each checked."""
    import ipaddress

    found = tuple(x.strip() for x in raw.split(",") if x.strip())
    for item in found:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise SettingsError(f"METRICS_ALLOW: {item!r} is not an address or network") \
                from None
    return found


def _encryption_key(given: str, name: str = "ENCRYPTION_KEY") -> str:
    """ENCRYPTION_KEY is optional (the master key is then derived from SECRET_KEY)."""
    given = given.strip()
    if given and len(given) < MIN_SECRET_LENGTH:
        raise SettingsError(f"{name} must be at least {MIN_SECRET_LENGTH} characters")
    return given


def _timezone(name: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"TIMEZONE {name!r} is not a known time zone") from None
    return name.strip()


def _secret_key(given: str, mode: str, data_dir: Path) -> str:
    given = given.strip()
    if given.lower() in PLACEHOLDER_SECRETS or len(given) < MIN_SECRET_LENGTH:
        if mode == "production":
            raise SettingsError(
                "SECRET_KEY is missing, a placeholder or shorter than "
                f"{MIN_SECRET_LENGTH} characters; production mode refuses to start"
            )
        if given:
            return given if len(given) >= MIN_SECRET_LENGTH else _stored_secret(data_dir)
        return _stored_secret(data_dir)
    return given


def _stored_secret(data_dir: Path) -> str:
    """Dev only: generate one key, keep it in the data folder (0600), reuse it after."""
    path = data_dir / "secret_key"
    if path.is_file():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process started at the same moment and won
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
