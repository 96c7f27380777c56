"""Art. 19 notices delivered for real (issue #20): the notice outbox POSTs signed notices to a recipient's HTTP
server, which checks them with the reference verifier against the keys the running portal publishes; the recipient
answers through the portal's real acknowledgement callback.

One real portal process (demo data, no in-process worker, so nothing delivers behind the tests' back) serves the
published keys and the callback; the tests run the outbox in this process on the same database, with a clock they
move instead of sleeping through back-offs.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import closing
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from portal.config import Settings, load_settings
from portal.db import get_engine, make_engine
from portal.jobs.runtime import WorkerPool
from portal.models import AuditEvent, RecipientEndpoint, RecipientNotice
from portal.services.recipients import endpoints
from portal.services.recipients.delivery import deliver_due
from portal.signing import SignatureInvalid
from portal.signing.keys import keys_from_jwks
from portal.signing.webhooks import NoticeReplayed, verify_notice
from tests.e2e.smtp_server import MailServer
from tests.security.conftest import COMMAND, REPO_ROOT, RunningPortal, start_portal, stop
from tests.utils.clock import ManualClock
from tests.utils.environment import TEST_SECRET, reset_portal_caches
from tests.utils.recipient_server import RecipientServer

ADA = 1


@pytest.fixture(scope="module")
def running_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPortal]:
    mail = MailServer().start()
    portal = start_portal(tmp_path_factory.mktemp("notice-portal"), mail, PORTAL_RUN_WORKER="false")
    with pytest.MonkeyPatch.context() as patch:  # this process works on the portal's database and signing keys
        for name, value in {
            "PORTAL_DATA_DIR": str(portal.data_dir),
            "PORTAL_MODE": "demo",
            "PORTAL_SECRET_KEY": TEST_SECRET,
        }.items():
            patch.setenv(name, value)
        reset_portal_caches()
        yield portal
    reset_portal_caches()
    stop(portal)
    mail.stop()


@pytest.fixture
def engine(running_portal: RunningPortal) -> Engine:
    engine = get_engine()
    with Session(engine) as session:  # each test starts with no notices and no endpoints
        session.exec(delete(RecipientNotice))  # type: ignore[call-overload]
        session.exec(delete(RecipientEndpoint))  # type: ignore[call-overload]
        session.commit()
    return engine


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def keys(running_portal: RunningPortal) -> dict[str, Any]:
    """The portal's public keys as a recipient gets them: from the published JWK set."""
    published = httpx.get(f"{running_portal.url}/.well-known/portal-signing-keys.json", timeout=10)
    assert published.status_code == 200
    return keys_from_jwks(published.json())


@pytest.fixture
def recipient(keys: dict[str, Any], clock: ManualClock) -> Iterator[RecipientServer]:
    server = RecipientServer(keys, lambda: clock.now.timestamp()).start()
    yield server
    server.stop()


def settings_for(portal: RunningPortal, **extra: str) -> Settings:
    return load_settings(
        env={
            "PORTAL_DATA_DIR": str(portal.data_dir),
            "PORTAL_MODE": "demo",
            "PORTAL_SECRET_KEY": TEST_SECRET,
            "PORTAL_BASE_URL": portal.url,
            **extra,
        }
    )


def set_endpoint(engine: Engine, recipient: str, url: str) -> str:
    with Session(engine) as session:
        token = endpoints.set_endpoint(session=session, recipient=recipient, url=url)
        session.commit()
    return token


def add_notice(engine: Engine, clock: ManualClock, recipient: str = "payments", ref: str = "SO-100006") -> str:
    notice_id = str(uuid.uuid4())
    body = {
        "id": notice_id,
        "type": "art19.erasure",
        "issued_at": clock.now.isoformat(),
        "controller": "Example Electronics Ltd",
        "recipient": recipient,
        "customer_ref": f"cust-{recipient}-7f3a",
        "records": [{"kind": "order", "refs": [ref]}],
        "instructions": "Erase these records, or tell us you do not hold them.",
        "respond_by": (clock.now + timedelta(days=30)).date().isoformat(),
        "acknowledge_path": f"/recipients/notices/{notice_id}/ack",
    }
    with Session(engine) as session:
        session.add(
            RecipientNotice(
                id=notice_id,
                request_id=1,
                customer_id=ADA,
                recipient=recipient,
                action="erasure",
                body=body,
                channel="webhook",
                status="pending",
                created_at=clock.now,
                due_at=clock.now + timedelta(days=30),
                next_attempt_at=clock.now,
            )
        )
        session.commit()
    return notice_id


