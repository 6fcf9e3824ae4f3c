"""The built home (``--home``): its safety checks, the build lock, the
``current`` pointer, stale-folder clean-up and the corpus listing.

Layout::

    HOME/                    0700 when created here (the umask is respected)
      .lock                  flock'ed by the one running build; holds its PID
      current -> build-ID    a symlink, replaced with one rename (atomic flip)
      build-ID/              a finished build (manifest.json, graph.msgpack, …)
      .build-ID/             a build in progress (removed by the next build if stale)
      cache/                 extraction cache, embedding store, the converted model

Security (issue 12.9, 12.14): a home owned by another user, or writable by
group or others, is refused (``HomeError``: exit 2) — a planted home cannot
make us load anything.  Nothing forces file modes: files are created with
``0o666 & ~umask``, folders with ``0o777 & ~umask``, a new home with 0700.
"""
from __future__ import annotations

import errno
import fcntl
import os
import shutil
import stat
import tempfile
import time
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

from kg.fsutil import fsync_dir, umask
from kg.model import InputError
from kg.read import supported

POINTER = "current"
BUILD_PREFIX = "build-"
TMP_PREFIX = ".build-"
OLD_PREFIX = ".old-"


class HomeError(InputError):
    """The home cannot be used (unsafe, busy, not a folder): exit 2."""


class HomeBusy(HomeError):
    """Another process holds the build lock."""

    def __init__(self, home: Path, pid: Optional[str]):
        super().__init__(str(home), f"home is being built by PID {pid or '?'}; try again when it finishes")
        self.pid = pid


def escape_name(name: str) -> str:
    """A file name as one printable line: undecodable bytes as ``\\xNN``,
    control characters (newlines, tabs, escapes) as ``\\n`` / ``\\xNN``."""
    out = []
    for ch in name:
        o = ord(ch)
        if 0xDC80 <= o <= 0xDCFF:                     # surrogateescape'd byte
            out.append(f"\\x{o - 0xDC00:02x}")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp"):
            out.append(f"\\x{o:02x}" if o < 256 else f"\\u{o:04x}")
        elif ch == "\\":
            out.append("\\\\")
        else:
            out.append(ch)
    return "".join(out)


def _bad_name(name: str) -> Optional[str]:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "file name is not valid UTF-8"
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in name):
        return "file name contains a control character (newline, tab, …)"
    return None


# ------------------------------------------------------------- the home --

def prepare_home(home: Path, create: bool = True) -> Path:
    """Check (and create, 0700) the home; HomeError if unusable or unsafe."""
    home = Path(home)
    try:
        st = os.stat(home)
    except FileNotFoundError:
        if not create:
            return home
        try:
            home.parent.mkdir(parents=True, exist_ok=True)
            os.mkdir(home, 0o700)
        except FileExistsError:
            pass
        except OSError as exc:
            raise HomeError(str(home), f"cannot create the home folder: {exc.strerror or exc}") from None
        st = os.stat(home)
    except OSError as exc:
        raise HomeError(str(home), f"cannot use the home folder: {exc.strerror or exc}") from None
    if not stat.S_ISDIR(st.st_mode):
        raise HomeError(str(home), "--home is not a folder")
    check_owner(home, st)
    return home


def check_owner(home: Path, st: Optional[os.stat_result] = None) -> None:
    """Refuse a home owned by someone else or writable by group/others."""
    st = st or os.stat(home)
    uid = os.getuid() if hasattr(os, "getuid") else st.st_uid
    if st.st_uid != uid:
        raise HomeError(str(home), f"refusing a home owned by another user (uid {st.st_uid}); "
                        "use a folder of your own")
    if st.st_mode & 0o022:
        raise HomeError(str(home), f"refusing a home writable by others (mode {stat.S_IMODE(st.st_mode):04o}); "
                        f"run: chmod go-w {home}")


class HomeLock:
    """Exclusive build lock (``flock`` on ``HOME/.lock``; released by the
    kernel when the process dies, so a killed build never leaves it held)."""

    def __init__(self, home: Path):
        self.path = Path(home) / ".lock"
        self.fd: Optional[int] = None

    def holder(self) -> Optional[str]:
        try:
            return self.path.read_text(encoding="ascii").strip() or None
        except (OSError, ValueError):
            return None

    def acquire(self, wait: bool = False, timeout: Optional[float] = None) -> "HomeLock":
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise
                if not wait or (deadline is not None and time.monotonic() > deadline):
                    pid = self.holder()
                    os.close(fd)
                    raise HomeBusy(self.path.parent, pid) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is not None:
            try:
                os.ftruncate(self.fd, 0)
            except OSError:
                pass
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


@contextmanager
def locked(home: Path, wait: bool = False, timeout: Optional[float] = None) -> Iterator[HomeLock]:
    lock = HomeLock(home).acquire(wait=wait, timeout=timeout)
    try:
        yield lock
    finally:
        lock.release()


# ------------------------------------------------------------ pointer ----

