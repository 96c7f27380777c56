"""Objects for the security suite's route × role matrix, made by the portal's own services on a running portal's database.

The suite talks to a separate portal process, so it cannot call the services in its own process (that would open
another database than the portal's, with other settings). Instead it runs this module in a child process with the
portal's environment (same `PORTAL_DATA_DIR`, same secret): `python -m tests.utils.route_matrix` files what the matrix
needs through the same service functions the pages call, waits for the portal's in-process worker to build the two
exports, and prints the ids and download links as one JSON object:

- `requests`: a restriction request each of ada and grace (`/requests/<id>`, `/staff/requests/<id>`);
- `exports`: an export each of ada and grace, built, with a download link made for its owner (`download_link`);
- `view_grant`: a "view only" grant from margaret (linus's seeded grant is "view and help").

Nothing here is reachable from the portal: it is test set-up, run only against a throw-away demo database.
"""

from __future__ import annotations

import json
import time
import uuid

from sqlmodel import select

from tests.utils.principals import ADA, GRACE, MARGARET, principal_for

EXPORT_WAIT_SECONDS = 60


def _wait_until_built(request_ids: list[int]) -> None:
    from portal.db import session_scope
    from portal.models import ExportPackage, PrivacyRequest

    deadline = time.monotonic() + EXPORT_WAIT_SECONDS
    while True:
        with session_scope() as session:
            statuses = {r.id: r.status for r in session.exec(
                select(PrivacyRequest).where(PrivacyRequest.id.in_(request_ids)))}  # type: ignore[union-attr]
            built = {p.request_id for p in session.exec(
                select(ExportPackage).where(ExportPackage.request_id.in_(request_ids))) if p.file_name}  # type: ignore[union-attr]
        if all(statuses.get(i) == "completed" and i in built for i in request_ids):
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"the portal's worker did not build the exports in time: {statuses}")
        time.sleep(0.2)


def prepare() -> dict[str, object]:
    from portal.queue.handlers import register_all
    from portal.services import exports, requests_view, support

    register_all()  # the request types, as the portal registers them at start-up
    people = {"ada": principal_for(ADA), "grace": principal_for(GRACE)}
    requests = {name: requests_view.file_restriction(p, kind="restriction", category="usage",
                                                     reason="route matrix", idempotency_key=f"matrix-{uuid.uuid4()}")
                for name, p in people.items()}
    export_ids = {name: exports.request_export(p, categories=["registration"], formats=["json"],
                                               idempotency_key=f"matrix-{uuid.uuid4()}")
                  for name, p in people.items()}
    _wait_until_built(list(export_ids.values()))
    links = {name: exports.download_link(people[name], export_id) for name, export_id in export_ids.items()}
    view_grant = support.grant_access(principal_for(MARGARET), duration="24h", scope="view", ticket_ref="matrix")
    return {"requests": requests, "exports": export_ids, "links": links, "view_grant": view_grant,
            "ids": {"ada": ADA, "grace": GRACE, "margaret": MARGARET}}


if __name__ == "__main__":
    print(json.dumps(prepare()))