def notice(engine: Engine, notice_id: str) -> RecipientNotice:
    with Session(engine) as session:
        found = session.get(RecipientNotice, notice_id)
        assert found is not None
        return found


# --- delivery ---------------------------------------------------------------------------------------------------------


def test_a_notice_is_delivered_signed_and_the_recipient_verifies_it(
    running_portal: RunningPortal, engine: Engine, clock: ManualClock, recipient: RecipientServer
) -> None:
    set_endpoint(engine, "payments", recipient.url)
    notice_id = add_notice(engine, clock)
    assert deliver_due(engine, settings_for(running_portal), now=clock.now) == 1
    assert recipient.processed_ids() == [notice_id] and not recipient.refusals
    headers, body = recipient.requests[0]
    assert body == json.dumps(notice(engine, notice_id).body, sort_keys=True, separators=(",", ":")).encode()
    assert headers["Content-Type"] == "application/json" and headers["Portal-Notice-Id"] == notice_id
    assert headers["Portal-Timestamp"] == str(int(clock.now.timestamp()))
    assert headers["Portal-Signature"].startswith("ed25519;kid=")
    assert headers["Portal-Acknowledge-Url"] == f"{running_portal.url}/recipients/notices/{notice_id}/ack"
    row = notice(engine, notice_id)
    assert (row.status, row.attempts, row.delivered_at, row.last_error) == ("delivered", 1, clock.now, None)
    assert deliver_due(engine, settings_for(running_portal), now=clock.advance(timedelta(hours=1))) == 0
    assert len(recipient.requests) == 1, "a delivered notice is not sent again"


@pytest.mark.parametrize(
    "forge",
    [
        "body tampered",
        "id header of another notice",
        "timestamp moved",
        "signature missing",
        "unknown key",
        "signed ten minutes ago",
    ],
)
def test_the_verifier_refuses_what_the_portal_did_not_send_as_it_is(
    running_portal: RunningPortal,
    engine: Engine,
    clock: ManualClock,
    recipient: RecipientServer,
    keys: dict[str, Any],
    forge: str,
) -> None:
    set_endpoint(engine, "payments", recipient.url)
    add_notice(engine, clock)
    deliver_due(engine, settings_for(running_portal), now=clock.now)
    headers, body = recipient.requests[0]
    now = clock.now.timestamp()
    headers, used_keys = dict(headers), dict(keys)
    if forge == "body tampered":
        body = body.replace(b"SO-100006", b"SO-100007")
    elif forge == "id header of another notice":
        headers["Portal-Notice-Id"] = str(uuid.uuid4())
    elif forge == "timestamp moved":
        headers["Portal-Timestamp"] = str(int(headers["Portal-Timestamp"]) + 1)
    elif forge == "signature missing":
        del headers["Portal-Signature"]
    elif forge == "unknown key":
        used_keys = {}
    else:
        now += 600
    with pytest.raises(SignatureInvalid) as refused:
        verify_notice(headers, body, used_keys, now=now, seen=set())
    assert not isinstance(refused.value, NoticeReplayed)


def test_a_tampered_notice_is_refused_by_the_recipient_and_retried_genuine(
    running_portal: RunningPortal, engine: Engine, clock: ManualClock, recipient: RecipientServer
) -> None:
    """Altered on the way (the same length, another order number): the recipient refuses it and processes nothing;
    the portal counts a failed attempt and the next, untouched attempt is processed."""

    class Tamper(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            forged = request.read().replace(b"SO-100006", b"SO-100007")
            return super().handle_request(
                httpx.Request(request.method, request.url, headers=request.headers, content=forged)
            )

    set_endpoint(engine, "payments", recipient.url)
    notice_id = add_notice(engine, clock)
    settings = settings_for(running_portal)
    with httpx.Client(transport=Tamper(), timeout=5) as tampering:
        assert deliver_due(engine, settings, now=clock.now, client=tampering) == 0
    assert recipient.processed_ids() == [] and recipient.refusals == [
        "the signature does not match the body, id and timestamp received"
    ]
    row = notice(engine, notice_id)
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "HTTP 400")
    assert deliver_due(engine, settings, now=clock.advance_to(row.next_attempt_at or clock.now)) == 1
    assert recipient.processed_ids() == [notice_id]


