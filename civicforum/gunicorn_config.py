"""gunicorn settings for a site that serves the forum with several worker processes::

    gunicorn --config python:civicforum.gunicorn_config --workers 4 'yoursite:app'

A site with a config file of its own takes these over with
``from civicforum.gunicorn_config import *``.

- ``preload_app``: the app is built once, in gunicorn's master, and each worker is forked
  from it. The workers then share the imported code and everything built at start-up
  (Flask, SQLAlchemy, the forum's routes, templates, translations) copy-on-write instead
  of holding a copy each. Connections are not shared: the forum renews its connection
  pools and its task queue's connection in each worker (``civicforum.forking``). New code
  needs a restart of the master (a ``HUP`` reloads the workers from the app already
  built).
- ``pre_fork``: ``gc.freeze()`` just before each fork moves every object built so far out
  of the garbage collector's reach. Without it a worker's first collections write to
  every object they scan, which copies the pages holding them into the worker (over
  20 MiB a worker on the benchmark's forum); see the ``gc.freeze`` documentation.
"""

from __future__ import annotations

import gc
from typing import Any

preload_app = True


def pre_fork(server: Any, worker: Any) -> None:
    gc.freeze()
