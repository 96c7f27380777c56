"""One place says who may call each use case (portal/services/access.py): every use case declares its audience,
and each audience admits exactly whom it names."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import portal.services
from portal.queue.request_errors import NotPermitted
from portal.services import access
from portal.services.access import WRITES, Audience, NotACustomer, SupportError, SupportSessionEnded, check
from portal.services.identity.principal import Acting, Principal
from portal.services.support_access import support_acting
from tests.utils.principals import ADA, AGENT, DPO, LINUS, principal_for, session_token_for

# Functions that take a Principal but are not use cases a person calls, and why.
NOT_USE_CASES = {
    "portal.services.access.check": "the guard itself",
    "portal.services.identity.step_up.require_recent_check": "the step-up guard, called by the sensitive use cases",
    "portal.services.rights.consents.apply_gpc": "run at sign-in for the browser's own signal; ignores an agent's",
    "portal.services.support_access.support_acting.record_page_view": "the middleware's audit of an agent's page view",
    "portal.services.rights.exports.open_download": "the download route: checks the link, then access.check inline",
}


def _use_cases() -> list[tuple[str, object]]:
    found = []
    for info in pkgutil.walk_packages(portal.services.__path__, "portal.services."):
        module = importlib.import_module(info.name)
        for name, function in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(function) or function.__module__ != module.__name__:
                continue
            parameters = list(inspect.signature(function).parameters)
            if parameters and parameters[0] in ("principal", "agent"):
                found.append((f"{info.name}.{name}", function))
    return found


def test_every_use_case_declares_who_may_call_it() -> None:
    undeclared = [
        name for name, function in _use_cases() if not hasattr(function, "audience") and name not in NOT_USE_CASES
    ]
    assert undeclared == [], "add @use_case(Audience...) (portal/services/access.py) to: " + ", ".join(undeclared)
    assert len(_use_cases()) > 50


def _acting(scope: str) -> Principal:
    return Principal(
        account_id=LINUS,
        role="customer",
        display_name="Linus",
        email="linus@example.com",
        session_hash="x",
        session_expires_at=principal_for(ADA).session_expires_at,
        acting=Acting(
            agent_id=AGENT, agent_name="Agent", grant_id=1, scope=scope, support_session_id=1, reason="ticket"
        ),
    )


def test_each_audience_admits_whom_it_names(portal_env: Path) -> None:
    ada, agent, officer = principal_for(ADA), principal_for(AGENT), principal_for(DPO)
    check(ada, Audience.CUSTOMER, act=WRITES)
    check(ada, Audience.CUSTOMER_THEMSELVES)
    check(agent, Audience.STAFF)
    check(officer, Audience.OFFICER)
    for who in Audience:
        check(ada if who not in (Audience.STAFF, Audience.OFFICER) else officer, who)
    with pytest.raises(NotACustomer):
        check(agent, Audience.CUSTOMER)
    with pytest.raises(NotPermitted):
        check(ada, Audience.STAFF)
    with pytest.raises(NotPermitted):
        check(agent, Audience.OFFICER)
    with pytest.raises(SupportError, match="Only customers"):
        check(agent, Audience.CUSTOMER_THEMSELVES, what="grant support access")
    check(agent, Audience.ACCOUNT_HOLDER)  # staff have accounts of their own


@pytest.mark.parametrize(
    "who", [Audience.CUSTOMER_THEMSELVES, Audience.ACCOUNT_HOLDER, Audience.STAFF, Audience.OFFICER]
)
def test_an_acting_agent_is_never_the_person_themselves(who: Audience) -> None:
    with pytest.raises((SupportError, NotPermitted)):
        check(_acting("help"), who)


def test_acting_reads_need_a_live_grant_and_writes_a_help_grant(portal_env: Path) -> None:
    from portal.config import get_settings
    from portal.services.identity.live_session import principal_for_token

    token = support_acting.start_acting(
        settings=get_settings(),
        agent_token=session_token_for(AGENT),
        customer_id=LINUS,
        reason="ticket 12: order question",
    )
    acting = principal_for_token(get_settings(), token)
    assert acting is not None and acting.acting is not None
    check(acting, Audience.CUSTOMER)  # reading under the live grant
    if acting.acting.scope == "help":
        check(acting, Audience.CUSTOMER, act=WRITES)
    for act in sorted(access.NEVER_WHILE_ACTING):
        with pytest.raises(SupportError, match="cannot do this on a customer's behalf"):
            check(acting, Audience.CUSTOMER, act=act)
    view_only = _acting("view")
    with pytest.raises(SupportError, match="view-only"):
        check(view_only, Audience.CUSTOMER, act=WRITES)
    with pytest.raises(SupportSessionEnded):  # a session that is no acting session any more: refused
        check(view_only, Audience.CUSTOMER)


def test_a_use_case_refuses_before_its_body_runs(portal_env: Path) -> None:
    ran = []

    @access.use_case(Audience.STAFF)
    def staff_only(principal: Principal) -> None:
        ran.append(principal)

    with pytest.raises(NotPermitted):
        staff_only(principal_for(ADA))
    assert ran == []
    staff_only(principal_for(AGENT))
    assert len(ran) == 1
    with pytest.raises(TypeError, match="first argument must be the Principal"):
        staff_only("not a principal")  # type: ignore[arg-type]