def test_a_replayed_notice_is_answered_but_not_processed_twice(
    running_portal: RunningPortal, engine: Engine, clock: ManualClock, recipient: RecipientServer, keys: dict[str, Any]
) -> None:
    set_endpoint(engine, "payments", recipient.url)
    notice_id = add_notice(engine, clock)
    deliver_due(engine, settings_for(running_portal), now=clock.now)
    headers, body = recipient.requests[0]
    replay = httpx.post(recipient.url, content=body, headers=headers, timeout=5)
    assert replay.status_code == 200 and replay.text == "already processed"
    assert recipient.processed_ids() == [notice_id] and recipient.replays == 1
    with pytest.raises(NoticeReplayed):
        verify_notice(headers, body, keys, now=clock.now.timestamp(), seen={notice_id})
    clock.advance(timedelta(minutes=10))  # later, outside the window: refused before the id is even looked at
    stale = httpx.post(recipient.url, content=body, headers=headers, timeout=5)
    assert stale.status_code == 400 and "more than 300 s away" in stale.text
    assert recipient.processed_ids() == [notice_id]


def test_an_endpoint_that_is_down_gets_the_notice_with_back_off_when_it_returns(
    running_portal: RunningPortal, engine: Engine, clock: ManualClock, recipient: RecipientServer
) -> None:
    recipient.stop()  # down: nothing listens on its port
    set_endpoint(engine, "payments", recipient.url)
    notice_id = add_notice(engine, clock)
    settings = settings_for(
        running_portal, PORTAL_NOTICE_RETRY_BASE_SECONDS="30", PORTAL_NOTICE_RETRY_MAX_SECONDS="600"
    )
    waits = []
    for attempt in range(1, 7):
        assert deliver_due(engine, settings, now=clock.now) == 0
        row = notice(engine, notice_id)
        assert (row.status, row.attempts) == ("pending", attempt)
        assert row.last_error and "ConnectError" in row.last_error
        assert row.next_attempt_at is not None
        waits.append(int((row.next_attempt_at - clock.now).total_seconds()))
        assert deliver_due(engine, settings, now=clock.advance(timedelta(seconds=waits[-1] - 1))) == 0, "not yet due"
        assert notice(engine, notice_id).attempts == attempt
        clock.advance_to(row.next_attempt_at)
    assert waits == [30, 60, 120, 240, 480, 600], "doubling from the base, capped"
    recipient.start()  # back, a day later at most: nothing was lost
    assert deliver_due(engine, settings, now=clock.now) == 1
    row = notice(engine, notice_id)
    assert (row.status, row.attempts, row.last_error) == ("delivered", 7, None)
    assert recipient.processed_ids() == [notice_id]


def test_an_endpoint_down_past_the_dead_letter_time_leaves_the_notice_dead(
    running_portal: RunningPortal, engine: Engine, clock: ManualClock, recipient: RecipientServer
) -> None:
    recipient.stop()
    set_endpoint(engine, "payments", recipient.url)
    notice_id = add_notice(engine, clock)
    created = clock.now
    settings = settings_for(running_portal, PORTAL_NOTICE_DEAD_AFTER_HOURS="72")
    rounds = 0
    while notice(engine, notice_id).status == "pending":
        deliver_due(engine, settings, now=clock.now)
        row = notice(engine, notice_id)
        if row.next_attempt_at is not None:
            assert clock.advance_to(row.next_attempt_at) - created < timedelta(hours=73)
        rounds += 1
        assert rounds < 200
    row = notice(engine, notice_id)
    assert row.status == "dead" and row.next_attempt_at is None and row.last_error
    assert clock.now - created >= timedelta(hours=72), "an endpoint down for a day loses nothing"
    assert row.attempts == rounds
    recipient.start()
    assert deliver_due(engine, settings, now=clock.advance(timedelta(days=1))) == 0
    assert recipient.requests == [], "a dead notice is not sent again: staff follow it up"


class _ProcessDied(BaseException):
    """What the deliverer's process would do at this point: stop, leaving its claim behind."""


