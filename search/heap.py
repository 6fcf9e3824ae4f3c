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

_TRIM = None
try:
    _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    _TRIM = getattr(_libc, "malloc_trim", None)
except OSError:
    _TRIM = None


def trim() -> bool:
    """Release free heap pages; True when the C library did."""
    if _TRIM is None:
        return False
    return bool(_TRIM(0))
