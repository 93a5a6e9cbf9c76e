"""A process forked from one that built the app (gunicorn --preload) gets connections of
its own, and its parent keeps its own. The same under load, through gunicorn, is in
tests/test_load_without_loss.py."""

from __future__ import annotations

import os
import traceback
import warnings
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from civicforum.extension import state
from civicforum.forum.models import Community, Topic
from civicforum.identity.models import Member

from .digestworld import join, start_topic


def in_child(check: Callable[[], bool]) -> int:
    """Run ``check`` in a forked child; its exit status (0: it held)."""
    with warnings.catch_warnings():
        # Python 3.12 warns when a process with threads forks; servers do it all the same.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's outcome is its exit status
        status = 1
        try:
            status = 0 if check() else 1
        except BaseException:
            traceback.print_exc()  # the parent's test output shows why
        finally:
            os._exit(status)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def test_a_forked_child_reads_and_writes_on_connections_of_its_own(
    app: Flask, db: Session, make_member, make_community
) -> None:
    member = make_member("ada")
    community = make_community("buurt")
    join(db, community, member)
    member_id, community_id = member.id, community.id
    forum = state(app)
    client = app.test_client()
    assert client.get("/forum/c/buurt/").status_code == 200
    assert forum.engine.pool.checkedin() >= 1  # the parent's connection, kept for reuse

    def child() -> bool:
        # The pool the child inherited is empty: nothing the parent opened is reused.
        if state(app).engine.pool.checkedin() != 0:
            print("the child's pool holds the parent's connections")
            return False
        page = app.test_client().get("/forum/c/buurt/")
        with app.app_context():
            session = state(app).session_factory()
            author = session.get(Member, member_id)
            community = session.get(Community, community_id)
            assert author is not None and community is not None
            start_topic(session, author, community, "Written by the child", "From a fork.")
            session.commit()
            session.close()
        return page.status_code == 200 and b"Buurt" in page.data

    assert in_child(child) == 0
    # The parent's own connection still answers, and sees what the child wrote.
    assert forum.engine.pool.checkedin() >= 1
    page = client.get("/forum/c/buurt/")
    assert page.status_code == 200
    assert "Written by the child" in page.get_data(as_text=True)
    assert db.scalar(sa.select(sa.func.count()).select_from(Topic)) == 1