class _DiesWhenSending(httpx.Client):
    def __init__(self, *, after_posting: bool) -> None:
        super().__init__(timeout=5)
        self.after_posting = after_posting

    def stream(self, *args: Any, **kwargs: Any) -> Any:
        if self.after_posting:
            with super().stream(*args, **kwargs):
                pass
        raise _ProcessDied


@pytest.mark.parametrize("after_posting", [False, True], ids=["before-posting", "after-posting"])
def test_a_deliverer_that_dies_mid_send_leaves_the_notice_delivered_once_later(
    running_portal: RunningPortal, engine: Engine, clock: ManualClock, recipient: RecipientServer, after_posting: bool
) -> None:
    set_endpoint(engine, "payments", recipient.url)
    notice_id = add_notice(engine, clock)
    settings = settings_for(running_portal)
    with _DiesWhenSending(after_posting=after_posting) as dying, pytest.raises(_ProcessDied):
        deliver_due(engine, settings, now=clock.now, client=dying)
    claimed = notice(engine, notice_id)
    assert claimed.status == "pending" and claimed.attempts == 0
    assert claimed.next_attempt_at is not None and claimed.next_attempt_at > clock.now, "still claimed"
    assert deliver_due(engine, settings, now=clock.advance(timedelta(seconds=30))) == 0, "the claim holds"
    assert deliver_due(engine, settings, now=clock.advance_to(claimed.next_attempt_at)) == 1
    row = notice(engine, notice_id)
    assert (row.status, row.attempts) == ("delivered", 1)
    assert recipient.processed_ids() == [notice_id], "processed exactly once"
    assert (len(recipient.requests), recipient.replays) == ((2, 1) if after_posting else (1, 0))


def test_two_deliverers_at_once_send_each_notice_once(
    running_portal: RunningPortal, engine: Engine, clock: ManualClock, recipient: RecipientServer
) -> None:
    """Two deliverers with engines of their own, as two worker processes have, started together."""
    set_endpoint(engine, "payments", recipient.url)
    set_endpoint(engine, "logistics", recipient.url)
    ids = {
        add_notice(engine, clock, recipient=key, ref=f"SO-1{n:05d}")
        for n in range(10)
        for key in ("payments", "logistics")
    }
    recipient.delay = 0.02
    settings = settings_for(running_portal)
    url = f"sqlite:///{running_portal.data_dir / 'portal.db'}"
    engines = [make_engine(url), make_engine(url)]
    start, sent = threading.Barrier(2), [0, 0]

    def run(index: int) -> None:
        start.wait()
        sent[index] = deliver_due(engines[index], settings, now=clock.now)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for each in engines:
        each.dispose()
    assert sum(sent) == len(ids) == 20
    assert sorted(recipient.processed_ids()) == sorted(ids) and len(recipient.requests) == 20
    assert recipient.replays == 0
    with Session(engine) as session:
        assert set(session.exec(select(RecipientNotice.status))) == {"delivered"}


def test_a_slow_endpoint_holds_up_only_itself_for_one_timeout(
    running_portal: RunningPortal, engine: Engine, clock: ManualClock, recipient: RecipientServer, keys: dict[str, Any]
) -> None:
    fast = RecipientServer(keys, lambda: clock.now.timestamp()).start()
    try:
        recipient.delay = 3.0
        set_endpoint(engine, "payments", recipient.url)
        set_endpoint(engine, "logistics", fast.url)
        slow_ids = [add_notice(engine, clock, "payments", f"SO-10000{n}") for n in range(3)]
        fast_ids = [add_notice(engine, clock, "logistics", f"SO-20000{n}") for n in range(3)]
        began = time.monotonic()
        assert deliver_due(engine, settings_for(running_portal, PORTAL_NOTICE_TIMEOUT_SECONDS="1"), now=clock.now) == 3
        assert time.monotonic() - began < 2.8, "one timeout of the slow endpoint, not one per notice"
        assert sorted(fast.processed_ids()) == sorted(fast_ids)
        rows = [notice(engine, i) for i in slow_ids]
        assert {r.status for r in rows} == {"pending"} and sorted(r.attempts for r in rows) == [0, 0, 1]
        assert [r.last_error for r in rows if r.attempts] == ["no answer within 1 s"]
    finally:
        fast.stop()


