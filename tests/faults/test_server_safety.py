"""Server safety: the dashboard listens on this machine only unless asked, visitors see no
error details, gzip content has a size limit, and uploads no run needs are removed."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time
import tomllib
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import streamlit as st
from streamlit.config import ShowErrorDetailsConfigOptions
from streamlit.testing.v1 import AppTest

from importance.data import DataError, describe_source, files, load_series
from tests.faults.corpus import BAD_FILES

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `ui` is an app folder, not an installed package
    sys.path.insert(0, str(ROOT))

from importance.data.uploads import remove_stale_uploads, save_upload  # noqa: E402
from ui import devserver  # noqa: E402

DAY = 24 * 3600


# --- listening address -------------------------------------------------------------------------

def _run_sh_args(tmp_path: Path, *args: str, address: str | None = None) -> list[str]:
    """The arguments scripts/run.sh passes to `streamlit`, with setup and streamlit stubbed."""
    scripts = tmp_path / "scripts"
    scripts.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "scripts" / "run.sh", scripts / "run.sh")
    (scripts / "setup.sh").write_text("#!/bin/sh\nexit 0\n")
    (scripts / "env.sh").write_text(f'export PATH="{tmp_path / "bin"}:$PATH"\n')
    fake = tmp_path / "bin" / "streamlit"
    fake.parent.mkdir(exist_ok=True)
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$ARGS_OUT"\n')
    for script in (scripts / "setup.sh", fake):
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    out = tmp_path / "args.txt"
    env = {k: v for k, v in os.environ.items() if k not in ("ADDRESS", "PORT")}
    env["ARGS_OUT"] = str(out)
    if address is not None:
        env["ADDRESS"] = address
    subprocess.run(["bash", str(scripts / "run.sh"), *args], check=True, env=env, timeout=30)
    return out.read_text().splitlines()


def _addresses(args: list[str]) -> list[str]:
    found = [args[i + 1] for i, a in enumerate(args) if a == "--server.address"]
    return found + [a.split("=", 1)[1] for a in args if a.startswith("--server.address=")]


def test_run_sh_listens_on_localhost_unless_an_address_is_asked_for(tmp_path: Path) -> None:
    args = _run_sh_args(tmp_path)
    assert args[:2] == ["run", "app.py"] and _addresses(args) == ["127.0.0.1"]
    assert _addresses(_run_sh_args(tmp_path, address="0.0.0.0")) == ["0.0.0.0"]
    given = _run_sh_args(tmp_path, "--server.address", "10.1.2.3", "--server.port", "9000")
    assert _addresses(given) == ["10.1.2.3"] and given[-2:] == ["--server.port", "9000"]
    assert _addresses(_run_sh_args(tmp_path, "--server.address=::1")) == ["::1"]


def _config() -> dict:
    return tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())


def test_the_config_binds_localhost_and_hides_error_details() -> None:
    config = _config()
    assert config["server"]["address"] == "127.0.0.1"
    details = config["client"]["showErrorDetails"]
    assert details == ShowErrorDetailsConfigOptions.NONE  # a value Streamlit 1.67 knows
    assert st.config.get_option("client.showErrorDetails") == "none"  # read from the file


def _listeners(port: int) -> set[str]:
    """Local addresses (hex, as in /proc/net/tcp*) listening on `port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc/net/tcp")
def test_a_plain_streamlit_run_listens_on_loopback_only(tmp_path: Path) -> None:
    """`streamlit run app.py` without an address (the config's): 127.0.0.1, not 0.0.0.0."""
    port = devserver.free_port()
    env = {**os.environ, "IMPORTANCE_RUNS_DIR": str(tmp_path / "runs"),
           "CODECARBON_LOG_LEVEL": "error"}
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py",
                                "--server.headless", "true", "--server.port", str(port)],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        devserver.wait_healthy(f"http://127.0.0.1:{port}", process)
        assert _listeners(port) == {"0100007F"}  # 127.0.0.1, and no IPv4/IPv6 wildcard
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_visitors_see_a_generic_error_and_the_log_gets_the_details(
        capsys: pytest.CaptureFixture) -> None:
    at = AppTest.from_string("raise RuntimeError('secret: /srv/data/cells.csv')").run()
    (shown,) = at.exception
    assert "secret" not in shown.value and "redacted" in shown.value
    assert not shown.stack_trace
    logged = re.sub(r"\x1b\[[0-9;]*m", "", "".join(capsys.readouterr()))
    assert "secret: /srv/data/cells.csv" in logged  # the server's log


def _page_files() -> list[Path]:
    return sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")])


@pytest.mark.parametrize("path", _page_files(), ids=lambda p: p.name)
def test_our_pages_show_no_traceback(path: Path) -> None:
    """Errors are shown as messages; tracebacks stay in the server's log."""
    code = path.read_text()
    for shown in (r"st\.exception\(", r"\.traceback\b", r"format_exc", r"Traceback"):
        assert not re.search(shown, code), f"{path.name}: {shown}"


# --- decompression limit -----------------------------------------------------------------------

def test_the_default_limit_is_2_gb_and_is_named_in_words() -> None:
    assert files.MAX_DECOMPRESSED_BYTES == 2_000_000_000
    assert files.size_words(files.MAX_DECOMPRESSED_BYTES) == "2 GB"
    assert files.size_words(16_000_000) == "16 MB"


def test_a_gzip_bomb_is_refused_before_it_fills_memory(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "MAX_DECOMPRESSED_BYTES", 4_000_000)
    path = BAD_FILES["gz_bomb"].write(tmp_path)  # 64 MB of CSV once decompressed
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match=r"^bomb\.csv\.gz: decompresses to more than 4 MB, "
                                            r"the limit for gzip files here"):
            describe_source(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16_000_000  # the limit and a chunk or two, not the 64 MB


def test_gzip_content_up_to_the_limit_is_read_whole(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    content = b"x" * 3_000_000
    path = tmp_path / "exact.gz"
    path.write_bytes(gzip.compress(content))
    monkeypatch.setattr(files, "MAX_DECOMPRESSED_BYTES", len(content))
    assert files.read_content(path) == content
    monkeypatch.setattr(files, "MAX_DECOMPRESSED_BYTES", len(content) - 1)
    with pytest.raises(DataError, match=r"^exact\.gz: decompresses to more than 3 MB"):
        files.read_content(path)


def test_csv_text_is_limited_by_the_machines_memory(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The generic reader needs ~30x its text in memory: its limit follows the machine's."""
    monkeypatch.setattr(files, "machine_memory", lambda: 60_000_000)  # -> 1 MB of text
    assert files.max_text_bytes() == 1_000_000
    text = BAD_FILES["negative_only"].bytes() * 200  # 1.9 MB
    plain, packed = tmp_path / "big.csv", tmp_path / "big.csv.gz"
    plain.write_bytes(text)
    packed.write_bytes(gzip.compress(text))
    limit = r"1 MB, the most this machine reads as CSV/TSV text \(reading takes about 30 times"
    with pytest.raises(DataError, match=rf"^big\.csv: 1\.\d+ MB, more than {limit}"):
        load_series(plain)
    with pytest.raises(DataError, match=rf"^big\.csv\.gz: decompresses to more than {limit}"):
        load_series(packed)


def test_a_milan_file_is_streamed_within_the_limit(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Milan files go through pyarrow's reader: the same limit applies to its stream."""
    monkeypatch.setattr(files, "MAX_DECOMPRESSED_BYTES", 4_000_000)
    path = BAD_FILES["milan_bomb"].write(tmp_path)
    with pytest.raises(DataError, match=r"^milan_day\.txt\.gz: decompresses to more than 4 MB"):
        load_series(path)


def test_a_parquet_file_that_expands_past_the_limit_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    n = 200_000
    frame = pd.DataFrame({"time": pd.date_range("2019-01-01", periods=n, freq="min"),
                          "traffic": np.zeros(n)})
    path = tmp_path / "zeros.parquet"
    frame.to_parquet(path, index=False)
    assert len(load_series(path).values) == n  # within the limit: read
    monkeypatch.setattr(files, "MAX_DECOMPRESSED_BYTES", 1_000_000)
    with pytest.raises(DataError, match=r"^zeros\.parquet: [\d.]+ MB of data once decompressed, "
                                        r"more than the 1 MB this lab reads"):
        describe_source(path)


# --- uploads -----------------------------------------------------------------------------------

def test_an_upload_keeps_its_name_in_a_folder_named_by_its_content(tmp_path: Path) -> None:
    first = save_upload("My Cells (june).csv", b"a,b\n", tmp_path)
    assert first.name == "My_Cells_june_.csv" and re.fullmatch(r"[0-9a-f]{12}", first.parent.name)
    assert save_upload("My Cells (june).csv", b"a,b\n", tmp_path) == first
    other = save_upload("My Cells (june).csv", b"a,c\n", tmp_path)
    assert other.parent != first.parent and other.read_bytes() == b"a,c\n"
    assert not list(tmp_path.rglob(".part-*"))


def _old(path: Path, age_s: float = 2 * DAY) -> Path:
    past = time.time() - age_s
    os.utime(path, (past, past))
    return path


def _run(runs: Path, run_id: str, path: object) -> None:
    folder = runs / run_id
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"data": {"path": path, "series": None}}))
    (folder / "summary.json").write_text("{}")


@pytest.fixture
def store(tmp_path: Path) -> tuple[Path, Path]:
    runs, uploads = tmp_path / "runs", tmp_path / "runs" / ".uploads"
    runs.mkdir()
    return runs, uploads


def test_only_old_uploads_that_no_run_needs_are_removed(store: tuple[Path, Path]) -> None:
    runs, uploads = store
    used = _old(save_upload("used.csv", b"1", uploads))
    in_list = _old(save_upload("jan.csv", b"2", uploads))
    queued = _old(save_upload("queued.csv", b"3", uploads))
    stale = _old(save_upload("stale.csv", b"4", uploads))
    fresh = save_upload("fresh.csv", b"5", uploads)
    flat_used = uploads / "0123456789ab-old_layout.csv"  # the earlier <digest>-<name>
    flat_stale = uploads / "ba9876543210-old_stale.csv"
    part = uploads / stale.parent.name / ".part-x1y2"  # an interrupted save
    other = uploads / "notes.txt"  # not an upload: left alone
    for path in (flat_used, flat_stale, part, other):
        path.write_bytes(b"6")
        _old(path)
    _run(runs, "run-a", str(used))
    _run(runs, "run-b", [str(in_list), "/elsewhere/feb.csv"])
    _run(runs, "run-c", str(flat_used))
    _run(runs, "run-default", None)
    (runs / "queue.json").write_text(json.dumps({"jobs": [{"data": {"path": str(queued)}}]}))

    removed = remove_stale_uploads(uploads, runs)

    assert sorted(removed) == sorted([stale, flat_stale, part])
    assert not stale.parent.exists()  # its folder, once empty
    for kept in (used, in_list, queued, fresh, flat_used, other):
        assert kept.exists(), kept
    assert remove_stale_uploads(uploads, runs) == []


def test_nothing_is_removed_when_a_run_config_cannot_be_understood(
        store: tuple[Path, Path]) -> None:
    runs, uploads = store
    stale = _old(save_upload("stale.csv", b"1", uploads))
    broken = runs / "run-broken"
    broken.mkdir()
    (broken / "config.json").write_text('{"data": {"pa')  # cut off mid-write
    assert remove_stale_uploads(uploads, runs) == [] and stale.exists()
    (broken / "config.json").write_text(json.dumps({"data": {"path": {"odd": 1}}}))
    assert remove_stale_uploads(uploads, runs) == [] and stale.exists()
    (broken / "config.json").unlink()
    (broken / "config.json").mkdir()  # unreadable as a file
    assert remove_stale_uploads(uploads, runs) == [] and stale.exists()


def test_an_interrupted_save_is_only_searched_for_the_upload(store: tuple[Path, Path]) -> None:
    runs, uploads = store
    mentioned = _old(save_upload("mentioned.csv", b"1", uploads))
    stale = _old(save_upload("stale.csv", b"2", uploads))
    tmp = runs / ".tmp-run-x"
    tmp.mkdir()
    (tmp / "config.json").write_text('{"data": {"path": "' + str(mentioned))  # cut off
    assert remove_stale_uploads(uploads, runs) == [stale]
    assert mentioned.exists()


def test_the_grace_period_and_missing_folders(store: tuple[Path, Path]) -> None:
    runs, uploads = store
    assert remove_stale_uploads(uploads, runs) == []  # no uploads folder yet
    young = _old(save_upload("young.csv", b"1", uploads), age_s=DAY - 60)
    assert remove_stale_uploads(uploads, runs) == []
    assert remove_stale_uploads(uploads, runs, grace_s=60) == [young]
    shutil.rmtree(runs / ".uploads")
    shutil.rmtree(runs)
    assert remove_stale_uploads(uploads, runs) == []


def test_the_dashboard_removes_stale_uploads_once_per_server(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs, uploads = tmp_path / "runs", tmp_path / "uploads"
    monkeypatch.setenv("IMPORTANCE_RUNS_DIR", str(runs))
    monkeypatch.setenv("IMPORTANCE_UPLOADS_DIR", str(uploads))
    st.cache_resource.clear()
    try:
        first = _old(save_upload("first.csv", b"1", uploads))
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
        assert not at.exception, [e.value for e in at.exception]
        assert not first.exists()
        second = _old(save_upload("second.csv", b"2", uploads))
        AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
        assert second.exists()  # the same server: not again
        st.cache_resource.clear()  # a new server
        AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
        assert not second.exists()
    finally:
        st.cache_resource.clear()

