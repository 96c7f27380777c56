"""One settings object, built from the environment.

Outside development/demo mode the portal refuses to start with a missing or default secret,
because every signed token and session depends on it.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET = "change-me-development-only"
_MODES = ("development", "demo", "production")


class ConfigError(RuntimeError):
    """The environment describes a configuration the portal must not run with."""


def _int(env: dict[str, str], name: str, default: int, *, minimum: int | None = None) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _port(env: dict[str, str]) -> int:
    port = _int(env, "PORTAL_PORT", 8080)
    if not 1 <= port <= 65535:
        raise ConfigError(f"PORTAL_PORT must be between 1 and 65535, got {port}")
    return port


def _bool(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


@dataclass(frozen=True)
class Settings:
    mode: str
    host: str
    port: int
    data_dir: Path
    database_url: str
    secret_key: str
    catalogue_dir: Path
    https: bool
    session_idle_minutes: int
    session_absolute_hours: int
    login_max_failures_per_account: int
    login_max_failures_per_client: int
    login_window_minutes: int
    run_worker: bool
    smtp_host: str | None
    smtp_port: int
    smtp_user: str | None
    smtp_password: str | None
    smtp_starttls: bool
    mail_from: str
    base_url: str  # where people reach the portal, e.g. https://privacy.example.com (no trailing slash)
    worker_lease_seconds: int
    email_check_deliverability: bool
    export_dir: Path
    signing_key_dir: Path  # the Ed25519 keys: outside the database, so a database writer cannot sign
    audit_checkpoint_file: Path  # signed heads of the audit chain, outside the database
    export_retention_days: int
    export_limit_per_day: int
    export_link_minutes: int
    retry_base_seconds: int
    notice_due_days: int  # how long a recipient (or staff) has to confirm an Art. 19 notice
    # How long database backups are kept: an export's completeness statement tells the customer until when copies of
    # their data as it is today still exist in backups.
    backup_retention_days: int = 35
    db_pool_size: int = 10
    db_max_overflow: int = 20
    # Reverse proxies whose X-Forwarded-For / -Proto the portal believes (IPs or CIDRs). Empty: none, so a client
    # cannot pose as another address (the sign-in throttle counts per address).
    trusted_proxies: tuple[str, ...] = ()
    # Art. 19 notices over webhooks (portal/services/recipients/delivery.py): one attempt may take this long; failed
    # attempts are retried after base x 2^(attempts-1), at most max; a notice still undelivered this long after it was
    # written is dead (staff see it), so an endpoint down for a day loses nothing.
    notice_timeout_seconds: int = 10
    notice_retry_base_seconds: int = 30
    notice_retry_max_seconds: int = 3600
    notice_dead_after_hours: int = 72
    # Strong sign-in (issue 23). Staff must have a second factor (passkey or one-time codes) before they may use the
    # staff console: the default in production; demo and development let the demo agent in with the password alone.
    staff_require_2fa: bool = False
    # A sensitive act (export download, withdrawal, email or password change, support access) needs a check this
    # recent: a passkey, or the password plus the second factor where one is set up (NIST SP 800-63B reauthentication).
    step_up_minutes: int = 5
    # WebAuthn: the relying party id passkeys are bound to (a host name, never an IP address: browsers refuse those),
    # and the origins a passkey ceremony may come from. Derived from the public URL (see `_webauthn`).
    webauthn_rp_id: str = "localhost"
    webauthn_origins: tuple[str, ...] = ("http://localhost:8080",)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def demo(self) -> bool:
        return self.mode in ("demo", "development")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def mail_is_delivered(self) -> bool:
        """Whether queued email leaves at all: without an SMTP server it waits in the outbox (/staff/outbox)."""
        return self.smtp_host is not None

    def absolute(self, path: str) -> str:
        """A link a mail client can open: the base URL and the portal's own path."""
        return self.base_url + path

    @property
    def session_cookie(self) -> str:
        # The __Host- prefix forbids Domain and Path tricks, but browsers accept it only with Secure.
        return "__Host-portal_session" if self.https else "portal_session"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    mode = env.get("PORTAL_MODE", "demo").lower()
    if mode not in _MODES:
        raise ConfigError(f"PORTAL_MODE must be one of {', '.join(_MODES)}, got {mode!r}")
    data_dir = Path(env.get("PORTAL_DATA_DIR", str(ROOT / "data"))).resolve()
    secret = env.get("PORTAL_SECRET_KEY", "")
    if mode == "production":
        if not secret or secret == DEFAULT_SECRET or len(secret) < 32:
            raise ConfigError(
                "PORTAL_SECRET_KEY must be set to a random value of at least 32 characters in production "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
    elif not secret:
        secret = _development_secret(data_dir)
    database_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'portal.db'}"
    host, port, https = env.get("PORTAL_HOST", "127.0.0.1"), _port(env), _bool(env, "PORTAL_HTTPS", False)
    return Settings(
        mode=mode,
        host=host,
        port=port,
        data_dir=data_dir,
        database_url=database_url,
        secret_key=secret,
        catalogue_dir=Path(env.get("PORTAL_CATALOGUE_DIR", str(ROOT / "data" / "policy"))).resolve(),
        https=https,
        session_idle_minutes=_int(env, "PORTAL_SESSION_IDLE_MINUTES", 30),
        session_absolute_hours=_int(env, "PORTAL_SESSION_ABSOLUTE_HOURS", 12),
        login_max_failures_per_account=_int(env, "PORTAL_LOGIN_MAX_FAILURES_PER_ACCOUNT", 5),
        login_max_failures_per_client=_int(env, "PORTAL_LOGIN_MAX_FAILURES_PER_CLIENT", 30),
        login_window_minutes=_int(env, "PORTAL_LOGIN_WINDOW_MINUTES", 15),
        run_worker=_bool(env, "PORTAL_RUN_WORKER", True),
        smtp_host=env.get("PORTAL_SMTP_HOST") or None,
        smtp_port=_int(env, "PORTAL_SMTP_PORT", 25),
        smtp_user=env.get("PORTAL_SMTP_USER") or None,
        smtp_password=env.get("PORTAL_SMTP_PASSWORD") or None,
        smtp_starttls=_bool(env, "PORTAL_SMTP_STARTTLS", False),
        mail_from=env.get("PORTAL_MAIL_FROM", "Privacy Portal <privacy-portal@localhost>"),
        base_url=_base_url(env, host=host, port=port, https=https),
        worker_lease_seconds=_int(env, "PORTAL_WORKER_LEASE_SECONDS", 30),
        email_check_deliverability=_bool(env, "PORTAL_EMAIL_CHECK_DELIVERABILITY", False),
        export_dir=Path(env.get("PORTAL_EXPORT_DIR") or str(data_dir / "exports")).resolve(),
        signing_key_dir=Path(env.get("PORTAL_SIGNING_KEY_DIR") or str(data_dir / "keys")).resolve(),
        audit_checkpoint_file=Path(
            env.get("PORTAL_AUDIT_CHECKPOINT_FILE") or str(data_dir / "audit-checkpoints.log")
        ).resolve(),
        export_retention_days=_int(env, "PORTAL_EXPORT_RETENTION_DAYS", 7),
        export_limit_per_day=_int(env, "PORTAL_EXPORT_LIMIT_PER_DAY", 5),
        export_link_minutes=_int(env, "PORTAL_EXPORT_LINK_MINUTES", 60),
        retry_base_seconds=_int(env, "PORTAL_RETRY_BASE_SECONDS", 5),
        notice_due_days=_int(env, "PORTAL_NOTICE_DUE_DAYS", 30, minimum=1),
        backup_retention_days=_int(env, "PORTAL_BACKUP_RETENTION_DAYS", 35, minimum=0),
        # Per process; PostgreSQL's max_connections must cover (portals + worker processes) x (size + overflow).
        db_pool_size=_int(env, "PORTAL_DB_POOL_SIZE", 10, minimum=1),
        db_max_overflow=_int(env, "PORTAL_DB_MAX_OVERFLOW", 20, minimum=0),
        trusted_proxies=_proxies(env.get("PORTAL_TRUSTED_PROXIES", "")),
        notice_timeout_seconds=_int(env, "PORTAL_NOTICE_TIMEOUT_SECONDS", 10, minimum=1),
        notice_retry_base_seconds=_int(env, "PORTAL_NOTICE_RETRY_BASE_SECONDS", 30, minimum=1),
        notice_retry_max_seconds=_int(env, "PORTAL_NOTICE_RETRY_MAX_SECONDS", 3600, minimum=1),
        notice_dead_after_hours=_int(env, "PORTAL_NOTICE_DEAD_AFTER_HOURS", 72, minimum=1),
        staff_require_2fa=_bool(env, "PORTAL_STAFF_REQUIRE_2FA", mode == "production"),
        step_up_minutes=_int(env, "PORTAL_STEP_UP_MINUTES", 5, minimum=1),
        **_webauthn(env, _port(env)),
    )


