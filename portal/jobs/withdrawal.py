"""withdrawal requests: withdraw consent to processing, which the policy promises ends in deletion.

The policy says "immediately", so the withdraw page does not wait for a worker's turn: `process_now` claims the
request and runs this job in the page's own thread. Running a job is the jobs layer's business, not a service's.
"""

from __future__ import annotations

import time

from pydantic import BaseModel
from sqlmodel import select

from ..db import get_engine, session_scope
from ..models import DeletionReceipt, PrivacyRequest, RequestStatus
from ..queue.registry import JobContext, RequestType, register
from ..queue.worker import Worker
from ..services.rights.erasure import erase_customer


class WithdrawalPayload(BaseModel):
    confirmed: bool
    customer_id: int | None = None  # filled in by the handler, so a re-run still knows whom to erase


def _handle(context: JobContext) -> str:
    return erase_customer(context)


def register_types() -> None:
    register(
        RequestType(
            key="withdrawal",
            title="Withdrawal and deletion",
            payload=WithdrawalPayload,
            handler=_handle,
            long_running=True,
            description="Withdraw consent; your personal data is deleted at once.",
        )
    )


def process_now(request_id: int, *, timeout: float = 60) -> str | None:
    """Run the erasure at once and return the signed receipt. When a background worker (of this or another
    process) took the request first, wait until it completed: the receipt exists exactly when the request did."""
    worker = Worker(get_engine(), name=f"inline-withdrawal-{request_id}")
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
