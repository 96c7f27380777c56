"""Who is making a request: resolved from the server-side session, never from browser-sent ids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..audit import Actor
from ..config import Settings
from ..db import session_scope
from ..models import Role
from . import sessions
from .auth import session_policy


@dataclass(frozen=True)
class Acting:
    """An agent acting as the customer under a grant: who really acts, and within what limits."""

    agent_id: int
    agent_name: str
    grant_id: int
    scope: str  # view | help
    support_session_id: int
    reason: str


@dataclass(frozen=True)
class Principal:
    """Whose data a request concerns (`account_id`) and who acts. While an agent acts as a customer the
    principal is the customer's, with `acting` naming the agent, so every service scopes to the customer
    and every audit event names the agent (see `actor()`)."""

    account_id: int
    role: str
    display_name: str
    email: str
    session_hash: str
    session_expires_at: datetime
    acting: Acting | None = None

    def actor(self, origin: str = "portal") -> Actor:
        if self.acting is not None:
            return Actor(account_id=self.acting.agent_id, role=Role.AGENT.value, grant_id=self.acting.grant_id,
                         origin="support")
        return Actor(account_id=self.account_id, role=self.role, origin=origin)

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.AGENT.value, Role.DPO.value)

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER.value


def principal_for_token(settings: Settings, token: str | None) -> Principal | None:
    if not token:
        return None
    with session_scope() as session:
        active = sessions.resolve_session(session=session, token=token, policy=session_policy(settings))
        if active is None:
            return None
        account = active.account
        assert account.id is not None
        if active.acting_customer_id is not None:
            from .support_acting import acting_principal

            return acting_principal(session, active)
        return Principal(account_id=account.id, role=account.role, display_name=account.display_name,
                         email=account.email, session_hash=active.token_hash,
                         session_expires_at=active.expires_at)
