"""Uploaded files: saved once under a content-addressed name so runs can reload them.

No streamlit here, so the upload handling is testable without a browser.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

# What the file uploader accepts: CSV, Parquet, Milan raw TSV (.txt), each optionally gzipped.
UPLOAD_TYPES = ("csv", "parquet", "pq", "txt", "tsv", "gz")


def uploads_dir() -> Path:
    """`$IMPORTANCE_UPLOADS_DIR`, else `.uploads` inside the run store (runs refer to it)."""
    given = os.environ.get("IMPORTANCE_UPLOADS_DIR")
    if given:
        return Path(given)
    # Same default as importance.runs.store.default_runs_dir (not imported: it pulls in torch).
    return Path(os.environ.get("IMPORTANCE_RUNS_DIR", "runs")) / ".uploads"


def save_upload(name: str, data: bytes, folder: Path | None = None) -> Path:
    """Write `data` as `<sha256[:12]>-<name>` (once; the same bytes reuse the file)."""
    folder = folder or uploads_dir()
    folder.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name).strip("._") or "upload"
    path = folder / f"{hashlib.sha256(data).hexdigest()[:12]}-{safe}"
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".part-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    return path.resolve()
