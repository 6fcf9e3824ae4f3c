"""Give freed heap memory back to the operating system after a big load.

Loading the serving state makes large short-lived allocations (the e5
tokenizer's 16 MB JSON parsed into ~300 MB of Rust objects, the per-passage
token lists of the search index); glibc keeps freed chunks in its arenas, so
the process RSS stays at the peak.  ``malloc_trim(0)`` returns the free pages
(measured: the model load 913 -> 679 MB).  A no-op where the C library has no
``malloc_trim`` (macOS, musl).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import resource
import sys

_TRIM = None
try:
    _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    _TRIM = getattr(_libc, "malloc_trim", None)
except OSError:
    _TRIM = None
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def trim() -> bool:
    """Release free heap pages; True when the C library did."""
    if _TRIM is None:
        return False
    return bool(_TRIM(0))


def rss_mb() -> float | None:
    """This process's resident memory now, in MB (None where /proc is not)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            pages = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return round(pages * _PAGE / 2**20, 1)


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (2**20 if sys.platform == "darwin" else 2**10), 1)     # bytes on macOS, KiB elsewhere