def test_the_worker_pool_delivers_notices_on_its_own(
    running_portal: RunningPortal, engine: Engine, keys: dict[str, Any]
) -> None:
    """Registered among the workers' maintenance: a running worker delivers a notice within a few seconds (real
    clock), in a thread of its own."""
    wall = RecipientServer(keys, time.time).start()
    pool = WorkerPool(settings_for(running_portal))
    try:
        set_endpoint(engine, "payments", wall.url)
        notice_id = add_notice(engine, ManualClock())
        pool.start()
        deadline = time.monotonic() + 30
        while notice(engine, notice_id).status != "delivered":
            assert time.monotonic() < deadline, "the worker did not deliver the notice"
            time.sleep(0.2)
        assert wall.processed_ids() == [notice_id]
    finally:
        pool.stop()
        wall.stop()


def test_plain_http_to_another_host_is_refused_with_a_clear_error(
    running_portal: RunningPortal, engine: Engine, clock: ManualClock
) -> None:
    with Session(engine) as session, pytest.raises(endpoints.EndpointRefused, match="use https"):
        endpoints.set_endpoint(session=session, recipient="payments", url="http://payments.example/art19")
    set_endpoint(engine, "payments", "https://payments.example/art19")
    with Session(engine) as session:  # changed behind the CLI's back: the outbox refuses it all the same
        endpoint = session.get(RecipientEndpoint, "payments")
        assert endpoint is not None
        endpoint.url = "http://payments.example/art19"
        session.add(endpoint)
        session.commit()
    notice_id = add_notice(engine, clock)
    assert deliver_due(engine, settings_for(running_portal), now=clock.now) == 0
    row = notice(engine, notice_id)
    assert row.status == "pending" and row.last_error is not None
    assert row.last_error.startswith("refused to send: plain http is allowed only to")


# --- acknowledgements through the portal's callback -------------------------------------------------------------------


