"""One background session per server (a sweep, a compression session): a thread of its own
that never calls st.*, a lock-protected snapshot the page polls, and a stop event."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class BackgroundSession:
    """Runs one session at a time; the page reads `snapshot()` (a copy, under a lock) and
    stops it through `cancel()`. Subclasses name their active phases in `ACTIVE` and start
    with `_launch`."""

    ACTIVE: tuple[str, ...] = ("running",)
    BUSY = "a session is running already: wait for it or cancel it"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._snap: dict[str, Any] = {"phase": "idle"}

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._snap)

    @property
    def active(self) -> bool:
        return self.snapshot()["phase"] in self.ACTIVE

    def _set(self, **changes: Any) -> None:
        with self._lock:
            self._snap.update(changes)

    def _launch(self, name: str, target: Callable[..., None], args: tuple,
                snap: dict[str, Any]) -> None:
        """Start `target(*args, stop_event)` on a new thread with a fresh snapshot
        (ValueError when a session is active)."""
        with self._lock:
            if self._snap["phase"] in self.ACTIVE:
                raise ValueError(self.BUSY)
            self._stop = threading.Event()
            self._snap = snap
            self._thread = threading.Thread(target=target, name=name,
                                            args=(*args, self._stop), daemon=True)
            self._thread.start()

    def cancel(self) -> None:
        self._stop.set()

    def close(self) -> None:
        self.cancel()
        if self._thread is not None:
            self._thread.join(timeout=30)