def _base_url(env: dict[str, str], *, host: str, port: int, https: bool) -> str:
    """PORTAL_BASE_URL (PORTAL_PUBLIC_URL, its older name, still counts), else the address the portal listens on.

    Every link in an email is made absolute with it: a mail client cannot open "/confirm-email?…". Behind a proxy
    the listening address is not what people reach, so set it there."""
    raw = (env.get("PORTAL_BASE_URL") or env.get("PORTAL_PUBLIC_URL") or "").strip().rstrip("/")
    if not raw:
        # An address that means "every interface" is no address to visit; the machine itself is the best guess.
        shown = "127.0.0.1" if host in ("", "0.0.0.0") else "[::1]" if host == "::" else host
        shown = f"[{shown}]" if ":" in shown and not shown.startswith("[") else shown
        scheme = "https" if https else "http"
        default_port = 443 if https else 80
        return f"{scheme}://{shown}" + ("" if port == default_port else f":{port}")
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(
            f"PORTAL_BASE_URL must be an http:// or https:// address like https://privacy.example.com, got {raw!r}"
        )
    return raw


_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def _webauthn(env: dict[str, str], port: int) -> dict[str, Any]:
    """The passkeys' relying party: the host of the public URL (PORTAL_BASE_URL, else PORTAL_PUBLIC_URL), or
    PORTAL_WEBAUTHN_RP_ID (a parent domain of it). A loopback address becomes `localhost`: WebAuthn refuses IP
    addresses as relying party ids, and browsers treat http://localhost as a secure context, so passkeys work there
    (and not at http://127.0.0.1) on a developer's machine."""
    public = (env.get("PORTAL_BASE_URL") or env.get("PORTAL_PUBLIC_URL") or "").rstrip("/")
    parts = urlsplit(public) if public else None
    host = (parts.hostname or "") if parts else ""
    if not host or host in _LOOPBACK or host.startswith("127."):
        local_port = (parts.port if parts and parts.port else None) or port
        origins = [f"http://localhost:{local_port}"]
        if parts and parts.scheme == "https":
            origins.append(f"https://localhost:{local_port}")
        rp_id = "localhost"
    else:
        assert parts is not None
        origins, rp_id = [f"{parts.scheme}://{parts.netloc}"], host
    rp_id = (env.get("PORTAL_WEBAUTHN_RP_ID") or rp_id).strip().lower()
    if any(not (origin_host := urlsplit(o).hostname or "") or not _within(origin_host, rp_id) for o in origins):
        raise ConfigError(f"PORTAL_WEBAUTHN_RP_ID {rp_id!r} must be the public URL's host or a parent domain of it")
    return {"webauthn_rp_id": rp_id, "webauthn_origins": tuple(origins)}


def _within(host: str, rp_id: str) -> bool:
    return host == rp_id or host.endswith("." + rp_id)


def _proxies(raw: str) -> tuple[str, ...]:
    entries = tuple(part.strip() for part in raw.split(",") if part.strip())
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ConfigError(f"PORTAL_TRUSTED_PROXIES: {entry!r} is not an IP address or network") from None
    return entries


def _development_secret(data_dir: Path) -> str:
    """A random per-installation secret for demo/development, kept in the data dir.

    Never a constant: a demo installation reachable on a network must not share its key with every other.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "secret.key"
    existing = path.read_text().strip() if path.exists() else ""
    if len(existing) >= 32:
        return existing
    # Created with 0600 from the first byte; a missing, empty or truncated file gets a fresh key.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    path.chmod(0o600)
    return path.read_text().strip()


_settings: Settings | None = None


def get_settings() -> Settings:
    global _settings
    if _settings is None:
        _settings = load_settings()
    return _settings


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment between runs)."""
    global _settings
    _settings = None
