"""Cross-site request forgery on every POST route of the portal, over plain HTTP against a real portal.

The portal's plain POST routes (sign-in, sign-out, starting and stopping to act as a customer) take a double-submit
token: a random seed in the HttpOnly `portal_csrf` cookie, and in the form that seed signed with the server's key
(portal/web/csrf.py). Fetch metadata (`Sec-Fetch-Site`) and `Origin` are "a second, independent fence".

Each route is attacked in the browser it matters for (a signed-out browser for sign-in, ada's for sign-out, the
agent's for starting to act, the agent acting as linus for stopping) with every ATTACK below, and afterwards the test
proves that nothing happened: nobody signed in, the session still opens pages and is not revoked, the agent is not
acting, the acting session still runs. Each route also has its control: the same request with the page's own token
and a same-origin browser's headers does act, so a refusal cannot pass because the harness is broken.

KNOWN_POST_ROUTES is checked against the routes the app really registers (built in a child process, see
tests/utils/route_matrix.py): a new POST route fails `test_every_post_route_is_attacked` until it is added here.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, suppress
from dataclasses import dataclass, field
from typing import ClassVar

import httpx
import pytest
from itsdangerous import URLSafeTimedSerializer
from webauthn.helpers import bytes_to_base64url

from tests.security.conftest import SECRET, RunningPortal
from tests.utils.route_matrix import app_routes, documented_routes
from tests.utils.soft_authenticator import SoftAuthenticator
from tests.utils.totp import code_now

CSRF = re.compile(r'"name":"csrf","value":"([^"]+)"')
CSRF_COOKIE = "portal_csrf"
SESSION_COOKIE = "portal_session"
KNOWN_POST_ROUTES = {
    "/auth/login",
    "/auth/login/code",
    "/auth/passkey",
    "/auth/logout",
    "/auth/impersonate/start",
    "/auth/impersonate/stop",
}
# The second step of a sign-in is attacked on grace, given one-time codes here; the passkey sign-in on margaret, given
# a passkey of a software authenticator (tests/utils/soft_authenticator.py). Neither is used by the other routes.
CODES_SECRET = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"
PASSKEY = SoftAuthenticator()
# POST routes for machines, not browsers: they read no cookie at all, so a forged cross-site request carries nothing
# they believe; the caller proves itself with a bearer token. Each has its own tests: the recipients' acknowledgement
# (a signed-in browser's cookies get 401) in tests/integration/test_notice_delivery.py.
TOKEN_POST_ROUTES = {"/recipients/notices/{notice_id}/ack": "/recipients/notices/<id>/ack"}
FOREIGN = "https://attacker.example"


@dataclass
class Forgery:
    """One forged request: the form's csrf field (None: left out), headers, and a cookie the browser leaves out."""

    token: str | None
    headers: dict[str, str] = field(default_factory=dict)
    drop_cookie: str | None = None


@dataclass
class Browser:
    client: httpx.Client
    page: str  # a page of this browser that carries the form token

    def token(self) -> str:
        match = CSRF.search(self.client.get(self.page).text)
        assert match, f"{self.page} carries a form token"
        return match.group(1)

    def seed(self) -> str:
        seed = self.client.cookies.get(CSRF_COOKIE)
        assert seed, "the browser holds its CSRF seed cookie"
        return str(seed)


def _other_browsers_token(portal: RunningPortal) -> str:
    with httpx.Client(base_url=portal.url, follow_redirects=False, timeout=30) as other:
        match = CSRF.search(other.get("/login").text)
        assert match
        return match.group(1)


# Each attack gets the victim browser and the portal and returns the forgery to send.
ATTACKS: dict[str, Callable[[Browser, RunningPortal], Forgery]] = {
    "no-token": lambda b, p: Forgery(None),
    "empty-token": lambda b, p: Forgery(""),
    "garbage-token": lambda b, p: Forgery("not-a-token"),
    # the browser's own seed, signed with another key: the shape is right, the signature is not
    "forged-signature": lambda b, p: Forgery(
        URLSafeTimedSerializer("not-the-portal-secret-0123456789abcdef", salt="csrf").dumps(b.seed())
    ),
    # a genuine token, but made for another browser's seed (what an attacker gets from their own visit)
    "other-browsers-token": lambda b, p: Forgery(_other_browsers_token(p)),
    # the page's own token without the seed cookie it belongs to
    "token-without-cookie": lambda b, p: Forgery(b.token(), drop_cookie=CSRF_COOKIE),
    # the right token, sent from another site (the second fence)
    "foreign-origin": lambda b, p: Forgery(b.token(), {"Origin": FOREIGN}),
    "null-origin": lambda b, p: Forgery(b.token(), {"Origin": "null"}),
    "cross-site-fetch": lambda b, p: Forgery(b.token(), {"Sec-Fetch-Site": "cross-site", "Origin": FOREIGN}),
    "same-site-fetch": lambda b, p: Forgery(
        b.token(), {"Sec-Fetch-Site": "same-site", "Origin": "https://sibling.example"}
    ),
}


