"""Claims and leases: taking requests off the queue (the statements are in `claims`) and holding them.

A claim gives a worker a lease; a long job extends it with heartbeats, and a worker that dies leaves the lease
to run out, after which another worker may claim the request. Apart from `worker` because holding requests is
one job and running their handlers another: `Worker` builds on `LeaseHolder`.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, update
from sqlalchemy.engine import Engine
from sqlmodel import col

from ..audit import Actor
from ..models import PrivacyRequest, RequestStatus
from ..models.types import utcnow
from . import claims

BATCH_SIZE = 100  # quick requests claimed and completed per transaction, at most


def new_worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class LeaseHolder:
    """A worker's identity and its hold on requests: claiming them, extending the lease, reporting progress."""

    def __init__(
        self,
        engine: Engine,
        *,
        name: str | None = None,
        lease: timedelta = timedelta(seconds=30),
        retry_base: timedelta = timedelta(seconds=5),
        batch_size: int = BATCH_SIZE,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        """`clock` is what the worker takes as "now" for the requests it touches (claims, leases, retry times,
        completions): the wall clock, or a test's clock that moves only when the test moves it."""
        self.engine = engine
        self.clock = clock
        self.batch_size = max(1, batch_size)
        self.name = name or new_worker_name()
        self.lease = lease
        self.retry_base = retry_base
        self.actor = Actor(account_id=None, role="system", origin=f"worker:{self.name}"[:64])

    # -- claiming -------------------------------------------------------------------------------------------
    def claim(self) -> int | None:
        """Take the oldest claimable request of any type (see `claim_many`)."""
        claimed = self.claim_many(1)
        return claimed[0] if claimed else None

    def claim_many(self, limit: int, *, types: list[str] | None = None) -> list[int]:
        """Take up to `limit` of the oldest claimable requests (of `types`, if given): queued, failed and due
        for retry, or processing under an expired lease (their worker died). One statement, so two workers
        can never claim the same row; PostgreSQL skips rows another worker is claiming at this moment."""
        now = self.clock()
        statement = claims.claim_statement(self.engine.dialect.name, types is not None)
        parameters: dict[str, Any] = {**self._claim_parameters(now), "limit": limit}
        if types is not None:
            parameters["types"] = types
        with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # A claim lost in a server crash leaves the request claimable again, and the completing commit
                # (synchronous) flushes the claim's WAL before its own: the claim need not wait for the disk.
                connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            rows = connection.execute(statement, parameters).all()
            self._record_claims(connection, rows, now)
        return sorted(int(row[0]) for row in rows)

    def _claim_parameters(self, now: datetime) -> dict[str, Any]:
        return {"now": now, "owner": self.name, "lease_until": now + self.lease}

    def _record_claims(self, connection: Connection, rows: Sequence[Row[Any]], now: datetime) -> None:
        """A claim is a status change like any other: timeline and audit, in the claiming transaction."""
        if not rows:
            return
        parameters = {
            "ids": [row[0] for row in rows],
            "now": now,
            "actor_id": self.actor.account_id,
            "actor_role": self.actor.role,
            "grant_id": self.actor.grant_id,
            "origin": self.actor.origin,
        }
        for statement in claims.claim_records(connection.dialect.name):
            connection.execute(statement, parameters)

    def claim_specific(self, request_id: int) -> bool:
        """Claim one particular request if it is claimable (used to process a withdrawal immediately)."""
        now = self.clock()
        with self.engine.begin() as connection:
            row = connection.execute(
                claims.claim_one_statement(), {**self._claim_parameters(now), "request_id": request_id}
            ).first()
            if row is not None:
                self._record_claims(connection, [row], now)
            return row is not None

    def heartbeat(self, request_id: int) -> None:
        """Extend the lease of a long job (call it between chunks of work, outside a write transaction)."""
        with self.engine.begin() as connection:
            connection.execute(
                update(PrivacyRequest)
                .where(
                    col(PrivacyRequest.id) == request_id,
                    col(PrivacyRequest.lease_owner) == self.name,
                    col(PrivacyRequest.status) == RequestStatus.PROCESSING.value,
                )
                .values(lease_expires_at=self.clock() + self.lease)
            )

    def _progress(self, request_id: int, done: int, total: int) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(PrivacyRequest)
                .where(
                    col(PrivacyRequest.id) == request_id,
                    col(PrivacyRequest.lease_owner) == self.name,
                )
                .values(progress_done=done, progress_total=total, lease_expires_at=self.clock() + self.lease)
            )

    def _count_claimable(self, types: list[str], limit: int) -> int:
        """How many requests of `types` are claimable, counting up to `limit`."""
        with self.engine.connect() as connection:
            return int(
                connection.execute(
                    claims.count_statement(), {"now": self.clock(), "types": types, "limit": limit}
                ).scalar_one()
            )
