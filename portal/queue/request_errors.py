"""The three ways a queue action refuses: not found, changed by someone else first, not allowed for the role.

Apart so that the filing, transition, customer and staff modules (and the pages that catch these) share one
definition without importing each other."""

from __future__ import annotations

from ..errors import Conflict, Forbidden, NotFound


class RequestNotFound(NotFound):
    """No such request for this principal (the same answer whether it does not exist or is someone else's)."""


class ConcurrentChange(Conflict):
    """Someone else changed the request first; nothing was written."""


class NotPermitted(Forbidden):
    """The role may not perform this action."""
