"""What a process forked after the app was built must not share with its parent.

A server may build the app once and fork its workers from it (gunicorn ``--preload``,
uWSGI without ``lazy-apps``): the workers then share the imported code and the app's
objects copy-on-write, which saves memory per worker. A database connection is not such
an object: two processes talking over one socket (or one SQLite file handle) mix their
answers up. Whatever holds connections registers here and is renewed in each child:
connection pools start empty and the task queue's own connection and worker thread are
made again on first use. The parent keeps its connections as they were.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable
from typing import Any

# Owner -> how to renew it in a child. Weak keys: an app (and its engine) that is gone
# leaves nothing behind here.
_renewals: weakref.WeakKeyDictionary[Any, Callable[[Any], None]] = weakref.WeakKeyDictionary()


def renew_after_fork(owner: Any, renew: Callable[[Any], None]) -> None:
    """Call ``renew(owner)`` in every child forked while ``owner`` lives. ``renew`` must not
    hold ``owner`` itself (it is handed it), or the owner would never be let go."""
    _renewals[owner] = renew


def _in_child() -> None:
    for owner, renew in list(_renewals.items()):
        renew(owner)


os.register_at_fork(after_in_child=_in_child)
