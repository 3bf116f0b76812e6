"""Resumable, checksummed downloads with the standard library only.

Bytes go to ``<dest>.part`` beside ``dest``. An interrupted transfer (a dropped connection now, or a
killed process earlier) continues from the end of the part file with ``Range: bytes=N-``; a server that
ignores ranges answers 200 and we start again from zero. Only a complete file whose SHA-256 matches the
pinned value is renamed to ``dest`` (atomic within one folder), so ``dest`` is either absent or right.
A ``file://`` URL or a plain local path is copied the same way, so users can point at a local archive.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import os
import re
import shutil
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from tqdm import tqdm

from dexgen.errors import FetchError
from dexgen.hashing import sha256_file

log = logging.getLogger(__name__)

_CHUNK = 1 << 16
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CONTENT_RANGE = re.compile(r"bytes (\d+)-\d+/(\d+|\*)")
# What a retry can cure: dropped or refused connections, timeouts, a body cut short, and server-side
# (5xx) failures. A 4xx is the URL's fault and fails at once.
_TRANSIENT = (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError)


class _Incomplete(Exception):
    """The server closed the connection before sending all it announced."""


def download(
    url: str,
    dest: str | Path,
    *,
    sha256: str,
    timeout: float = 60.0,
    progress: bool = True,
    retries: int = 5,
    backoff: float = 1.0,
) -> Path:
    """Fetch ``url`` to ``dest`` and check it against ``sha256``; return ``dest``.

    url : ``http(s)://`` or ``file://`` URL, or a local path (copied).
    sha256 : pinned hex digest of the complete file; an existing ``dest`` with this digest is kept
        and nothing is fetched.
    timeout : seconds a connection may stay silent before the attempt counts as failed.
    retries : further attempts after a transient failure; the wait before attempt ``k`` is
        ``backoff * 2**(k-1)`` seconds (capped at 60), and each attempt resumes the part file.

    Raises FetchError naming the URL on a 4xx answer, when the retries run out, or on a checksum
    mismatch (the bad file is then removed, so the next call starts afresh).
    """
    expected = sha256.strip().lower()
    if not _SHA256.fullmatch(expected):
        raise ValueError(f"sha256 for {url} must be 64 hex digits, got {sha256!r}")
    if retries < 0:
        raise ValueError(f"retries must be >= 0, got {retries}")
    dest = Path(dest)
    if dest.is_file() and sha256_file(dest) == expected:
        log.info("%s: already present with the pinned sha256, not fetched again", dest)
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")

    scheme = urlsplit(url).scheme.lower()
    if scheme in ("http", "https"):
        _fetch_http(url, part, timeout=timeout, progress=progress, retries=retries, backoff=backoff)
    elif scheme == "file" or scheme == "" or len(scheme) == 1:  # one letter: a Windows drive
        _copy_local(url, part)
    else:
        raise FetchError(f"{url}: unsupported URL scheme {scheme!r}; use http, https, file or a local path")

    actual = sha256_file(part)
    if actual != expected:
        part.unlink()
        raise FetchError(
            f"{url}: sha256 mismatch: expected {expected}, got {actual}; the downloaded file was removed. "
            "If the file changed upstream on purpose, update the pinned sha256."
        )
    os.replace(part, dest)
    log.info("%s: fetched from %s (sha256 ok)", dest, url)
    return dest


def _copy_local(url: str, part: Path) -> None:
    """Copy a ``file://`` URL or a local path to ``part`` (no resume: local copies are fast)."""
    parts = urlsplit(url)
    src = Path(url2pathname(parts.path)) if parts.scheme.lower() == "file" else Path(url)
    if not src.is_file():
        raise FetchError(f"{url}: no such local file ({src})")
    shutil.copyfile(src, part)


def _fetch_http(
    url: str, part: Path, *, timeout: float, progress: bool, retries: int, backoff: float
) -> None:
    """Fill ``part`` with the complete body of ``url``, resuming across attempts."""
    for attempt in range(retries + 1):
        if attempt:
            delay = min(backoff * 2 ** (attempt - 1), 60.0)
            log.warning("%s: retrying in %.1f s (attempt %d of %d)", url, delay, attempt + 1, retries + 1)
            time.sleep(delay)
        try:
            _attempt(url, part, timeout=timeout, progress=progress)
            return
        except urllib.error.HTTPError as err:
            if err.code < 500:
                raise FetchError(f"{url}: HTTP {err.code} {err.reason}") from err
            last: Exception = err
        except (_Incomplete, *_TRANSIENT) as err:
            last = err
        log.warning("%s: attempt %d failed: %s", url, attempt + 1, last)
    raise FetchError(f"{url}: download failed after {retries + 1} attempts: {last}") from last


def _attempt(url: str, part: Path, *, timeout: float, progress: bool) -> None:
    """One request: append to ``part`` after a 206, rewrite it after a 200, accept it after a 416."""
    offset = part.stat().st_size if part.exists() else 0
    headers = {"User-Agent": "dexgen-fetch"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    request = urllib.request.Request(url, headers=headers)
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        if err.code == 416 and offset:
            # Nothing left past our offset: the part file is complete (the checksum will tell).
            err.close()
            log.info("%s: part file already complete (%d bytes)", url, offset)
            return
        raise
    with response:
        if response.status == 206:
            match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
            if not match or int(match.group(1)) != offset:
                raise _Incomplete(f"bad Content-Range {response.headers.get('Content-Range')!r}")
            mode = "ab"
        else:  # 200: the server sent the whole file, ignoring or without our Range
            if offset:
                log.info("%s: server ignored the range request, restarting from zero", url)
            offset, mode = 0, "wb"
        length = response.headers.get("Content-Length")
        expected = int(length) if length is not None else None
        total = offset + expected if expected is not None else None
        received = 0
        with (
            open(part, mode) as f,
            tqdm(
                total=total,
                initial=offset,
                unit="B",
                unit_scale=True,
                desc=part.name[:-5],
                disable=not progress,
            ) as bar,
        ):
            while chunk := response.read(_CHUNK):
                f.write(chunk)
                received += len(chunk)
                bar.update(len(chunk))
            f.flush()
            with contextlib.suppress(OSError):
                os.fsync(f.fileno())
    # http.client's read(n) returns b"" on a closed socket rather than raising, so check the length.
    if expected is not None and received < expected:
        raise _Incomplete(f"connection closed after {received} of {expected} bytes")
