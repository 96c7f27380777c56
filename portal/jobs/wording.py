"""A job's words are the customer's: what a handler returns (the outcome, also the completion's notification) and the
reason it rejects a request with are stored as written, so a handler writes them in the language of the request's
subject (portal/services/messaging/language.py), whichever worker runs it."""

from __future__ import annotations

from collections.abc import Callable

from ..models import Account
from ..queue.registry import JobContext
from ..services.messaging.language import speaking_to


def in_subject_language(handler: Callable[[JobContext], str]) -> Callable[[JobContext], str]:
    def run(context: JobContext) -> str:
        subject_id = context.request.subject_id
        account = context.session.get(Account, subject_id) if subject_id is not None else None
        with speaking_to(account):
            return handler(context)

    return run
