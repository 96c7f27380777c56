"""How the codes a request stores (who filed it, through which channel) read to staff, in their language."""

from __future__ import annotations

from ...i18n import N_, _

# How stored codes read to staff; an unknown code is shown as it is stored.
_ROLES = {"customer": N_("customer"), "agent": N_("support agent"), "dpo": N_("privacy officer")}
_CHANNELS = {
    "portal": N_("the portal"),
    "staff": N_("the staff console"),
    "support": N_("a support agent acting for the customer"),
    "gpc": N_("the browser's Global Privacy Control signal"),
    "objection": N_("an objection"),
    "webhook": N_("a recipient's webhook"),
    "withdrawal": N_("the withdrawal"),
}


def role_in_words(role: str | None) -> str:
    return _(_ROLES[role]) if role in _ROLES else (role or "")


def channel_in_words(channel: str | None) -> str:
    return _(_CHANNELS[channel]) if channel in _CHANNELS else (channel or "")
