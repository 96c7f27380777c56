"""The page an agent acting for a customer gets at an address that is not theirs to open while acting (/withdraw,
/account, /support-access, the staff console): inside the portal's shell, with the impersonation banner and its
"Stop acting", saying why in words for that page, and answering 403. A bare page in another font, without the
banner, left the agent with no way on but the browser's back button."""

from __future__ import annotations

from nicegui import Client
from nicegui.page import page
from starlette.requests import Request
from starlette.responses import Response

from ..i18n import N_, _
from .components.problem_page import problem_page

# Marked here, translated where shown: a module-level `_()` would freeze one language for everyone.
TITLE = N_("Not while acting as a customer")
_WHY = {
    "/withdraw": N_("Withdrawing and having their data deleted is the customer's own decision: only they can do it."),
    "/account": N_(
        "The customer's account and password are theirs alone: an agent acting for them cannot see or change them."
    ),
    "/support-access": N_("Only the customer gives, changes or ends support access."),
    "/staff": N_("The staff console is closed while you act for a customer: choose “Stop acting” in the banner first."),
}
_DEFAULT = N_("Support staff cannot open this page on a customer's behalf.")


def message_for(path: str) -> str:
    """Why this page is closed while acting, in the reader's language."""
    return _(next((why for prefix, why in _WHY.items() if path == prefix or path.startswith(prefix + "/")), _DEFAULT))


async def acting_refusal(request: Request) -> Response:
    """Handed to the middleware (portal.app), which decides when to call it; built as the 404 page is (not_found)."""
    with Client(page(""), request=request) as client:
        problem_page(
            request,
            status=403,
            title=_(TITLE),
            message=message_for(request.url.path),
            way_on=(_("Back to the customer's overview"), "/"),
        )
    return client.build_response(request, 403)
