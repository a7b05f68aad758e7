"""The playground's sessions by id (one per browser tab), bounded in number and idle time:
memory stays flat however many tabs come and go."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from typing import Any, Generic, TypeVar

from ..errors import NNDLError

MAX_SESSIONS = 64
"""Sessions kept at once (the least recently used goes first)."""
IDLE_SECONDS = 30 * 60
"""A session unused this long is dropped."""

S = TypeVar("S")


class SessionEnded(NNDLError):
    """A session id the store does not hold (HTTP 404, a resource that is not there)."""


class Store(Generic[S]):
    """Sessions by id, bounded in number and idle time (memory stays flat)."""

    def __init__(self, max_sessions: int = MAX_SESSIONS, idle: float = IDLE_SECONDS) -> None:
        self.max_sessions, self.idle = max_sessions, idle
        self._items: "OrderedDict[str, S]" = OrderedDict()
        self._lock = threading.Lock()

    def add(self, item: S) -> str:
        """Keep ``item``; returns its new id (unguessable). Sessions idle too long go, and
        beyond ``max_sessions`` the least recently used (a tab's open stream uses its
        session); a session that goes is ended (:func:`end`): its stream stops training."""
        sid = secrets.token_urlsafe(16)
        with self._lock:
            now = time.monotonic()
            for k in [k for k, v in self._items.items()
                      if now - getattr(v, "last_used", now) > self.idle]:
                end(self._items.pop(k))
            self._items[sid] = item
            while len(self._items) > self.max_sessions:
                k = min(self._items, key=lambda k: getattr(self._items[k], "last_used", 0.0))
                end(self._items.pop(k))
        return sid

    def get(self, sid: str) -> S:
        """The session ``sid`` (NNDLError when unknown or expired)."""
        with self._lock:
            item = self._items.get(sid)
            if item is None:
                raise SessionEnded("this session has ended (idle too long, or the server "
                                   "restarted): reload the page")
            self._items.move_to_end(sid)
            item.last_used = time.monotonic()  # type: ignore[attr-defined]
            return item

    def __len__(self) -> int:
        return len(self._items)


def end(item: Any) -> None:
    """A session the store let go: it stops playing, and its open stream ends (it went on
    training a session no request could pause any more)."""
    item.playing = False
    item.ended = True


__all__ = ["IDLE_SECONDS", "MAX_SESSIONS", "SessionEnded", "Store", "end"]