def send(browser: Browser, path: str, data: dict[str, str], forgery: Forgery) -> httpx.Response:
    """POST as the victim's browser would carry it: its cookies (less `drop_cookie`), the forged form and headers.
    Sent from a client of its own, so a cookie the portal sets in answer does not reach the victim's jar: what a
    refused request must not do is checked on the server (sessions, support sessions), not in the jar."""
    cookies = {c.name: c.value for c in browser.client.cookies.jar if c.name != forgery.drop_cookie}
    headers = dict(forgery.headers)
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    form = dict(data)
    if forgery.token is not None:
        form["csrf"] = forgery.token
    with httpx.Client(base_url=browser.client.base_url, follow_redirects=False, timeout=30) as raw:
        return raw.post(path, data=form, headers=headers)


def _account(portal: RunningPortal, name: str) -> int:
    return int(portal.query("SELECT id FROM account WHERE email = ?", f"{name}@example.com")[0][0])


def _live_sessions(portal: RunningPortal, account_id: int) -> int:
    return int(
        portal.query("SELECT count(*) FROM auth_session WHERE account_id = ? AND revoked_at IS NULL", account_id)[0][0]
    )


def _open_support_sessions(portal: RunningPortal) -> int:
    return int(portal.query("SELECT count(*) FROM support_session WHERE ended_at IS NULL")[0][0])


def _start_acting(portal: RunningPortal, client: httpx.Client) -> None:
    token = Browser(client, "/staff/customers").token()
    form = {"csrf": token, "customer_id": str(_account(portal, "linus")), "reason": "csrf suite"}
    response = client.post("/auth/impersonate/start", data=form)
    assert (response.status_code, response.headers.get("location")) == (303, "/"), "the agent starts acting"


# --- the routes: who is attacked, with what form, what a refusal answers, and what must not have changed ---------


@dataclass
class Route:
    path: str
    victim: str  # the kind of browser (see Browsers.make)
    form: Callable[[RunningPortal], dict[str, str]]
    refused_to: str  # where a refused request is sent back to
    snapshot: Callable[[RunningPortal, Browser], object]  # the state that must not change
    still: Callable[[RunningPortal, Browser], None]  # asserts the browser is as it was


def _signed_out_still(portal: RunningPortal, browser: Browser) -> None:
    home = browser.client.get("/")
    assert (home.status_code, home.headers.get("location")) == (303, "/login?next=%2F"), "still signed out"


def _ada_still(portal: RunningPortal, browser: Browser) -> None:
    page = browser.client.get("/account")
    assert page.status_code == 200 and "Ada" in page.text, "ada's session still opens her pages"


def _agent_still(portal: RunningPortal, browser: Browser) -> None:
    home = browser.client.get("/")
    assert (home.status_code, home.headers.get("location")) == (303, "/staff"), "the agent is not acting"
    assert browser.client.get("/staff/customers").status_code == 200


def _acting_still(portal: RunningPortal, browser: Browser) -> None:
    home = browser.client.get("/")
    assert home.status_code == 200 and "Linus" in home.text, "still acting as linus"
    assert browser.client.get("/staff").status_code == 403


def _with_codes(portal: RunningPortal) -> None:
    portal.execute("UPDATE account SET totp_secret = ? WHERE email = 'grace@example.com'", CODES_SECRET)


def _with_passkey(portal: RunningPortal) -> None:
    """margaret's passkey is the software authenticator's (added once per portal reset)."""
    if portal.query("SELECT 1 FROM passkey_credential WHERE credential_id = ?", PASSKEY.id):
        return
    PASSKEY.origin = portal.url.replace("://127.0.0.1:", "://localhost:")  # the relying party of a loopback portal
    portal.execute(
        "INSERT INTO passkey_credential (account_id, credential_id, public_key, sign_count, transports, aaguid, "
        "backed_up, name, created_at) VALUES (?, ?, ?, 0, '', '', 0, 'csrf suite', datetime('now'))",
        _account(portal, "margaret"),
        PASSKEY.id,
        PASSKEY.cose_key(),
    )


