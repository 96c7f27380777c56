"""Who is making a request: resolved from the server-side session, never from browser-sent ids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ...audit import Actor
from ...models import STAFF_ROLES, Role


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
    # Staff while PORTAL_STAFF_REQUIRE_2FA holds and the account has no second factor yet: only their account page
    # (to add one) is open to them; the staff console and every staff use case are refused.
    needs_second_factor: bool = False
    # The reader's saved language and time zone (the agent's own while acting: the agent reads the pages);
    # None: the browser's (portal.i18n.negotiation).
    locale: str | None = None
    time_zone: str | None = None

    def actor(self, origin: str = "portal") -> Actor:
        if self.acting is not None:
            return Actor(
                account_id=self.acting.agent_id, role=Role.AGENT.value, grant_id=self.acting.grant_id, origin="support"
            )
        return Actor(account_id=self.account_id, role=self.role, origin=origin)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER.value
