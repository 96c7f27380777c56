"""One place that says who may call each use case, and checks it before the use case runs.

Every use case takes the `Principal` first and carries one line that names its audience:

    @use_case(Audience.CUSTOMER, act=WRITES, what=N_("requests"))
    def request_change(principal: Principal, ...) -> ...

- `Audience.CUSTOMER`: the customer, or a support agent acting for them under a grant. While acting, `act` decides:
  reading needs any live grant; `WRITES` needs a "help" grant; the acts in `NEVER_WHILE_ACTING` are the
  customer's alone, whatever the grant. The grant is checked live (it may have been revoked a second ago).
- `Audience.CUSTOMER_THEMSELVES`: a customer as themselves, never an agent acting for them (grants, withdrawal).
- `Audience.ACCOUNT_HOLDER`: anyone signed in, as themselves (their own password and sign-ins).
- `Audience.SIGNED_IN`: anyone signed in, an agent acting included (their own subject's notifications).
- `Audience.STAFF`: a support agent or a privacy officer, as themselves; `Audience.OFFICER`: a privacy officer.

The live session itself is checked before any of this runs, at the boundary: by the middleware for every HTTP
request and by the socket guard for every page event and timer (`portal/ui/socket_guard.py`). A refusal is a
`Forbidden` (`portal/errors.py`); `refusal=` makes the use case's own error where its callers expect one.

`what` names the use case in a refusal's words. It is given at import time, so it is marked with `N_` and translated
when a refusal is raised, in the reader's language: a noun for the customer's own use cases ("staff accounts have
no requests of their own", "the audit trail is for privacy officers only"), else a verb phrase ("Only staff can look
up customers.", "Support staff cannot manage grants on a customer's behalf.").
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from enum import StrEnum
from typing import ParamSpec, TypeVar

from sqlmodel import Session

from ..db import session_scope
from ..errors import Forbidden
from ..i18n import N_, _
from ..models import Account, AuthSession, Role, SupportGrant, SupportSession
from ..models.types import utcnow
from ..queue.request_errors import NotPermitted
from .identity.principal import Principal

P = ParamSpec("P")
R = TypeVar("R")

WRITES = "file"  # an act that changes something: while acting, only under a "help" grant
# Never on a customer's behalf, whatever the grant: irreversible or credential-changing acts.
NEVER_WHILE_ACTING = frozenset({"withdraw", "change_email", "change_password", "download_export", "manage_grants"})


SECOND_FACTOR_FIRST = N_("Add a passkey or one-time codes on your account page before you use the staff console.")
DO_THIS = N_("do this")


class Audience(StrEnum):
    CUSTOMER = "customer"
    CUSTOMER_THEMSELVES = "customer_themselves"
    ACCOUNT_HOLDER = "account_holder"
    SIGNED_IN = "signed_in"
    STAFF = "staff"
    OFFICER = "officer"


class NotACustomer(Forbidden):
    """A staff account asked for what only a customer has."""


class SupportError(Forbidden):
    """Refused to support staff (or to someone else than the customer); the message says why in plain words."""


class SupportSessionEnded(SupportError):
    """The grant behind an acting session ended (expired, revoked, sign-out everywhere)."""


Refusal = Callable[[str], Exception]  # makes the use case's own error from the message (default: a Forbidden)


def check(
    principal: Principal,
    who: Audience,
    *,
    act: str | None = None,
    what: str = DO_THIS,
    refusal: Refusal | None = None,
) -> None:
    """Raise unless `principal` may call a use case meant for `who` (see the module's docstring)."""
    acting = principal.acting
    if who is Audience.SIGNED_IN:
        return
    if who in (Audience.OFFICER, Audience.STAFF) and principal.needs_second_factor:
        raise (refusal or NotPermitted)(_(SECOND_FACTOR_FIRST))
    # `what` is marked N_ where the use case is declared (at import): translated here, in the reader's language.
    if who is Audience.OFFICER:
        if principal.role != Role.DPO.value or acting is not None:
            raise (refusal or NotPermitted)(_("{what} is for privacy officers only").format(what=_(what)))
        return
    if who is Audience.STAFF:
        if not principal.is_staff or acting is not None:
            message = _("Only staff can {what}.").format(what=_(what)) if what != DO_THIS else _("staff only")
            raise (refusal or NotPermitted)(message)
        return
    if who in (Audience.CUSTOMER_THEMSELVES, Audience.ACCOUNT_HOLDER):
        if acting is not None:
            raise (refusal or SupportError)(
                _("Support staff cannot {what} on a customer's behalf.").format(what=_(what))
            )
        if who is Audience.CUSTOMER_THEMSELVES and not principal.is_customer:
            raise (refusal or SupportError)(_("Only customers can {what}.").format(what=_(what)))
        return
    if not principal.is_customer:
        raise (refusal or NotACustomer)(_("staff accounts have no {what} of their own").format(what=_(what)))
    if acting is None:
        return
    if act in NEVER_WHILE_ACTING:
        raise SupportError(
            _("Support staff cannot do this on a customer's behalf. The customer must do it themselves.")
        )
    if act is not None and acting.scope != "help":
        raise SupportError(_("The customer granted view-only access: you cannot change anything for them."))
    with session_scope() as session:
        row = session.get(AuthSession, principal.session_hash)
        if row is None or acting_problem(session, row) is not None:
            raise SupportSessionEnded(_("The customer's grant has ended; you are no longer acting as them."))


def use_case(
    who: Audience, *, act: str | None = None, what: str = DO_THIS, refusal: Refusal | None = None
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a use case whose first argument is the Principal: `check` runs before its body."""

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            principal = args[0] if args else kwargs.get("principal")
            if not isinstance(principal, Principal):
                raise TypeError(f"{function.__qualname__}: the first argument must be the Principal")
            check(principal, who, act=act, what=what, refusal=refusal)
            return function(*args, **kwargs)

        guarded.audience = who  # type: ignore[attr-defined]  # read by the test that every use case declares one
        return guarded

    return decorate


def acting_problem(session: Session, row: AuthSession) -> str | None:
    """Why an agent's acting session may not go on (None while everything is in order)."""
    support_session = session.get(SupportSession, row.support_session_id) if row.support_session_id else None
    if support_session is None:
        return "ended"
    if support_session.ended_at is not None:
        return support_session.end_reason or "ended"
    grant = session.get(SupportGrant, support_session.grant_id)
    now = utcnow()
    if grant is None or grant.revoked_at is not None:
        return "grant_revoked"
    if grant.expires_at <= now or row.expires_at <= now:
        return "grant_expired"
    customer = session.get(Account, support_session.customer_id)
    if customer is None or customer.deactivated_at is not None:
        return "customer_closed"
    agent = session.get(Account, row.account_id)
    if agent is None or agent.deactivated_at is not None or agent.role != Role.AGENT.value:
        return "agent_deactivated"
    return None
