"""The queue's public face: `from ..queue import service as queue`, then `queue.submit`, `queue.transition`,
`queue.cancel_by_customer`... Many callers read the queue through this one name, so it gathers what the split
modules hold and holds nothing itself:

- `submission`: filing a request (idempotent per key)
- `transitions`: moving one request through the state machine; `completion`: completing a worker's batch
- `customer_side`: the customer's requests, canceling one, adding a note
- `timeline_events`: the rows of a request's timeline; `request_errors`: how a queue action refuses
- `states`: whether a request is open and how urgent; `wakeup`: the signal that work is waiting
"""

from __future__ import annotations

from .completion import complete_many
from .customer_side import cancel_by_customer, get_for_customer, list_for_customer, note_from_customer, timeline
from .request_errors import ConcurrentChange, NotPermitted, RequestNotFound
from .states import is_open, urgency
from .submission import DEFAULT_MAX_ATTEMPTS, MAX_KEY_LENGTH, submit
from .timeline_events import MAX_TEXT, add_event, clean_text, event_row, write_events
from .transitions import transition
from .wakeup import work_available

__all__ = [
    "DEFAULT_MAX_ATTEMPTS",
    "MAX_KEY_LENGTH",
    "MAX_TEXT",
    "ConcurrentChange",
    "NotPermitted",
    "RequestNotFound",
    "add_event",
    "cancel_by_customer",
    "clean_text",
    "complete_many",
    "event_row",
    "get_for_customer",
    "is_open",
    "list_for_customer",
    "note_from_customer",
    "submit",
    "timeline",
    "transition",
    "urgency",
    "work_available",
    "write_events",
]
