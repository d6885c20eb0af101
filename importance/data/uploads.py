"""Uploaded files: saved once under a content-addressed folder so runs can reload them, and
removed when no run needs them any more (the dashboard's sidebar saves them; app.py removes
the stale ones once per server)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

from importance.runs.store import default_runs_dir, write_atomically

# What the file uploader accepts: CSV, Parquet, Milan raw TSV (.txt), each optionally gzipped.
UPLOAD_TYPES = ("csv", "parquet", "pq", "txt", "tsv", "gz")
# An upload that no stored run refers to is removed when the dashboard starts, once it is this
# old: a day covers a session that uploads a file and launches its runs later on.
UPLOAD_GRACE_S = 24 * 3600
DIGEST = 12  # hex digits of the content's sha256 naming an upload's folder
_SAVED = re.compile(rf"[0-9a-f]{{{DIGEST}}}")  # <digest>/<name>
_SAVED_FLAT = re.compile(rf"[0-9a-f]{{{DIGEST}}}-.+")  # <digest>-<name>, the earlier layout
_PART = ".part-"  # a save in progress (or interrupted)
_MAX_SCANNED = 10 << 20  # bytes of a non-config JSON file searched for upload names

log = logging.getLogger(__name__)


def uploads_dir() -> Path:
    """`$IMPORTANCE_UPLOADS_DIR`, else `.uploads` inside the run store (runs refer to it)."""
    given = os.environ.get("IMPORTANCE_UPLOADS_DIR")
    return Path(given) if given else default_runs_dir() / ".uploads"


def save_upload(name: str, data: bytes, folder: Path | None = None) -> Path:
    """Write `data` as `<sha256[:12]>/<name>` (once; the same bytes reuse the file).

    The file keeps the user's name (made safe), so messages about it name the file they know.
    """
    folder = folder or uploads_dir()
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name).strip("._") or "upload"
    path = folder / hashlib.sha256(data).hexdigest()[:DIGEST] / safe
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        os.utime(path)  # uploaded again: its grace period starts again
    else:
        write_atomically(path, data, prefix=_PART)
    return path.resolve()


# --- cleanup ---------------------------------------------------------------------------------

def remove_stale_uploads(folder: Path | None = None, runs: Path | None = None, *,
                         grace_s: float = UPLOAD_GRACE_S, now: float | None = None) -> list[Path]:
    """Remove the uploads that no run refers to and that are older than `grace_s`; the paths
    removed. Called once when the dashboard starts.

    A run refers to an upload through `data.path` (a string or a list) in
    `<runs>/<id>/config.json`; any other JSON file in the runs folder or a run's folder (a job
    queue, say) refers to it if it holds its path. An upload is deleted only when it is surely
    unused: when a run's config cannot be read or understood, nothing is removed (an
    interrupted save's `.tmp-*` folder is only searched for the upload's path).
    """
    folder = Path(folder or uploads_dir())
    runs = Path(runs or default_runs_dir())
    now = time.time() if now is None else now
    if not folder.is_dir():
        return []
    try:
        referenced, texts = _references(runs, folder)
        saved = list(_saved_files(folder))
    except (OSError, _Unsure) as exc:
        log.warning("uploads kept: %s", exc)
        return []
    removed = []
    for path in saved:
        try:
            if now - path.stat().st_mtime < grace_s:
                continue
            key = _key(path, folder)
            if path.resolve() in referenced or any(key in text for text in texts):
                continue
            path.unlink()
        except OSError as exc:
            log.warning("upload %s kept: %s", path, exc)
            continue
        removed.append(path)
        if path.parent != folder:
            try:
                path.parent.rmdir()  # only when empty
            except OSError:
                pass
    if removed:
        log.info("removed %d upload(s) that no run refers to: %s", len(removed),
                 ", ".join(str(p) for p in removed))
    return removed


class _Unsure(Exception):
    """A file that may refer to an upload cannot be understood."""


def _saved_files(folder: Path) -> Iterator[Path]:
    """Files saved by `save_upload` (both layouts) and interrupted saves."""
    for entry in folder.iterdir():
        if entry.is_dir() and _SAVED.fullmatch(entry.name):
            yield from (f for f in entry.iterdir() if f.is_file())
        elif entry.is_file() and (_SAVED_FLAT.fullmatch(entry.name)
                                  or entry.name.startswith(_PART)):
            yield entry


def _key(path: Path, folder: Path) -> str:
    """The part of an upload's path that another file would contain: `<digest>/<name>` or
    `<digest>-<name>`."""
    return path.name if path.parent == folder else f"{path.parent.name}/{path.name}"


def _references(runs: Path, uploads: Path) -> tuple[set[Path], list[str]]:
    """(upload paths named by run configs, text of the other JSON files, searched for names).

    OSError when a file cannot be read, _Unsure when a run's config is not understood.
    """
    referenced: set[Path] = set()
    texts: list[str] = []
    if not runs.is_dir():
        return referenced, texts
    skip = uploads.resolve()
    candidates = [p for p in runs.iterdir() if p.suffix == ".json" and p.is_file()]
    for entry in runs.iterdir():
        if entry.is_dir() and entry.resolve() != skip:
            candidates += [p for p in entry.iterdir() if p.name == "config.json" or (
                p.suffix == ".json" and p.name != "summary.json" and p.is_file())]
    for path in candidates:
        if path.stat().st_size > _MAX_SCANNED:
            raise _Unsure(f"{path} is too large to search for uploads")
        text = path.read_text(encoding="utf-8", errors="replace")
        paths = _config_paths(text) if path.name == "config.json" else None
        if paths is not None:
            referenced.update(Path(p).resolve() for p in paths)
        elif path.name != "config.json" or path.parent.name.startswith(".tmp-"):
            texts.append(text)
        else:
            raise _Unsure(f"{path} is not a run config this version understands")
    return referenced, texts


def _config_paths(text: str) -> list[str] | None:
    """`data.path` of a run config as a list (None when the config cannot be understood)."""
    try:
        config = json.loads(text)
    except ValueError:
        return None
    data = config.get("data") if isinstance(config, dict) else None
    if not isinstance(data, dict) or "path" not in data:
        return None
    path = data["path"]
    if path is None:
        return []  # the embedded default
    if isinstance(path, str):
        return [path]
    if isinstance(path, list) and all(isinstance(p, str) for p in path):
        return path
    return None