def ack(portal: RunningPortal, notice_id: str, token: str | None, payload: Any, **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(
        f"{portal.url}/recipients/notices/{notice_id}/ack", json=payload, headers=headers, timeout=10, **kwargs
    )


def test_the_recipient_acknowledges_through_the_callback(
    running_portal: RunningPortal, engine: Engine, clock: ManualClock, recipient: RecipientServer
) -> None:
    token = set_endpoint(engine, "payments", recipient.url)
    notice_id = add_notice(engine, clock)
    deliver_due(engine, settings_for(running_portal), now=clock.now)
    [processed] = recipient.processed
    # Later, once the records are erased: the address is the portal's and the signed acknowledge_path.
    answer = httpx.post(
        running_portal.url + processed["acknowledge_path"],
        json={"answer": "done"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["answer"] == "done" and answer.json()["repeated"] is False
    assert "portal_session" not in answer.headers.get("set-cookie", "")
    row = notice(engine, notice_id)
    assert (row.status, row.answer, row.answer_note) == ("acknowledged", "done", None) and row.answered_at
    again = ack(running_portal, notice_id, token, {"answer": "done"})
    assert again.status_code == 200 and again.json()["repeated"] is True
    assert ack(running_portal, notice_id, token, {"answer": "not_held"}).status_code == 409
    assert notice(engine, notice_id).answer == "done"
    with Session(engine) as session:
        [event] = session.exec(
            select(AuditEvent).where(
                col(AuditEvent.action) == "recipient.notice_acknowledged", col(AuditEvent.target_id) == notice_id
            )
        )
    assert (event.actor_role, event.origin, event.subject_id) == ("system", "recipient:payments", ADA)


def test_only_the_notices_recipient_may_answer_it(
    running_portal: RunningPortal, engine: Engine, clock: ManualClock
) -> None:
    token = set_endpoint(engine, "payments", "https://payments.example/art19")
    other = set_endpoint(engine, "logistics", "https://logistics.example/art19")
    notice_id = add_notice(engine, clock)  # still pending: an answer is taken all the same
    wrong = ack(running_portal, notice_id, "x" * 43, {"answer": "done"})
    others = ack(running_portal, notice_id, other, {"answer": "done"})
    unknown = ack(running_portal, str(uuid.uuid4()), token, {"answer": "done"})
    assert wrong.status_code == others.status_code == unknown.status_code == 404
    assert wrong.json() == others.json() == unknown.json() == {"error": "no such notice for this token"}
    missing = ack(running_portal, notice_id, None, {"answer": "done"})
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    with closing(
        running_portal.sign_in("ada@example.com")
    ) as browser:  # a signed-in browser's cookies are no credential
        cookie = browser.post(f"/recipients/notices/{notice_id}/ack", json={"answer": "done"})
    assert cookie.status_code == 401
    assert notice(engine, notice_id).status == "pending"
    assert ack(running_portal, notice_id, token, {"answer": "done"}).status_code == 200


def test_a_refusal_needs_its_reason_which_stays_out_of_the_audit_trail(
    running_portal: RunningPortal, engine: Engine, clock: ManualClock
) -> None:
    token = set_endpoint(engine, "payments", "https://payments.example/art19")
    notice_id = add_notice(engine, clock)
    assert ack(running_portal, notice_id, token, {"answer": "refused"}).status_code == 422
    assert ack(running_portal, notice_id, token, {"answer": "refused", "reason": "  "}).status_code == 422
    assert ack(running_portal, notice_id, token, {"answer": "refused", "reason": "x" * 1001}).status_code == 422
    assert ack(running_portal, notice_id, token, {"answer": "maybe"}).status_code == 422
    assert ack(running_portal, notice_id, token, ["done"]).status_code == 400
    huge = ack(running_portal, notice_id, token, {"answer": "refused", "reason": "x" * 9000})
    assert huge.status_code == 413
    assert notice(engine, notice_id).answer is None
    reason = "Ada Lovelace's order must be kept for the tax audit (HGB §257)."
    answered = ack(running_portal, notice_id, token, {"answer": "refused", "reason": reason})
    assert answered.status_code == 200
    row = notice(engine, notice_id)
    assert (row.answer, row.answer_note) == ("refused", reason)
    with Session(engine) as session:
        details = session.exec(select(AuditEvent.details).where(col(AuditEvent.target_id) == notice_id)).all()
    assert details and "Ada" not in json.dumps(details) and "tax" not in json.dumps(details)


# --- the operators' command line --------------------------------------------------------------------------------------


def _cli(portal: RunningPortal, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, "recipients", *args], cwd=REPO_ROOT, env=portal.env, capture_output=True, text=True, timeout=120
    )


def test_operators_set_list_and_disable_endpoints(
    running_portal: RunningPortal, engine: Engine, clock: ManualClock, recipient: RecipientServer
) -> None:
    made = _cli(running_portal, "set-endpoint", "payments", recipient.url)
    assert made.returncode == 0, made.stderr
    token = made.stdout.rsplit(": ", 1)[1].strip()
    with Session(engine) as session:
        endpoint = session.get(RecipientEndpoint, "payments")
    assert endpoint is not None and endpoint.enabled and endpoint.url == recipient.url
    assert token not in endpoint.token_sha256 and endpoints.token_digest(token) == endpoint.token_sha256
    unknown = _cli(running_portal, "set-endpoint", "nobody", recipient.url)
    assert unknown.returncode == 1 and "no recipient 'nobody'" in unknown.stderr
    plain = _cli(running_portal, "set-endpoint", "payments", "http://payments.example/art19")
    assert plain.returncode == 1 and "use https" in plain.stderr
    answered, _delivered = add_notice(engine, clock), add_notice(engine, clock)
    assert deliver_due(engine, settings_for(running_portal), now=clock.now) == 2
    assert ack(running_portal, answered, token, {"answer": "done"}).status_code == 200
    assert _cli(running_portal, "disable", "payments").returncode == 0
    waiting = add_notice(engine, clock)
    assert deliver_due(engine, settings_for(running_portal), now=clock.advance(timedelta(minutes=1))) == 0
    assert notice(engine, waiting).status == "pending", "a disabled endpoint's notices wait"
    listing = _cli(running_portal, "list")
    assert listing.returncode == 0, listing.stderr
    lines = {line.split()[0]: line for line in listing.stdout.splitlines()[1:]}
    assert f"{recipient.url} (disabled)" in lines["payments"]
    assert lines["payments"].split()[-5:] == ["1", "1", "1", "0", "0"]  # pending delivered acknowledged dead open
    assert "none: notices are tasks for staff" in lines["logistics"]
