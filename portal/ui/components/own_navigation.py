"""A page that is leaving on its own is not sent elsewhere by the server on the way out.

A page leaves on its own by a native form post (signing in again, signing out, starting or stopping to act for a
customer: the route ends or rotates the session in a real request and answers with a redirect), a link, or a
browser navigation. Once the old session has ended, the page watcher (page_watch.py) may send the page away over
its socket while the page's own navigation is still waiting for its answer, and the browser aborts that navigation
in favour of the watcher's: the person lands on "your session ended" instead of "you have signed out", an agent on
the sign-in page instead of the customer's overview. So once the page has started to leave (`beforeunload`), the
watcher's word to go elsewhere waits: if the page has not left after `HOLD_MS` (the navigation was a download, or
failed), it is followed then. Waiting never lets a page act: the server refuses the events of a page whose session
ended (socket_guard.py), sent away or not.
"""

from __future__ import annotations

from nicegui import ui

# Long enough for a slow answer to a navigation on a busy server; the longest a page that did not leave after all (a
# download) shows its last view before the watcher's word is followed.
HOLD_MS = 15_000

_SCRIPT = (
    "<script>(function(){var left=0,held=null,open=window.open.bind(window);"
    "addEventListener('beforeunload',function(){left=Date.now()});"
    "addEventListener('pageshow',function(){left=0});"  # back from the browser's cache: here again
    "window.open=function(url,target){"
    f"var wait=left?left+{HOLD_MS}-Date.now():0;"
    "if(target!=='_self'||wait<=0)return open.apply(window,arguments);"
    "held=url;setTimeout(function(){if(held){var u=held;held=null;open(u,'_self')}},wait);return null}"
    "})();</script>"
)


def own_navigation_first() -> None:
    """Let the page's own navigation finish before the server's (see the module docstring)."""
    ui.add_head_html(_SCRIPT)
