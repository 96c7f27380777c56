"""Nothing of a customer is left after their withdrawal (GDPR Art. 17): not in any column of any table, not in the
SQLite write-ahead log, not in any file under the data directory.

One demo world is built per module from the seeded template (the real SQLite file database, grace's 50,000 usage
events included) and lived in through the real services: each customer signs in and mistypes their password once,
has an export built, a second export whose worker was killed half way (its partial ZIP is left beside the first),
a staff member's internal comment quoting their name, phone and street, a note to them (a notification and an
email), a deadline extension with a reason, a statement recorded and another rejected with a reason, a note of
their own, and a support agent who asked for access, was granted it with a ticket reference and is acting as them.

Then the customers withdraw one after the other (ada, grace, linus, margaret) through the real path: the
withdrawal request and `portal.jobs.inline.process_now`, as the withdraw page runs it. Before each withdrawal
the scan must find the customer's values in the database, in the files and in the export leftovers (so it cannot
pass by finding nothing anywhere); after it, it must find none of them, while every customer who has not withdrawn
yet is still found in full (the erasure is targeted). The values searched for come from portal/seed/people.py
(tests/utils/residue.py says which and in what written forms).

Takes about 15 seconds on a 2-core machine, most of it scanning grace's rows and the database file eight times.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlmodel import select

from portal.audit import Actor
from portal.config import get_settings
from portal.db import get_engine, session_scope
from portal.jobs import inline, register_all
from portal.models import ExportPackage, Role
from portal.queue import customer_side, staff_actions
from portal.queue.worker import Worker
from portal.seed.people import CUSTOMERS, DEMO_PASSWORD, CustomerSpec
from portal.services.identity import auth, passkeys
from portal.services.rights import erasure, exports, rectification
from portal.services.support_access import support, support_acting
from tests.utils.environment import copy_template, reset_portal_caches, use_data_dir
from tests.utils.principals import AGENT, DPO, principal_for, session_token_for
from tests.utils.residue import Findings, Traces, scan_database, scan_files
from tests.utils.soft_authenticator import SoftAuthenticator

# One world for the module, withdrawn from customer by customer: the tests run in one worker, in order.
pytestmark = pytest.mark.xdist_group("erasure-residue")

EXPORTED = ["identity", "financial", "transaction", "technical"]  # usage holds no personal values; grace's is large


@dataclass
class World:
    data_dir: Path
    everyone: list[Traces]
    open_requests: dict[int, int]  # customer id -> a request of theirs that staff still work on
    erased: set[int] = field(default_factory=set)

    def scan(self) -> tuple[Findings, Findings]:
        return scan_database(get_engine(), self.everyone), scan_files(self.data_dir, self.everyone)


@pytest.fixture(scope="module")
def world(seeded_template: Path | str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    if not isinstance(seeded_template, Path):
        pytest.skip("scans SQLite's files (the database, its write-ahead log); PostgreSQL's dead rows: operators.md")
    data_dir = copy_template(seeded_template, tmp_path_factory.mktemp("residue") / "data")
    use_data_dir(data_dir)
    register_all()
    open_requests = {spec.id: _live_a_little(spec) for spec in CUSTOMERS}
    yield World(data_dir, [Traces.of(spec) for spec in CUSTOMERS], open_requests)
    reset_portal_caches()


FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


def _live_a_little(spec: CustomerSpec) -> int:
    """Some months of a customer's life in the portal, written through the real services. Returns the request
    staff still work on (the export whose build was killed)."""
    customer, name = principal_for(spec.id), spec.identity.full_name
    phone, street = spec.identity.phone, spec.identity.street
    agent, officer = Actor(account_id=AGENT, role=Role.AGENT.value), Actor(account_id=DPO, role=Role.DPO.value)
    settings, engine = get_settings(), get_engine()
    with session_scope() as session:  # a sign-in, then a mistyped password from one of the customer's networks
        for password in (DEMO_PASSWORD, "not-the-password"):
            auth.login(
                session=session,
                settings=settings,
                email=spec.email,
                password=password,
                client=spec.ipv4[0],
                browser=auth.Browser(
                    f"browser-of-{spec.id:04d}-cookie", "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"
                ),
            )
    device = SoftAuthenticator()  # a passkey named after its owner (the name is the customer's own words)
    ceremony = passkeys.registration_options(customer)
    passkeys.register(
        customer,
        challenge=ceremony.challenge,
        credential=device.register(ceremony.options_json),
        name=f"{name}'s phone",
    )

    built = exports.request_export(customer, categories=EXPORTED, formats=["json", "html"], idempotency_key="built")
    worker = Worker(engine, name=f"worker-{spec.id}")
    assert worker.claim_specific(built)
    worker.process(built)
    with session_scope() as session:
        package = session.exec(select(ExportPackage).where(ExportPackage.request_id == built)).one()
        zip_bytes = (settings.export_dir / str(package.file_name)).read_bytes()
    # The second export's worker was killed (SIGKILL) two thirds of the way through writing: the request stays
    # claimed and its partial ZIP (no central directory) stays in the export directory, unlocked.
    crashed = exports.request_export(customer, categories=EXPORTED, formats=["json", "html"], idempotency_key="crash")
    assert Worker(engine, name=f"killed-{spec.id}").claim_specific(crashed)
    partial = settings.export_dir / f".partial-export-{crashed}-{spec.id:016x}.zip"
    partial.write_bytes(zip_bytes[: len(zip_bytes) * 2 // 3])

    with session_scope() as session:  # the staff's side of those requests
        text = f"INTERNAL: {name} rang from {phone} about {street}"
        staff_actions.comment(session, request_id=crashed, actor=agent, text=text, to_customer=False)
        text = f"Dear {name}, your export is ready; we also sent it to {spec.email}."
        staff_actions.comment(session, request_id=built, actor=agent, text=text, to_customer=True)
        reason = f"{name} asked us to wait for a letter to {street}"
        staff_actions.extend(session, request_id=crashed, actor=officer, months=1, reason=reason)
        customer_side.note_from_customer(
            session, customer_id=spec.id, request_id=crashed, actor=customer.actor(), text=f"Call me on {phone}"
        )

    statement = f"I moved to {street} in 2019; please correct the old address."
    kept = rectification.add_statement(
        customer, kind="identity_profile", record_id=spec.id, field="street", statement=statement, idempotency_key="a"
    )
    assert worker.claim_specific(kept)
    worker.process(kept)
    refused = rectification.add_statement(
        customer, kind="identity_profile", record_id=spec.id, field="phone", statement=phone, idempotency_key="b"
    )
    with session_scope() as session:
        reason = f"{name} already told us by phone from {phone}"
        staff_actions.reject(session, request_id=refused, actor=officer, reason=reason)

    # Support: an agent asks, the customer grants help with a ticket reference, the agent acts as the customer.
    support_acting.ask_for_access(principal_for(AGENT), spec.id, reason=f"{name} rang about {street}")
    support.grant_access(customer, duration="1h", scope="help", ticket_ref=f"Ticket 4711 {name}")
    support_acting.start_acting(
        settings=settings, agent_token=session_token_for(AGENT), customer_id=spec.id, reason=f"Call from {phone}"
    )
    return crashed


@pytest.mark.parametrize("spec", CUSTOMERS, ids=lambda spec: spec.username)
def test_nothing_of_the_customer_is_left_after_withdrawal(world: World, spec: CustomerSpec) -> None:
    with session_scope() as session:  # minutes before the withdrawal: so it is still in the write-ahead log
        text = f"INTERNAL: {spec.identity.full_name} rang again from {spec.identity.phone}, wants to withdraw"
        agent = Actor(account_id=AGENT, role=Role.AGENT.value)
        staff_actions.comment(
            session, request_id=world.open_requests[spec.id], actor=agent, text=text, to_customer=False
        )
    database, files = world.scan()
    # The scan can fail: before the withdrawal it finds the customer's values in the tables the erasure must clean,
    # in the database file and its write-ahead log, and in both export files.
    found = "\n".join(database.of(spec.id) + files.of(spec.id))
    for table in ("identity_profile", "request_event.message", "privacy_request.payload", "support_session.reason"):
        assert database.of(spec.id, under=table), f"nothing found in {table} before the withdrawal:\n{found}"
    assert database.of(spec.id, under="login_failure.key_hash"), found
    assert files.of(spec.id, under="portal.db "), found
    assert files.of(spec.id, under="portal.db-wal "), found
    assert files.of(spec.id, under="exports/export-"), found
    assert files.of(spec.id, under="exports/.partial-export-"), found

    request_id = erasure.request_withdrawal(
        principal_for(spec.id), password=DEMO_PASSWORD, confirmed=True, idempotency_key=f"withdraw-{spec.id}"
    )
    assert inline.process_now(request_id, timeout=60), "the erasure runs at once and hands back its receipt"
    world.erased.add(spec.id)

    database, files = world.scan()
    left = "\n".join(database.of(spec.id) + files.of(spec.id))
    assert left == "", f"{spec.display_name}'s values are still here after the withdrawal:\n{left}"
    for other in world.everyone:
        if other.customer_id in world.erased:
            assert database.of(other.customer_id) == files.of(other.customer_id) == [], "an erasure stays done"
        else:  # targeted: the others keep their data, their exports and even their own leftovers
            assert database.of(other.customer_id, under="request_event.message"), other.customer_id
            assert files.of(other.customer_id, under="exports/export-"), other.customer_id
            assert files.of(other.customer_id, under="exports/.partial-export-"), other.customer_id
    assert (world.data_dir / "portal.db-wal").is_file(), "the write-ahead log was scanned (truncated, not removed)"
