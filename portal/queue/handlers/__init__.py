"""Every request type the portal knows. A new feature adds its module here."""

from . import diagnostic, restriction


def register_all() -> None:
    diagnostic.register_types()
    restriction.register_types()