def _passkey_form(portal: RunningPortal) -> dict[str, str]:
    """A genuine passkey answer to a genuine challenge (signed as the sign-in page signs it): only the CSRF check
    stands between it and a session."""
    _with_passkey(portal)
    challenge = bytes_to_base64url(os.urandom(32))
    token = URLSafeTimedSerializer(SECRET, salt="passkey-sign-in").dumps({"c": challenge, "id": uuid.uuid4().hex[:16]})
    options = json.dumps({"challenge": challenge, "rpId": "localhost"})
    return {"challenge": token, "credential": json.dumps(PASSKEY.assert_(options))}


ROUTES = {
    "/auth/login/code": Route(
        "/auth/login/code",
        "pending",
        lambda p: {"code": code_now(CODES_SECRET)},
        "/login",
        lambda p, b: _live_sessions(p, _account(p, "grace")),
        _signed_out_still,
    ),
    "/auth/passkey": Route(
        "/auth/passkey",
        "signed-out",
        _passkey_form,
        "/login",
        lambda p, b: _live_sessions(p, _account(p, "margaret")),
        _signed_out_still,
    ),
    "/auth/login": Route(
        "/auth/login",
        "signed-out",
        lambda p: {"email": "ada@example.com", "password": "demo-password"},
        "/login",
        lambda p, b: _live_sessions(p, _account(p, "ada")),
        _signed_out_still,
    ),
    "/auth/logout": Route(
        "/auth/logout", "ada", lambda p: {}, "/", lambda p, b: _live_sessions(p, _account(p, "ada")), _ada_still
    ),
    "/auth/impersonate/start": Route(
        "/auth/impersonate/start",
        "agent",
        lambda p: {"customer_id": str(_account(p, "linus")), "reason": "forged"},
        "/staff/customers?error=expired",
        lambda p, b: _open_support_sessions(p),
        _agent_still,
    ),
    "/auth/impersonate/stop": Route(
        "/auth/impersonate/stop", "acting", lambda p: {}, "/", lambda p, b: _open_support_sessions(p), _acting_still
    ),
}


class Browsers:
    """Victim browsers shared by the attacks of a module (signing in costs an argon2 hash); one whose state an
    attack did change is thrown away, so the next attack starts from a browser in the state it expects."""

    PAGES: ClassVar[dict[str, str]] = {
        "signed-out": "/login",
        "pending": "/login/verify",
        "ada": "/account",
        "agent": "/staff/customers",
        "acting": "/",
    }

    def __init__(self, portal: RunningPortal) -> None:
        self.portal = portal
        self.live: dict[str, Browser] = {}

    def make(self, kind: str) -> Browser:
        if kind in ("signed-out", "pending"):
            client = httpx.Client(base_url=self.portal.url, follow_redirects=False, timeout=30)
            page = client.get("/login")  # the visit that hands out the seed cookie
            if kind == "pending":  # grace's right password: the browser waits for the second step
                _with_codes(self.portal)
                token = CSRF.search(page.text)
                assert token
                form = {"csrf": token.group(1), "email": "grace@example.com", "password": "demo-password"}
                assert client.post("/auth/login", data=form).headers["location"] == "/login/verify"
        elif kind == "ada":
            client = self.portal.sign_in("ada@example.com")
        else:
            client = self.portal.sign_in("agent@example.com")
            if kind == "acting":
                _start_acting(self.portal, client)
        return Browser(client, self.PAGES[kind])

    def get(self, kind: str) -> Browser:
        if kind not in self.live:
            self.live[kind] = self.make(kind)
        return self.live[kind]

    def discard(self, kind: str) -> None:
        browser = self.live.pop(kind, None)
        if browser is not None:
            browser.client.close()

    def close(self) -> None:
        for kind in list(self.live):
            self.discard(kind)


@pytest.fixture(scope="module")
def browsers(portal: RunningPortal) -> Iterator[Browsers]:
    portal.reset()  # the demo state: tests before this module may have left their changes
    pool = Browsers(portal)
    yield pool
    acting = pool.live.get("acting")
    if acting is not None:  # end the support session cleanly, as the banner's Stop button would
        with suppress(Exception):
            acting.client.post("/auth/impersonate/stop", data={"csrf": acting.token()})
    pool.close()


