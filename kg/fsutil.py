"""Atomic file writes, shared by every layer that persists something.

``atomic_write(path, data)`` / ``with atomic_path(path) as tmp: ...`` write a
temporary file in the target's folder, fsync it, give it the mode a plain
``open()`` would (``0o666 & ~umask``: nothing is forced) and rename it over
``path`` with ``os.replace``; on any error the temporary file is removed and
``path`` is left as it was.  ``fsync_dir`` makes a rename itself durable.
"""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def umask() -> int:
    """The process umask, read without changing it where Linux allows
    (``/proc/self/status``), else with the set-and-restore idiom."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode ``open()`` gives a new file under the current umask."""
    return 0o666 & ~umask()


def fsync_dir(path: Path) -> None:
    """fsync a folder (so a rename in it survives a crash); best effort."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_path(path: Path, suffix: str = "", durable_dir: bool = False) -> Iterator[str]:
    """Yield a temporary file name next to ``path`` for the caller to write;
    on a clean exit it is fsync'ed, given ``file_mode()`` and renamed over
    ``path`` (then the folder is fsync'ed when ``durable_dir``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=suffix)
    os.close(fd)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if durable_dir:
        fsync_dir(path.parent)


def atomic_write(path: Path, data: bytes, durable_dir: bool = False) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_path`)."""
    with atomic_path(path, durable_dir=durable_dir) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
