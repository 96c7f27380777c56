"""The jobs: what a worker does for each request type (the bodies call the services), registered on the queue
core at start-up. The queue core itself (claims, states, leases, deadlines) knows nothing of them: it finds a
type in its registry and calls the handler registered there. A new feature adds its module here."""

from ..queue import hooks
from ..services.messaging.notifications import NOTIFIER
from . import consent, diagnostic, export, marketing_objection, rectification, restriction, withdrawal


def register_all() -> None:
    """Every request type on the queue's registry, and the customer's notifications on its hooks."""
    hooks.subscribe(NOTIFIER)
    consent.register_types()
    diagnostic.register_types()
    export.register_types()
    marketing_objection.register_types()
    rectification.register_types()
    restriction.register_types()
    withdrawal.register_types()