@pytest.mark.parametrize("attack", list(ATTACKS))
@pytest.mark.parametrize("path", list(ROUTES))
def test_a_forged_post_is_refused_and_changes_nothing(
    portal: RunningPortal, browsers: Browsers, path: str, attack: str
) -> None:
    route = ROUTES[path]
    browser = browsers.get(route.victim)
    forgery = ATTACKS[attack](browser, portal)
    before = route.snapshot(portal, browser)
    try:
        response = send(browser, path, route.form(portal), forgery)
        assert response.status_code == 303, f"{attack} on {path}: {response.status_code}"
        location = response.headers.get("location", "")
        assert location.split("?")[0] == route.refused_to.split("?")[0] and location.startswith(route.refused_to), (
            f"{attack} on {path} was not refused: 303 to {location!r}"
        )
        assert SESSION_COOKIE not in response.headers.get("set-cookie", ""), (
            f"{attack} on {path}: the answer sets a session cookie"
        )
        assert route.snapshot(portal, browser) == before, f"{attack} on {path} changed the server's state"
        route.still(portal, browser)
    except AssertionError:
        browsers.discard(route.victim)
        raise


def _same_origin_headers(portal: RunningPortal) -> dict[str, str]:
    return {"Origin": portal.url, "Sec-Fetch-Site": "same-origin"}


@pytest.mark.parametrize("path", list(ROUTES))
def test_the_pages_own_form_does_act(portal: RunningPortal, browsers: Browsers, path: str) -> None:
    """The control: the portal's own token from a same-origin page is accepted, so the refusals above are real."""
    route = ROUTES[path]
    browser = browsers.make(route.victim)
    with closing(browser.client):
        before = route.snapshot(portal, browser)
        response = browser.client.post(
            path, data={**route.form(portal), "csrf": browser.token()}, headers=_same_origin_headers(portal)
        )
        assert response.status_code == 303
        location = response.headers.get("location", "")
        assert location.split("?")[0] != route.refused_to.split("?")[0], (
            f"the genuine form on {path} was refused: 303 to {location!r}"
        )
        assert route.snapshot(portal, browser) != before, f"the genuine form on {path} changed nothing"
        if path == "/auth/impersonate/start":  # leave no support session running
            token = Browser(browser.client, "/").token()  # /staff/customers is closed while acting
            stop = browser.client.post(
                "/auth/impersonate/stop", data={"csrf": token}, headers=_same_origin_headers(portal)
            )
            assert stop.headers.get("location") == "/staff/customers?ended=stopped"


@pytest.mark.parametrize(
    "path", ["/auth/impersonate/start", "/auth/impersonate/stop", "/consents", "/staff", "/exports", "/account"]
)
def test_a_signed_out_post_anywhere_else_is_403(portal: RunningPortal, path: str) -> None:
    """docs/qa.md: "Logged out … a non-GET request answers 403." (sign-in and sign-out are the public POSTs)."""
    with httpx.Client(base_url=portal.url, follow_redirects=False, timeout=30) as client:
        token = CSRF.search(client.get("/login").text)
        assert token
        before = _open_support_sessions(portal)
        response = client.post(
            path, data={"csrf": token.group(1), "customer_id": str(_account(portal, "linus")), "reason": "signed out"}
        )
        assert response.status_code == 403, f"POST {path} signed out: {response.status_code}"
        assert "data-testid=error-title" in response.text
        assert _open_support_sessions(portal) == before


def test_every_post_route_is_attacked() -> None:
    """The app's own route table (and docs/qa.md) against the routes this file attacks: a POST route (or PUT, PATCH,
    DELETE) that is not in KNOWN_POST_ROUTES fails here until it gets its attacks."""
    changing = {path for path, methods in app_routes().items() if methods - {"GET", "HEAD", "OPTIONS"}}
    assert set(TOKEN_POST_ROUTES) <= changing, "a bearer-token route named here is gone"
    changing -= set(TOKEN_POST_ROUTES)
    assert changing == KNOWN_POST_ROUTES, (
        f"routes that change state but are not attacked here: "
        f"{sorted(changing - KNOWN_POST_ROUTES)}; attacked but gone: "
        f"{sorted(KNOWN_POST_ROUTES - changing)}"
    )
    documented = {path for method, path in documented_routes() if method == "POST"} - set(TOKEN_POST_ROUTES.values())
    assert documented <= KNOWN_POST_ROUTES, f"POST routes in docs/qa.md not attacked: {documented - KNOWN_POST_ROUTES}"
