import weakref
from collections.abc import Iterator
from functools import partialmethod
from pathlib import Path

import pytest
from nicegui import Client, context
from nicegui.testing.user import User
from nicegui.testing.user_navigate import UserNavigate

# How long `should_see` / `should_not_see` wait for a page to catch up by default: NiceGUI's 3 retries (0.3 s) are
# enough on an idle machine, not on a CI runner whose two cores also run the browser tests. Both return as soon as
# the condition holds, so a longer wait costs a passing test nothing. 300 retries (about 30 s): a bound against
# "never", not a speed check; no test passes a smaller `retries=` (one that did failed under load: a cancel that took
# longer than 3 s to show on a machine also running two portals and their browsers).
PATIENT_RETRIES = 300


@pytest.fixture(autouse=True)
def _ui_env(portal_env: Path) -> Iterator[Path]:
    """Autouse so the seeded copy is in place before NiceGUI's `user` fixture runs main.py."""
    yield portal_env


@pytest.fixture(autouse=True)
def _patient_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(User, "should_see", partialmethod(User.should_see, retries=PATIENT_RETRIES))


@pytest.fixture(autouse=True)
def _pages_left_behind_close(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opening another page leaves the one shown (tests/utils/signin.py `leave_page`), as in a browser tab."""
    original = User.open

    async def open_leaving_the_last(self: User, path: str, *, clear_forward_history: bool = True) -> Client:
        left = self.__dict__.get("client")
        opened = await original(self, path, clear_forward_history=clear_forward_history)
        if isinstance(left, Client) and left is not opened and not left.is_deleted:
            left.delete()
        return opened

    monkeypatch.setattr(User, "open", open_leaving_the_last)


@pytest.fixture(autouse=True)
def _navigation_reaches_the_pages_own_user(monkeypatch: pytest.MonkeyPatch) -> None:
    """NiceGUI's simulation points `ui.navigate` at whichever User an attribute was last read from
    (`User.__getattribute__`). With two users, a navigation the server sends one page in the background (the page
    watcher sending an agent's page back to the console) opened in the *other* user's browser whenever the test had
    last touched that one: the customer landed on a staff page (403) and the agent never moved. As a browser would,
    the navigation now goes to the user whose page it was sent to."""
    users: weakref.WeakSet[User] = weakref.WeakSet()
    original_init, original_to = User.__init__, UserNavigate.to

    def init(self: User, *args: object, **kwargs: object) -> None:
        original_init(self, *args, **kwargs)  # type: ignore[arg-type]
        users.add(self)

    def to(self: UserNavigate, target: object, new_tab: bool = False) -> None:
        try:
            page = context.client
        except RuntimeError:  # no page in context: as NiceGUI does
            page = None
        # object.__getattribute__: reading a User's attribute the usual way would repoint ui.navigate again.
        owner = next((u for u in list(users) if object.__getattribute__(u, "client") is page), None)
        navigate = self if owner is None else object.__getattribute__(owner, "navigate")
        original_to(navigate, target, new_tab)  # type: ignore[arg-type]

    monkeypatch.setattr(User, "__init__", init)
    monkeypatch.setattr(UserNavigate, "to", to)
