"""Every request type the portal knows. A new feature adds its module here."""

from . import consent, diagnostic, export, marketing_objection, rectification, restriction, withdrawal


def register_all() -> None:
    consent.register_types()
    diagnostic.register_types()
    export.register_types()
    marketing_objection.register_types()
    rectification.register_types()
    restriction.register_types()
    withdrawal.register_types()
