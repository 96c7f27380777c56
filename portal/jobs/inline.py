"""Run one request at once, in the caller's thread, instead of waiting for a worker's turn.

An erasure the policy calls immediate (a withdrawal, or withdrawing a consent that deletes data) is claimed and
processed while the customer waits, and its signed receipt handed back. Running a job is the jobs layer's business,
not a service's."""

from __future__ import annotations

import time

from sqlmodel import select

from ..db import get_engine, session_scope
from ..models import DeletionReceipt, PrivacyRequest, RequestStatus
from ..queue.worker import Worker


def process_now(request_id: int, *, timeout: float = 60) -> str | None:
    """Run the erasure at once and return its signed receipt. When a background worker (of this or another
    process) took the request first, wait until it completed: the receipt exists exactly when the request did.
    None when it did not complete in time (the page then points to the request, which a worker finishes)."""
    worker = Worker(get_engine(), name=f"inline-{request_id}")
    if worker.claim_specific(request_id):
        worker.process(request_id)
    deadline = time.monotonic() + timeout
    pause = 0.05  # doubling up to half a second: done at once in the usual case, cheap while another worker runs
    while True:
        with session_scope() as session:
            receipt = session.exec(select(DeletionReceipt).where(DeletionReceipt.request_id == request_id)).first()
            request = session.get(PrivacyRequest, request_id)
            if receipt is not None and request is not None and request.status == RequestStatus.COMPLETED.value:
                return receipt.document
        if time.monotonic() >= deadline:
            return None
        time.sleep(pause)
        pause = min(pause * 2, 0.5)
