"""A page that is leaving on its own is not sent elsewhere by the server on the way out.

Signing out, starting to act for a customer and returning to the console are native form posts: the route ends or
rotates the session in a real request and answers with a redirect. The moment it commits, the page watcher
(page_watch.py) may find the page's old session ended and send the page away over its socket; the browser would then
abort the form's navigation, still waiting for its answer, in favour of the watcher's, and the person lands on
"your session ended" instead of "you have signed out" (or, for an agent, on sign-in instead of the customer's
overview). Once the page has submitted a form, the watcher's word to go elsewhere is held back for a while: the
form's answer is on its way and decides where the page goes. Holding back a navigation never lets a page act: the
server refuses the events of a page whose session ended (socket_guard.py), sent away or not.
"""

from __future__ import annotations

from nicegui import ui

# Long enough for a slow answer to a form post; after it (the post failed: no network) the server's navigations go
# through again.
HOLD_MS = 15_000

_SCRIPT = (
    "<script>(function(){var left=0,open=window.open.bind(window);"
    # Bubbling to window: a form whose own handler prevented the submit (a Vue form) is not leaving.
    "addEventListener('submit',function(e){if(!e.defaultPrevented)left=Date.now()});"
    "addEventListener('pageshow',function(){left=0});"  # back from the browser's cache: staying
    "window.open=function(url,target){"
    f"if(target==='_self'&&left&&Date.now()-left<{HOLD_MS})return null;"
    "return open.apply(window,arguments)}})();</script>"
)


def own_navigation_first() -> None:
    """Hold back the server's navigations while the page's own form post is under way (see the module docstring)."""
    ui.add_head_html(_SCRIPT)
