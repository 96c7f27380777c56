"""Settings from the environment: refusals in production, the demo secret, validation, derived values.

Every test passes an explicit environment dict to `load_settings`; os.environ is never touched.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from portal.config import DEFAULT_SECRET, ConfigError, Settings, load_settings

GOOD_SECRET = "a-production-secret-that-is-long-enough-0123456789"


def _env(data_dir: Path, **values: str) -> dict[str, str]:
    """A minimal environment whose data dir is a throw-away directory (the demo secret is written there)."""
    return {"PORTAL_DATA_DIR": str(data_dir), **values}


# --- the secret key ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("secret", [None, "", DEFAULT_SECRET, "short", "x" * 31])
def test_production_refuses_a_missing_default_or_short_secret(secret: str | None, tmp_path: Path) -> None:
    env = _env(tmp_path / "data", PORTAL_MODE="production")
    if secret is not None:
        env["PORTAL_SECRET_KEY"] = secret
    with pytest.raises(ConfigError, match="PORTAL_SECRET_KEY"):
        load_settings(env=env)
    assert not (tmp_path / "data" / "secret.key").exists(), "production must never invent a secret"


def test_production_refuses_the_default_secret_even_padded_to_length(tmp_path: Path) -> None:
    # the default is refused by value; a 32-character secret is accepted only if it is not the default
    with pytest.raises(ConfigError, match="PORTAL_SECRET_KEY"):
        load_settings(env=_env(tmp_path, PORTAL_MODE="production", PORTAL_SECRET_KEY=DEFAULT_SECRET))
    settings = load_settings(env=_env(tmp_path, PORTAL_MODE="production", PORTAL_SECRET_KEY="y" * 32))
    assert settings.secret_key == "y" * 32


def test_production_accepts_a_long_random_secret(tmp_path: Path) -> None:
    settings = load_settings(env=_env(tmp_path / "data", PORTAL_MODE="production", PORTAL_SECRET_KEY=GOOD_SECRET))
    assert settings.mode == "production" and not settings.demo
    assert settings.secret_key == GOOD_SECRET
    assert not (tmp_path / "data" / "secret.key").exists()


def test_mode_is_case_insensitive_so_production_cannot_be_dodged(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PORTAL_SECRET_KEY"):
        load_settings(env=_env(tmp_path, PORTAL_MODE="PRODUCTION"))


@pytest.mark.parametrize("mode", ["demo", "development"])
def test_demo_creates_a_private_per_installation_secret_and_reuses_it(mode: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh" / "data"  # does not exist yet
    first = load_settings(env=_env(data_dir, PORTAL_MODE=mode))
    key_file = data_dir / "secret.key"
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.secret_key == key_file.read_text().strip()
    assert first.secret_key != DEFAULT_SECRET and len(first.secret_key) >= 32
    assert first.demo

    again = load_settings(env=_env(data_dir, PORTAL_MODE=mode))
    assert again.secret_key == first.secret_key, "a restart must keep the sessions' key"

    other = load_settings(env=_env(tmp_path / "other", PORTAL_MODE=mode))
    assert other.secret_key != first.secret_key, "every installation gets its own key"


def test_demo_never_runs_with_an_empty_secret_file(tmp_path: Path) -> None:
    (tmp_path / "secret.key").write_text("\n")
    try:
        settings = load_settings(env=_env(tmp_path))
    except ConfigError:
        return
    assert len(settings.secret_key) >= 32


def test_demo_is_the_default_mode(tmp_path: Path) -> None:
    settings = load_settings(env=_env(tmp_path))
    assert settings.mode == "demo" and settings.demo
    assert (tmp_path / "secret.key").exists()


def test_demo_uses_an_explicit_secret_without_writing_a_file(tmp_path: Path) -> None:
    settings = load_settings(env=_env(tmp_path, PORTAL_MODE="demo", PORTAL_SECRET_KEY=GOOD_SECRET))
    assert settings.secret_key == GOOD_SECRET
    assert not (tmp_path / "secret.key").exists()


# --- validation --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("port", ["abc", "80a", "1.5", "8080 8081", "0x1f90"])
def test_bad_port_names_the_variable(port: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PORTAL_PORT"):
        load_settings(env=_env(tmp_path, PORTAL_PORT=port))


@pytest.mark.parametrize("port", ["0", "-1", "65536", "70000"])
def test_out_of_range_port_names_the_variable(port: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PORTAL_PORT"):
        load_settings(env=_env(tmp_path, PORTAL_PORT=port))


@pytest.mark.parametrize("mode", ["prod", "staging", "", " production", "demo!"])
def test_bad_mode_names_the_variable(mode: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PORTAL_MODE"):
        load_settings(env=_env(tmp_path, PORTAL_MODE=mode))


@pytest.mark.parametrize("value", ["maybe", "2", "enabled", "tru"])
def test_bad_https_flag_names_the_variable(value: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PORTAL_HTTPS"):
        load_settings(env=_env(tmp_path, PORTAL_HTTPS=value))


@pytest.mark.parametrize("name", ["PORTAL_SESSION_IDLE_MINUTES", "PORTAL_LOGIN_MAX_FAILURES_PER_ACCOUNT"])
def test_other_whole_numbers_name_their_variable(name: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings(env=_env(tmp_path, **{name: "thirty"}))


def test_port_and_flags_parse(tmp_path: Path) -> None:
    settings = load_settings(env=_env(tmp_path, PORTAL_PORT="9123", PORTAL_HTTPS="TRUE", PORTAL_RUN_WORKER="off"))
    assert settings.port == 9123 and settings.https is True and settings.run_worker is False
    defaults = load_settings(env=_env(tmp_path, PORTAL_PORT="", PORTAL_HTTPS=""))
    assert defaults.port == 8080 and defaults.https is False and defaults.run_worker is True


# --- database and cookie -----------------------------------------------------------------------------------


def test_sqlite_in_the_data_dir_is_the_default_database(tmp_path: Path) -> None:
    settings = load_settings(env=_env(tmp_path / "data"))
    assert settings.database_url == f"sqlite:///{(tmp_path / 'data').resolve() / 'portal.db'}"
    assert settings.is_sqlite


def test_database_url_overrides_the_sqlite_default(tmp_path: Path) -> None:
    url = "postgresql+psycopg://portal:secret@db.internal:5432/portal"
    settings = load_settings(env=_env(tmp_path, DATABASE_URL=url))
    assert settings.database_url == url
    assert not settings.is_sqlite
    empty = load_settings(env=_env(tmp_path, DATABASE_URL=""))  # an empty value means "not set"
    assert empty.is_sqlite


def test_connection_pool_settings_parse_and_refuse_nonsense(tmp_path: Path) -> None:
    defaults = load_settings(env=_env(tmp_path))
    assert (defaults.db_pool_size, defaults.db_max_overflow) == (10, 20)
    tuned = load_settings(env=_env(tmp_path, PORTAL_DB_POOL_SIZE="4", PORTAL_DB_MAX_OVERFLOW="0"))
    assert (tuned.db_pool_size, tuned.db_max_overflow) == (4, 0)
    with pytest.raises(ConfigError, match="PORTAL_DB_POOL_SIZE must be at least 1"):
        load_settings(env=_env(tmp_path, PORTAL_DB_POOL_SIZE="0"))
    with pytest.raises(ConfigError, match="PORTAL_DB_MAX_OVERFLOW must be at least 0"):
        load_settings(env=_env(tmp_path, PORTAL_DB_MAX_OVERFLOW="-1"))


def test_notice_delivery_settings_parse_and_refuse_nonsense(tmp_path: Path) -> None:
    defaults = load_settings(env=_env(tmp_path))
    assert (
        defaults.notice_timeout_seconds,
        defaults.notice_retry_base_seconds,
        defaults.notice_retry_max_seconds,
        defaults.notice_dead_after_hours,
    ) == (10, 30, 3600, 72)
    tuned = load_settings(env=_env(tmp_path, PORTAL_NOTICE_DEAD_AFTER_HOURS="24", PORTAL_NOTICE_TIMEOUT_SECONDS="3"))
    assert (tuned.notice_dead_after_hours, tuned.notice_timeout_seconds) == (24, 3)
    for name in ("PORTAL_NOTICE_TIMEOUT_SECONDS", "PORTAL_NOTICE_RETRY_BASE_SECONDS", "PORTAL_NOTICE_DEAD_AFTER_HOURS"):
        with pytest.raises(ConfigError, match=f"{name} must be at least 1"):
            load_settings(env=_env(tmp_path, **{name: "0"}))


def test_the_base_url_recipients_call_back_falls_back_to_the_public_url(tmp_path: Path) -> None:
    assert load_settings(env=_env(tmp_path)).base_url == "http://127.0.0.1:8080"
    public = load_settings(env=_env(tmp_path, PORTAL_PUBLIC_URL="https://privacy.example.com/"))
    assert public.base_url == "https://privacy.example.com"
    both = _env(tmp_path, PORTAL_PUBLIC_URL="https://privacy.example.com", PORTAL_BASE_URL="https://acks.example.com/")
    assert load_settings(env=both).base_url == "https://acks.example.com"


def _cookie(tmp_path: Path, https: str | None) -> str:
    env = _env(tmp_path)
    if https is not None:
        env["PORTAL_HTTPS"] = https
    settings: Settings = load_settings(env=env)
    return settings.session_cookie


def test_session_cookie_gets_the_host_prefix_only_over_https(tmp_path: Path) -> None:
    assert _cookie(tmp_path, "true") == "__Host-portal_session"
    assert _cookie(tmp_path, "1") == "__Host-portal_session"
    for value in (None, "false", "0", ""):
        assert _cookie(tmp_path, value) == "portal_session"


# --- the base URL of emailed links ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, "http://127.0.0.1:8080"),  # the embedded default: what `python main.py` listens on
        ({"PORTAL_PORT": "8097"}, "http://127.0.0.1:8097"),
        ({"PORTAL_HOST": "0.0.0.0"}, "http://127.0.0.1:8080"),  # "every interface" is no address to visit
        ({"PORTAL_HOST": "::", "PORTAL_PORT": "9000"}, "http://[::1]:9000"),
        ({"PORTAL_HOST": "portal.internal", "PORTAL_PORT": "443", "PORTAL_HTTPS": "true"}, "https://portal.internal"),
        ({"PORTAL_BASE_URL": "https://privacy.example.com/"}, "https://privacy.example.com"),
        ({"PORTAL_BASE_URL": "https://example.com/privacy"}, "https://example.com/privacy"),
        ({"PORTAL_PUBLIC_URL": "https://old-name.example.com"}, "https://old-name.example.com"),  # the earlier name
        (
            {"PORTAL_BASE_URL": "https://new.example.com", "PORTAL_PUBLIC_URL": "https://old.example.com"},
            "https://new.example.com",
        ),
    ],
)
def test_base_url_is_set_or_derived_from_where_the_portal_listens(
    values: dict[str, str], expected: str, tmp_path: Path
) -> None:
    settings = load_settings(env=_env(tmp_path, **values))
    assert settings.base_url == expected
    assert settings.absolute("/confirm-email?token=x") == f"{expected}/confirm-email?token=x"


@pytest.mark.parametrize("url", ["privacy.example.com", "ftp://example.com", "https://", "https://x.example/?a=1"])
def test_a_base_url_that_is_no_web_address_names_the_variable(url: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PORTAL_BASE_URL"):
        load_settings(env=_env(tmp_path, PORTAL_BASE_URL=url))


def test_mail_is_delivered_only_with_an_smtp_host(tmp_path: Path) -> None:
    assert not load_settings(env=_env(tmp_path)).mail_is_delivered
    assert load_settings(env=_env(tmp_path, PORTAL_SMTP_HOST="mail.example.com")).mail_is_delivered


def test_staff_need_a_second_factor_in_production_unless_told_otherwise(tmp_path: Path) -> None:
    production = _env(tmp_path / "p", PORTAL_MODE="production", PORTAL_SECRET_KEY=GOOD_SECRET)
    assert load_settings(env=production).staff_require_2fa
    assert not load_settings(env={**production, "PORTAL_STAFF_REQUIRE_2FA": "false"}).staff_require_2fa
    assert not load_settings(env=_env(tmp_path / "d")).staff_require_2fa
    assert load_settings(env=_env(tmp_path / "d")).step_up_minutes == 5


@pytest.mark.parametrize(
    ("public_url", "rp_id", "origins"),
    [
        (None, "localhost", ("http://localhost:8080",)),
        ("http://127.0.0.1:9000", "localhost", ("http://localhost:9000",)),  # an IP is no relying party id
        ("https://privacy.example.com", "privacy.example.com", ("https://privacy.example.com",)),
    ],
)
def test_passkeys_belong_to_the_host_of_the_public_url(
    public_url: str | None, rp_id: str, origins: tuple[str, ...], tmp_path: Path
) -> None:
    env = _env(tmp_path, **({"PORTAL_PUBLIC_URL": public_url} if public_url else {}))
    settings = load_settings(env=env)
    assert (settings.webauthn_rp_id, settings.webauthn_origins) == (rp_id, origins)


def test_a_relying_party_id_must_be_the_public_host_or_a_parent_of_it(tmp_path: Path) -> None:
    env = _env(tmp_path, PORTAL_PUBLIC_URL="https://privacy.example.com")
    assert load_settings(env={**env, "PORTAL_WEBAUTHN_RP_ID": "example.com"}).webauthn_rp_id == "example.com"
    with pytest.raises(ConfigError, match="PORTAL_WEBAUTHN_RP_ID"):
        load_settings(env={**env, "PORTAL_WEBAUTHN_RP_ID": "evil.example"})
