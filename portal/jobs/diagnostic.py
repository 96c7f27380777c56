"""A queue self-test request: staff and benchmarks file it to prove the queue end to end.

Its handler notes one timeline event, written in the completing transaction, so counting those events shows
whether each request was completed exactly once (see the concurrency test and bench/queue.py)."""

from __future__ import annotations

import time

from pydantic import BaseModel, Field

from ..i18n import N_
from ..queue.registry import JobContext, RequestType, register


class DiagnosticPayload(BaseModel):
    label: str = Field(default="self-test", max_length=80)
    fail_times: int = Field(default=0, ge=0, le=10)  # fail this many attempts first (to exercise retries)
    # Work this long under the lease (to let a test catch a worker mid-job, however fast the queue gets).
    hold_ms: int = Field(default=0, ge=0, le=2000)


def _handle(context: JobContext) -> str:
    payload = DiagnosticPayload.model_validate(context.request.payload)
    if context.request.attempts <= payload.fail_times:
        raise RuntimeError(f"diagnostic failure {context.request.attempts} of {payload.fail_times}")
    if payload.hold_ms:
        time.sleep(payload.hold_ms / 1000)
    context.note("diagnostic effect")
    return "Diagnostic request processed"


def register_types() -> None:
    register(
        RequestType(
            key="diagnostic",
            title=N_("Queue self-test"),
            payload=DiagnosticPayload,
            handler=_handle,
            customer_can_file=False,
            description=N_("Proves the queue and its workers end to end."),
        )
    )
