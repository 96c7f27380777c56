"""Route × role matrix: every page of docs/qa.md, opened over plain HTTP (no redirects followed) by every kind of
visitor, must answer exactly what docs/qa.md and portal/web/paths.py say.

Visitors (columns of MATRIX):

    anon    signed out (no session cookie)
    ada, grace, linus, margaret
            the four demo customers, each signed in through GET /login + POST /auth/login
    agent   agent@example.com, signed in, not acting as anyone ("agent without grant")
    view    agent@example.com acting as margaret under a "view only" grant that margaret gave
            (through support.grant_access, see tests/utils/route_matrix.py)
    help    agent@example.com acting as linus under his seeded "view and help" grant
    dpo     dpo@example.com, the privacy officer

Both acting sessions are started the real way: POST /auth/impersonate/start with the form token of the agent's own
/staff/customers page, a reason and the customer id.

Outcomes (cells of MATRIX):

    OK        200, an HTML page (a customer page also names whose data it shows and no other customer)
    ZIP       200, the export ZIP
    NOTE      200, but only the line saying staff have nothing here (STAFF_NOTES), no customer content
    AUDIT     200 with the audit trail (`audit-card`);  NO_AUDIT: 200 with only `audit-denied`
    CSV       200, the audit trail as CSV (text/csv, its header line)
    OFFICER   403 plain page, error-title "Not allowed" ("The audit trail is for privacy officers only.")
    HOME      303 to /staff (the overview sends staff to their queue)
    NEXT      303 to /login?next=<the page, quoted>    LOGIN: 303 to /login with no next
    STAFF     403 plain page, error-title "Not allowed" ("This part of the portal is for staff only.")
    ACTING    403 inside the portal's shell (`problem`) with the impersonation banner and its "Stop acting", titled
              "Not while acting as a customer"
    SHELL403  403 inside the portal's shell (`problem`): a staff account on a customer's page
    DL403     403 plain page whose error-title starts "Download" (not possible / link not valid)
    NF        404 inside the portal's shell (`problem`)

Paths use the ids made for this run: `{req_ada}` is a request ada filed, `{exp_ada}` an export ada asked for and
`{link_ada}` the download token made for her; `{missing}` is an id nobody has.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import closing, suppress
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import httpx
import pytest

from tests.security.conftest import RunningPortal
from tests.utils.route_matrix import app_routes, documented_routes, prepare_on

CSRF = re.compile(r'"name":"csrf","value":"([^"]+)"')
TESTIDS = re.compile(r'data-testid(?:=|\\?":\\?")([A-Za-z0-9_-]+)')
ERROR_TITLE = re.compile(r"<h1 data-testid=error-title>([^<]*)</h1>")

PRINCIPALS = ("anon", "ada", "grace", "linus", "margaret", "agent", "view", "help", "dpo")
CUSTOMERS = ("ada", "grace", "linus", "margaret")
ACTING_AS = {"view": "margaret", "help": "linus"}

OK, ZIP, NOTE, AUDIT, NO_AUDIT = "200", "200 zip", "200 staff note", "200 audit", "200 audit-denied"
CSV, OFFICER = "200 csv", "403 officers only"
HOME, NEXT, LOGIN = "303 /staff", "303 /login?next", "303 /login"
STAFF, ACTING, SHELL403, DL403, NF = "403 staff only", "403 acting", "403 shell", "403 download", "404"

STAFF_NOTES = {
    "/consents": "Staff accounts have no consents.",
    "/exports": "Staff accounts have no data to export.",
    "/withdraw": "Only a customer can withdraw their own consent.",
    "/support-access": "Support access is given by customers themselves.",
}
CATEGORIES = ("registration", "identity", "financial", "transaction", "usage", "technical")
# Pages that show one customer's own data: an OK there must name that customer and no other.
CUSTOMER_PAGES = re.compile(r"^/($|data/|consents$|exports$|requests|activity$|withdraw$|support-access$|account$)")

# fmt: off
MATRIX: list[tuple[str, tuple[str, ...]]] = [
    # path                                      anon   ada    grace  linus  marg   agent  view    help    dpo
    # public pages (docs/qa.md: "built, public"; paths.PUBLIC_PATHS)
    ("/login",                                 (OK,    OK,    OK,    OK,    OK,    OK,    OK,     OK,     OK)),
    # the second step of a sign-in: without its signed cookie it only says the sign-in expired
    ("/login/verify",                          (OK,    OK,    OK,    OK,    OK,    OK,    OK,     OK,     OK)),
    ("/healthz",                               (OK,    OK,    OK,    OK,    OK,    OK,    OK,     OK,     OK)),
    ("/.well-known/portal-signing-keys.json",  (OK,    OK,    OK,    OK,    OK,    OK,    OK,     OK,     OK)),
    ("/.well-known/portal-export-schema.json", (OK,    OK,    OK,    OK,    OK,    OK,    OK,     OK,     OK)),
    ("/confirm-email?token=not-a-token",       (OK,    OK,    OK,    OK,    OK,    OK,    OK,     OK,     OK)),
    # the link in the old address's notice (portal/web/paths.py PUBLIC_PATHS; not yet in docs/qa.md's table)
    ("/cancel-email-change?token=not-a-token", (OK,    OK,    OK,    OK,    OK,    OK,    OK,     OK,     OK)),
    ("/receipts/verify",                       (OK,    OK,    OK,    OK,    OK,    OK,    OK,     OK,     OK)),
    ("/forgot-password",                       (OK,    OK,    OK,    OK,    OK,    OK,    OK,     OK,     OK)),
    ("/reset-password?token=not-a-token",      (OK,    OK,    OK,    OK,    OK,    OK,    OK,     OK,     OK)),
    # the customer's pages ("staff are redirected to /staff"; "/data/<category> … staff: 403 page")
    ("/",                                      (NEXT,  OK,    OK,    OK,    OK,    HOME,  OK,     OK,     HOME)),
    *[(f"/data/{key}",                         (NEXT,  OK,    OK,    OK,    OK,    SHELL403, OK,   OK,     SHELL403))
      for key in CATEGORIES],
    ("/data/no-such-category",                 (LOGIN, NF,    NF,    NF,    NF,    SHELL403, NF,   NF,     SHELL403)),
    # staff on /consents, /exports (and /withdraw, /support-access below): docs/qa.md does not say; the pages answer
    # 200 with one line saying staff have nothing there and nothing else (NOTE), which this matrix holds them to
    ("/consents",                              (NEXT,  OK,    OK,    OK,    OK,    NOTE,  OK,     OK,     NOTE)),
    ("/exports",                               (NEXT,  OK,    OK,    OK,    OK,    NOTE,  OK,     OK,     NOTE)),
    ("/requests",                              (NEXT,  OK,    OK,    OK,    OK,    SHELL403, OK,   OK,     SHELL403)),
    # "an id that is not theirs is a 404" (the same 404 as a missing id)
    ("/requests/{req_ada}",                    (NEXT,  OK,    NF,    NF,    NF,    SHELL403, NF,   NF,     SHELL403)),
    ("/requests/{req_grace}",                  (NEXT,  NF,    OK,    NF,    NF,    SHELL403, NF,   NF,     SHELL403)),
    ("/requests/{req_linus}",                  (NEXT,  NF,    NF,    OK,    NF,    SHELL403, NF,   OK,     SHELL403)),
    ("/requests/{req_margaret}",               (NEXT,  NF,    NF,    NF,    OK,    SHELL403, OK,   NF,     SHELL403)),
    ("/requests/{missing}",                    (NEXT,  NF,    NF,    NF,    NF,    SHELL403, NF,   NF,     SHELL403)),
    ("/activity",                              (NEXT,  OK,    OK,    OK,    OK,    SHELL403, OK,   OK,     SHELL403)),
    # refused while acting (paths._FORBIDDEN_WHILE_ACTING); staff see a note on the customer-only ones
    ("/withdraw",                              (NEXT,  OK,    OK,    OK,    OK,    NOTE,  ACTING, ACTING, NOTE)),
    ("/support-access",                        (NEXT,  OK,    OK,    OK,    OK,    NOTE,  ACTING, ACTING, NOTE)),
    ("/account",                               (NEXT,  OK,    OK,    OK,    OK,    OK,    ACTING, ACTING, OK)),
    # export downloads: "only in the session of the customer who asked for it"; signed out: 303 to /login
    ("/exports/{exp_ada}/download?token={link_ada}",
                                               (LOGIN, ZIP,   DL403, DL403, DL403, DL403, DL403,  DL403,  DL403)),
    ("/exports/{exp_grace}/download?token={link_grace}",
                                               (LOGIN, DL403, ZIP,   DL403, DL403, DL403, DL403,  DL403,  DL403)),
    # linus's own link, opened by the agent acting for him: support staff never download a customer's export
    ("/exports/{exp_linus}/download?token={link_linus}",
                                               (LOGIN, DL403, DL403, ZIP,   DL403, DL403, DL403,  DL403,  DL403)),
    # grace's token on ada's export id, a forged token, no token, a missing export
    ("/exports/{exp_ada}/download?token={link_grace}",
                                               (LOGIN, DL403, DL403, DL403, DL403, DL403, DL403,  DL403,  DL403)),
    ("/exports/{exp_ada}/download?token=not-a-token",
                                               (LOGIN, DL403, DL403, DL403, DL403, DL403, DL403,  DL403,  DL403)),
    ("/exports/{exp_ada}/download",            (LOGIN, DL403, DL403, DL403, DL403, DL403, DL403,  DL403,  DL403)),
    ("/exports/{missing}/download?token={link_ada}",
                                               (LOGIN, DL403, DL403, DL403, DL403, DL403, DL403,  DL403,  DL403)),
    # the staff console ("agents and privacy officers; customers get the 403 page"; acting: refused)
    ("/staff",                                 (NEXT,  STAFF, STAFF, STAFF, STAFF, OK,    ACTING, ACTING, OK)),
    ("/staff/requests/{req_ada}",              (NEXT,  STAFF, STAFF, STAFF, STAFF, OK,    ACTING, ACTING, OK)),
    ("/staff/requests/{req_grace}",            (NEXT,  STAFF, STAFF, STAFF, STAFF, OK,    ACTING, ACTING, OK)),
    ("/staff/requests/{missing}",              (NEXT,  STAFF, STAFF, STAFF, STAFF, NF,    ACTING, ACTING, NF)),
    ("/staff/outbox",                          (NEXT,  STAFF, STAFF, STAFF, STAFF, OK,    ACTING, ACTING, OK)),
    ("/staff/notices",                         (NEXT,  STAFF, STAFF, STAFF, STAFF, OK,    ACTING, ACTING, OK)),
    ("/staff/audit",                           (NEXT,  STAFF, STAFF, STAFF, STAFF, NO_AUDIT, ACTING, ACTING, AUDIT)),
    ("/staff/audit.csv?subject=1",             (LOGIN, STAFF, STAFF, STAFF, STAFF, OFFICER, ACTING, ACTING, CSV)),
    ("/staff/customers",                       (NEXT,  STAFF, STAFF, STAFF, STAFF, OK,    ACTING, ACTING, OK)),
    # addresses that lead nowhere ("any other address … 404 Page not found"; signed out: /login)
    ("/no-such-page",                          (LOGIN, NF,    NF,    NF,    NF,    NF,    NF,     NF,     NF)),
    ("/staff/no-such-page",                    (LOGIN, STAFF, STAFF, STAFF, STAFF, NF,    ACTING, ACTING, NF)),
]
# fmt: on
MISSING_ID = 999_999_999


@dataclass
class World:
    clients: dict[str, httpx.Client]
    values: dict[str, str]
    names: dict[str, str]  # principal → display name of the customer whose pages it sees

    def path(self, template: str) -> str:
        return template.format(**self.values)


def _start_acting(portal: RunningPortal, customer_id: int) -> httpx.Client:
    client = portal.sign_in("agent@example.com")
    match = CSRF.search(client.get("/staff/customers").text)
    assert match, "the agent's /staff/customers page carries its form token"
    response = client.post(
        "/auth/impersonate/start",
        data={"csrf": match.group(1), "customer_id": str(customer_id), "reason": "route matrix"},
    )
    assert (response.status_code, response.headers.get("location")) == (303, "/"), "the agent starts acting"
    return client


@pytest.fixture(scope="module")
def world(portal: RunningPortal) -> Iterator[World]:
    portal.reset()  # the demo state: tests before this module may have left their changes
    made = prepare_on(portal.env)
    ids: dict[str, int] = made["ids"]  # type: ignore[assignment]
    values = {"missing": str(MISSING_ID)}
    values.update({f"req_{k}": str(v) for k, v in made["requests"].items()})  # type: ignore[attr-defined]
    values.update({f"exp_{k}": str(v) for k, v in made["exports"].items()})  # type: ignore[attr-defined]
    values.update({f"link_{k}": str(v).split("token=", 1)[1] for k, v in made["links"].items()})  # type: ignore[attr-defined]
    clients: dict[str, httpx.Client] = {}
    try:
        clients["anon"] = httpx.Client(base_url=portal.url, follow_redirects=False, timeout=30)
        for name in (*CUSTOMERS, "agent", "dpo"):
            clients[name] = portal.sign_in(f"{name}@example.com")
        for principal, customer in ACTING_AS.items():
            clients[principal] = _start_acting(portal, ids[customer])
        names = {
            row[0].split("@")[0]: row[1]
            for row in portal.query("SELECT email, display_name FROM account WHERE role = 'customer'")
        }
        names.update({principal: names[customer] for principal, customer in ACTING_AS.items()})
        yield World(clients, values, names)
    finally:
        for client in clients.values():
            with suppress(Exception):
                client.close()


def _testids(html: str) -> set[str]:
    return set(TESTIDS.findall(html))


def _error_title(response: httpx.Response) -> str | None:
    match = ERROR_TITLE.search(response.text)
    return match.group(1) if match else None


def check(expected: str, response: httpx.Response, path: str, principal: str, world: World) -> None:
    status, location = response.status_code, response.headers.get("location")
    got = f"{status} {location or ''} {_error_title(response) or ''}".strip()
    what = f"GET {path} as {principal}: expected {expected!r}, got {got!r}"
    if expected.startswith("303"):
        target = {HOME: "/staff", LOGIN: "/login", NEXT: "/login?next=" + quote(path, safe="")}[expected]
        assert (status, location) == (303, target), what
        return
    expected_status = int(expected.split()[0])
    assert status == expected_status, what
    ids = _testids(response.text)
    title = _error_title(response)
    if expected == ZIP:
        assert response.headers.get("content-type") == "application/zip" and response.content[:2] == b"PK", what
        return
    if expected == CSV:
        assert response.headers.get("content-type", "").startswith("text/csv"), what
        assert response.text.startswith("seq,time_utc,action,"), what
        return
    # The JSON answers, the same for all: health, the signing keys and the export schema.
    json_routes = ("/healthz", "/.well-known/portal-signing-keys.json", "/.well-known/portal-export-schema.json")
    assert response.headers.get("content-type", "").startswith("text/html") or path in json_routes, what
    assert response.content[:2] != b"PK", what
    if expected == STAFF:
        assert title == "Not allowed" and "This part of the portal is for staff only." in response.text, what
    elif expected == OFFICER:
        assert title == "Not allowed" and "privacy officers only" in response.text, what
    elif expected == ACTING:
        assert {"problem", "impersonation-banner", "impersonation-stop"} <= ids and title is None, what
        assert "Not while acting as a customer" in response.text, what
    elif expected == DL403:
        assert title is not None and title.startswith("Download"), what
    elif expected in (SHELL403, NF):
        assert "problem" in ids and title is None, what
    elif expected == NOTE:
        base = urlsplit(path).path
        assert STAFF_NOTES[base] in response.text, what
        assert not ids & {"consent-history-table", "export-chooser", "withdraw-submit", "support-grant-new"}, what
    elif expected == AUDIT:
        assert "audit-card" in ids and "audit-denied" not in ids, what
    elif expected == NO_AUDIT:
        assert "audit-denied" in ids and "audit-card" not in ids, what
    if expected == OK and principal in world.names and CUSTOMER_PAGES.match(urlsplit(path).path):
        # whose page it is: the header names the customer (for an acting agent, the customer acted for) …
        own = world.names[principal]
        assert own in response.text, f"{what}: the page does not name {own}"
        # … and no other customer appears anywhere on it
        others = {n for p, n in world.names.items() if p in CUSTOMERS and n != own}
        leaked = [n for n in others if n in response.text]
        assert not leaked, f"{what}: the page shows {leaked}"


CASES = [
    pytest.param(template, principal, outcomes[index], id=f"{template}-{principal}")
    for template, outcomes in MATRIX
    for index, principal in enumerate(PRINCIPALS)
]


@pytest.mark.parametrize(("template", "principal", "expected"), CASES)
def test_route_matrix(world: World, template: str, principal: str, expected: str) -> None:
    path = world.path(template)
    check(expected, world.clients[principal].get(path), path, principal, world)


def test_the_matrix_is_well_formed() -> None:
    assert all(len(outcomes) == len(PRINCIPALS) for _, outcomes in MATRIX)
    templates = [template for template, _ in MATRIX]
    assert len(templates) == len(set(templates)), "a row is listed twice"


def _pattern(template: str) -> re.Pattern[str]:
    """`/data/{key}` (FastAPI) or `/data/<category>` (docs/qa.md) as a regex over a concrete path."""
    parts = re.split(r"(\{[^}]+\}|<[^>]+>)", template)
    return re.compile("^" + "".join("[^/]+" if p[:1] in "{<" else re.escape(p) for p in parts if p) + "$")


def _matrix_paths() -> list[str]:
    sample = {"missing": "1", **{f"{kind}_{name}": "1" for kind in ("req", "exp", "link") for name in CUSTOMERS}}
    return [urlsplit(template.format(**sample)).path for template, _ in MATRIX]


def test_every_get_route_of_the_app_is_in_the_matrix() -> None:
    """A page added to the portal must get its row here (and its line in docs/qa.md)."""
    paths = _matrix_paths()
    missing = [
        route
        for route, methods in app_routes().items()
        if "GET" in methods and not any(_pattern(route).match(p) for p in paths)
    ]
    assert not missing, f"GET routes the matrix does not cover: {missing}"


def test_every_documented_page_is_in_the_matrix() -> None:
    documented = [path for method, path in documented_routes() if method == "GET"]
    assert len(documented) >= 20, f"docs/qa.md's Routes table was not read: {documented}"
    paths = _matrix_paths()
    missing = [route for route in documented if not any(_pattern(route).match(p) for p in paths)]
    assert not missing, f"routes in docs/qa.md the matrix does not cover: {missing}"


# --- object-level checks on the POST that starts acting -------------------------------------------------------


def _form_token(client: httpx.Client, page: str) -> str:
    match = CSRF.search(client.get(page).text)
    assert match, f"{page} carries a form token"
    return match.group(1)


def _support_sessions(portal: RunningPortal) -> int:
    return int(portal.query("SELECT count(*) FROM support_session")[0][0])


@pytest.mark.parametrize(
    ("who", "customer"),
    [
        ("agent@example.com", "grace"),  # an agent, but grace has granted nothing
        ("dpo@example.com", "linus"),  # the privacy officer looks only, even where a grant exists
        ("ada@example.com", "linus"),  # a customer is no agent
    ],
)
def test_acting_is_refused_without_an_agent_and_a_grant(
    world: World, portal: RunningPortal, who: str, customer: str
) -> None:
    customer_id = portal.query("SELECT id FROM account WHERE email = ?", f"{customer}@example.com")[0][0]
    with closing(portal.sign_in(who)) as client:
        token = _form_token(client, "/account")
        before = _support_sessions(portal)
        response = client.post(
            "/auth/impersonate/start", data={"csrf": token, "customer_id": str(customer_id), "reason": "route matrix"}
        )
        assert response.status_code == 303, response.text
        assert response.headers["location"] in ("/staff/customers?error=refused", "/staff/customers?error=customer")
        assert "set-cookie" not in response.headers or "portal_session" not in response.headers["set-cookie"]
        assert _support_sessions(portal) == before
        home = client.get("/")  # still their own session: staff go to the queue, ada sees her own overview
        if who.startswith("ada"):
            assert home.status_code == 200 and world.names["ada"] in home.text
            assert world.names[customer] not in home.text
        else:
            assert (home.status_code, home.headers.get("location")) == (303, "/staff")


def _customers_table(client: httpx.Client) -> str:
    """/staff/customers with its table in the HTML: NiceGUI sends a page early when something on it waits for the
    browser, and the table then arrives over the socket; a plain GET sees it on most tries."""
    for _ in range(40):
        page = client.get("/staff/customers")
        assert page.status_code == 200
        if "staff-customers-table" in _testids(page.text):
            return page.text
        time.sleep(0.05)
    raise AssertionError("/staff/customers never came with its table in the HTML")


def test_the_privacy_officer_is_shown_no_way_to_act(world: World) -> None:
    officer = _customers_table(world.clients["dpo"])
    assert "staff-customers-note" in _testids(officer)
    assert "/auth/impersonate/start" not in officer
    assert "/auth/impersonate/start" in _customers_table(world.clients["agent"])  # so the check above can fail


def test_an_acting_agent_cannot_start_acting_for_someone_else(world: World, portal: RunningPortal) -> None:
    client = world.clients["view"]  # acting as margaret
    linus = portal.query("SELECT id FROM account WHERE email = 'linus@example.com'")[0][0]
    token = _form_token(client, "/")
    before = _support_sessions(portal)
    response = client.post(
        "/auth/impersonate/start", data={"csrf": token, "customer_id": str(linus), "reason": "route matrix"}
    )
    assert (response.status_code, response.headers.get("location")) == (303, "/staff/customers?error=refused")
    assert _support_sessions(portal) == before
    still = client.get("/")
    assert still.status_code == 200 and world.names["margaret"] in still.text and world.names["linus"] not in still.text
