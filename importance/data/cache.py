"""Files parsed and series loaded once per process, for as long as the files are unchanged.

A file is known by its content (`file_key`): its resolved path and a digest of its bytes. The
digest is kept per stat signature (size, modification and change times, inode) and taken again
when the file changes; a file changed within the last `RACY_S` seconds is hashed on every
look-up, since a second write within the filesystem's timestamp granularity could leave its
stat unchanged (as git's index treats "racily clean" entries). An edited file is therefore
parsed again; the same file asked for again, by any series, option or caller of the process,
is not.

`Kept` holds values up to a byte budget and a number of entries, the least recently used
dropped first; a value larger than the budget is not kept (its caller keeps it while it needs
it). Errors are not kept: a file that fails is read again when asked again.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

import pandas as pd

from importance.data import files

RACY_S = 2.0
DIGEST_CHUNK = 1 << 20
PARSED_SHARE = 1 / 16  # of the machine's memory, for parsed files (at most PARSED_MAX)
PARSED_MAX = 2 * 2**30
SERIES_SHARE = 1 / 32  # of the machine's memory, for loaded series (at most SERIES_MAX)
SERIES_MAX = 1 * 2**30

T = TypeVar("T")
FileKey = tuple[str, str]  # resolved path, content digest ("" when the file cannot be read)
SourceKey = tuple[int | FileKey, ...]  # the reader's limits, then a FileKey per file

_digests: dict[str, tuple[tuple[int, ...], str]] = {}
_digests_lock = threading.Lock()


def _digest(path: Path) -> str:
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        while chunk := f.read(DIGEST_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def file_key(path: str | Path) -> FileKey:
    """The file as the caches know it: its resolved path and a digest of its content ("" for a
    file that cannot be read: the reader then says why)."""
    resolved = Path(path).resolve()
    name = str(resolved)
    try:
        st = resolved.stat()
        signature = (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)
        with _digests_lock:
            known = _digests.get(name)
        if known is not None and known[0] == signature:
            return name, known[1]
        digest = _digest(resolved)
    except OSError:
        return name, ""
    if time.time() - max(st.st_mtime, st.st_ctime) > RACY_S:  # settled: its stat will tell
        with _digests_lock:
            _digests[name] = (signature, digest)
    return name, digest


def source_key(paths: Sequence[Path]) -> SourceKey:
    """The content keys of a source's file(s), in order, with the reader's size limits (a
    file refused under one limit may read under another)."""
    return (files.MAX_DECOMPRESSED_BYTES, files.max_text_bytes(),
            *(file_key(p) for p in paths))


def frame_bytes(*objects: pd.DataFrame | pd.Series | pd.Index | None) -> int:
    """Memory held by pandas objects (object columns counted deeply)."""
    total = 0
    for obj in objects:
        if obj is None:
            continue
        usage = obj.memory_usage(deep=True)
        total += int(usage.sum() if hasattr(usage, "sum") else usage)
    return total


class Kept(Generic[T]):
    """Values by key, at most `max_bytes` (sizes as given to `put`) and `max_entries` of them;
    the least recently used go first. Thread-safe."""

    def __init__(self, max_bytes: int, max_entries: int):
        self.max_bytes, self.max_entries = max_bytes, max_entries
        self._items: OrderedDict[Hashable, tuple[T, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> T | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: Hashable, value: T, size: int) -> None:
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._items[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes or len(self._items) > self.max_entries:
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped

    def through(self, key: Hashable, make: Callable[[], T], size: Callable[[T], int]) -> T:
        """The value kept under `key`, else `make()` (kept, at `size(value)` bytes)."""
        found = self.get(key)
        if found is None:
            found = make()
            self.put(key, found, size(found))
        return found

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)


def _budget(share: float, most: int) -> int:
    return int(min(most, files.machine_memory() * share))


# Parsed files (a generic file's parts, a Milan grid) and loaded series of this process
PARSED: Kept[Any] = Kept(_budget(PARSED_SHARE, PARSED_MAX), 8)
SERIES: Kept[Any] = Kept(_budget(SERIES_SHARE, SERIES_MAX), 4096)


def clear() -> None:
    """Forget every parsed file and loaded series (and the digests)."""
    PARSED.clear()
    SERIES.clear()
    with _digests_lock:
        _digests.clear()
