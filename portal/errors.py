"""The one error base: what went wrong, in words safe to show the person, sorted into four kinds a page handles once.

Every refusal a use case raises is one of these (the classes of each module subclass them, and keep their old
built-in base, so `except ValueError` still works). A page catches `PortalError` once and shows its message;
anything else is a bug and goes to the log. Start-up problems (configuration, catalogue) are not PortalErrors:
they stop the process instead.
"""

from __future__ import annotations


class PortalError(Exception):
    """A refusal whose message is meant for the person who asked."""


class NotFound(PortalError, LookupError):
    """No such thing for this person (the same answer whether it does not exist or is someone else's)."""


class Forbidden(PortalError, PermissionError):
    """This person may not do this (role, a support grant's scope or end, an act only the customer may do)."""


class Conflict(PortalError, RuntimeError):
    """The state changed under the request (someone else acted first, or the thing is past that point)."""


class Invalid(PortalError, ValueError):
    """What was sent is not acceptable (a form field, a payload, a link); nothing was changed."""