def current_build(home: Path) -> Optional[Path]:
    """The folder ``HOME/current`` points to (None when nothing is built)."""
    cur = Path(home) / POINTER
    try:
        target = os.readlink(cur)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.EINVAL and cur.is_dir():       # a home from before the pointer: a folder
            return cur
        return None
    if "/" in target or not target.startswith(BUILD_PREFIX):
        return None                                          # never follow a planted pointer elsewhere
    path = Path(home) / target
    return path if path.is_dir() else None


def pointer_target(home: Path) -> Optional[str]:
    """The pointer's raw target (cheap: one readlink), for watching."""
    try:
        return os.readlink(Path(home) / POINTER)
    except OSError:
        return None


def new_build_dir(home: Path) -> Path:
    d = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=home))
    os.chmod(d, 0o777 & ~umask())
    return d


def publish(home: Path, tmp: Path) -> Path:
    """Rename the finished ``.build-*`` to ``build-*`` and flip the pointer to
    it with one ``rename`` of a new symlink over ``current``."""
    home = Path(home)
    final = home / (BUILD_PREFIX + tmp.name[len(TMP_PREFIX):])
    os.rename(tmp, final)
    link = home / f".current-{os.getpid()}-{time.time_ns()}"
    os.symlink(final.name, link)
    cur = home / POINTER
    if cur.is_dir() and not cur.is_symlink():                # migrate an old home: folder → pointer
        os.rename(cur, home / f"{OLD_PREFIX}{os.getpid()}-{time.time_ns()}")
    os.replace(link, cur)
    fsync_dir(home)
    return final


def clean_stale(home: Path, keep_previous: Optional[str] = None) -> list[str]:
    """Remove stale ``.build-*``, ``.old-*``, ``.current-*`` and every
    ``build-*`` but the current one (and ``keep_previous``, which servers may
    still be reading until they see the new pointer).  Call with the lock held."""
    home = Path(home)
    cur = pointer_target(home)
    removed = []
    for entry in os.scandir(home):
        n = entry.name
        if n.startswith((TMP_PREFIX, OLD_PREFIX)) or (n.startswith(BUILD_PREFIX) and n not in (cur, keep_previous)):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(n)
        elif n.startswith(".current-") and entry.is_symlink():
            os.unlink(entry.path)
            removed.append(n)
    return removed


# ------------------------------------------------------------- corpus ----

@dataclass
class Listing:
    files: list = field(default_factory=list)       # (label, Path), sorted by label
    skipped: list = field(default_factory=list)     # "escaped name: reason"


def list_corpus(data: Path) -> Listing:
    """Supported files under ``data`` (hidden entries ignored).  Symlinks are
    followed only while they stay inside the corpus; every entry that cannot
    be used — a link out of the corpus, a dangling link, a loop, an
    unreadable folder, a FIFO or other special file, a name that is not UTF-8
    or holds a newline — is named in ``skipped`` (escaped, one line each)."""
    data = Path(data)
    if not data.is_dir():
        raise InputError(str(data), "corpus folder does not exist")
    root = data.resolve()
    out = Listing()
    seen_dirs = {(os.stat(root).st_dev, os.stat(root).st_ino)}
    seen_files: set = set()

    def skip(rel: str, why: str) -> None:
        out.skipped.append(f"{escape_name(rel)}: {why}")

    def walk(folder: Path, rel: str) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            skip(rel or ".", f"cannot read folder ({exc.strerror or exc})")
            return
        for e in entries:
            if e.name.startswith("."):
                continue
            r = f"{rel}/{e.name}" if rel else e.name
            try:
                is_link = e.is_symlink()
                if is_link:
                    try:
                        target = Path(e.path).resolve(strict=True)
                    except FileNotFoundError:
                        skip(r, "dangling symbolic link")
                        continue
                    except (RuntimeError, OSError):
                        skip(r, "symbolic link loop")
                        continue
                    if target != root and root not in target.parents:
                        skip(r, "symbolic link pointing outside the corpus folder")
                        continue
                st = os.stat(e.path)
            except OSError as exc:
                skip(r, f"cannot read ({exc.strerror or exc})")
                continue
            if stat.S_ISDIR(st.st_mode):
                key = (st.st_dev, st.st_ino)
                if key in seen_dirs:
                    if is_link:
                        skip(r, "symbolic link loop (folder already listed)")
                    continue
                seen_dirs.add(key)
                walk(Path(e.path), r)
                continue
            if not supported(Path(e.name)):
                continue
            bad = _bad_name(r)
            if bad:
                skip(r, bad)
                continue
            if not stat.S_ISREG(st.st_mode):
                skip(r, "not a regular file (FIFO, socket or device)")
                continue
            found.append((is_link, r, Path(e.path), (st.st_dev, st.st_ino)))

    found: list = []
    walk(root if data.is_symlink() else data, "")
    for is_link, r, path, key in sorted(found, key=lambda x: (x[0], x[1])):
        if key in seen_files:
            continue                 # a link to a file listed under its own name (real files first)
        seen_files.add(key)
        out.files.append((r, path))
    out.files.sort(key=lambda x: x[0])
    return out
