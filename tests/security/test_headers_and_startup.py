"""What the portal tells browsers (CSP), whom it believes about client addresses, and how it refuses a broken
catalogue at start-up (issue 17, points 7, 10 and 12)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from portal.app import proxy_options
from portal.config import ConfigError, load_settings
from portal.web.csrf import CSRF_COOKIE
from tests.e2e.smtp_server import MailServer
from tests.security.conftest import COMMAND, REPO_ROOT, RunningPortal, portal_environment, start_portal, stop
from tests.security.test_account_attacks import _sign_in_outcome
from tests.utils.cluster import free_port


def test_the_content_security_policy_allows_no_socket_to_another_host(portal: RunningPortal) -> None:
    import httpx

    csp = httpx.get(f"{portal.url}/login").headers["content-security-policy"]
    directives = {part.split()[0]: part.split()[1:] for part in csp.split("; ")}
    assert directives["connect-src"] == ["'self'"], "no ws: or wss: to any host"
    assert directives["frame-ancestors"] == ["'none'"] and directives["object-src"] == ["'none'"]
    assert "'unsafe-eval'" in directives["script-src"], "documented: Vue compiles NiceGUI's templates in the browser"


def test_forwarded_headers_are_believed_only_from_the_proxies_named(tmp_path: Path, mail: MailServer) -> None:
    """With PORTAL_TRUSTED_PROXIES naming the proxy, X-Forwarded-For is the client: 31 failures from 31 forwarded
    addresses are 31 clients, none throttled (the default, no trusted proxy, is tested in test_account_attacks)."""
    behind_proxy = start_portal(tmp_path / "proxied", mail, PORTAL_TRUSTED_PROXIES="127.0.0.1")
    try:
        outcomes = [
            _sign_in_outcome(behind_proxy, f"nobody{n}@example.com", "wrong", {"X-Forwarded-For": f"203.0.113.{n}"})
            for n in range(31)
        ]
        assert outcomes == ["invalid"] * 31
    finally:
        stop(behind_proxy)


def test_trusted_proxies_setting_is_checked_and_reaches_uvicorn(tmp_path: Path) -> None:
    base = {"PORTAL_DATA_DIR": str(tmp_path)}
    assert proxy_options(load_settings(base)) == {"proxy_headers": False}
    named = load_settings({**base, "PORTAL_TRUSTED_PROXIES": "10.0.0.1, 192.168.0.0/16"})
    assert proxy_options(named) == {"proxy_headers": True, "forwarded_allow_ips": "10.0.0.1,192.168.0.0/16"}
    with pytest.raises(ConfigError, match=r"PORTAL_TRUSTED_PROXIES: 'proxy\.example' is not an IP"):
        load_settings({**base, "PORTAL_TRUSTED_PROXIES": "proxy.example"})


def test_a_broken_catalogue_stops_the_start_with_one_line(tmp_path: Path, mail: MailServer) -> None:
    catalogue_dir = tmp_path / "policy"
    shutil.copytree(REPO_ROOT / "data" / "policy", catalogue_dir)
    newest = sorted(catalogue_dir.glob("catalogue-*[0-9].json"))[-1]  # not a translation (catalogue-1.0.de.json)
    data = json.loads(newest.read_text())
    data["categories"][0]["title"] = ""
    newest.write_text(json.dumps(data))
    env = portal_environment(free_port(), tmp_path / "data", mail, PORTAL_CATALOGUE_DIR=str(catalogue_dir))
    result = subprocess.run(COMMAND, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if " INFO " not in line]  # alembic's progress lines
    assert errors == [
        f"configuration error: {newest}: categories[0].title: is required and must be a non-empty string"
    ], result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_pages_are_never_cached_and_the_favicon_is(portal: RunningPortal) -> None:
    """Pages carry personal data: no-store. The favicon is the same for everyone and asked for on every page view:
    cacheable, and no CSRF seed handed out with it (it is no page)."""
    import httpx

    page = httpx.get(f"{portal.url}/login")
    assert page.headers["cache-control"] == "no-store"
    icon = httpx.get(f"{portal.url}/favicon.ico")
    assert icon.status_code == 200 and icon.headers["cache-control"] == "public, max-age=86400"
    assert CSRF_COOKIE not in icon.cookies and CSRF_COOKIE in page.cookies
    assert icon.headers["x-content-type-options"] == "nosniff"  # the security headers still apply


def test_the_public_signing_keys_are_published_without_signing_in(portal: RunningPortal) -> None:
    import httpx

    response = httpx.get(f"{portal.url}/.well-known/portal-signing-keys.json")
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert keys and keys[0]["status"] == "current" and keys[0]["kty"] == "OKP" and keys[0]["crv"] == "Ed25519"
    assert all("d" not in key for key in keys), "never the private half"


def test_the_export_schema_is_published_where_every_manifest_points(portal: RunningPortal) -> None:
    """Every export's manifest names `/.well-known/portal-export-schema.json` as its schema (not a file of the source
    repository): the portal answers it to anyone, with docs/export-schema.json as this version ships it."""
    import httpx

    from portal.exports.builder import SCHEMA_PATH

    response = httpx.get(f"{portal.url}{SCHEMA_PATH}")
    assert response.status_code == 200 and response.headers["content-type"] == "application/schema+json"
    assert response.content == (REPO_ROOT / "docs" / "export-schema.json").read_bytes()
    assert response.json()["$id"].endswith(SCHEMA_PATH)
