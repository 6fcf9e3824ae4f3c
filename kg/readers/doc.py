"""Word 97–2003 .doc → .docx with LibreOffice (headless), then the .docx reader.

Each conversion runs in its own temporary folder with a private LibreOffice
profile (``-env:UserInstallation``), so parallel runs do not share a lock,
and under a time limit.  Without LibreOffice: a one-line error naming the
Debian package.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Optional

from ..model import InputError
from ..textmap import MappedText
from .docx import docx_text

TIMEOUT_S = float(os.environ.get("LEGALKG_DOC_TIMEOUT", "120"))
PACKAGE = "libreoffice-writer-nogui"


def soffice() -> Optional[str]:
    for name in ("soffice", "libreoffice"):
        exe = shutil.which(name)
        if exe:
            return exe
    return None


def convert_to_docx(path: Path, label: str, outdir: Path) -> Path:
    exe = soffice()
    if not exe:
        raise InputError(label, f"reading .doc needs LibreOffice, which is not installed "
                                f"(install Debian package {PACKAGE})")
    with open(path, "rb") as f:
        head = f.read(8)
    if not head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(label, "not a Word 97-2003 document (no OLE header): corrupt or misnamed .doc")
    src = outdir / ("in" + path.suffix.lower())
    shutil.copyfile(path, src)             # a plain name: no surprises from quotes or leading dashes
    profile = outdir / "profile"
    cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
           "--nolockcheck", "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(outdir), str(src)]
    try:
        r = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT_S, cwd=outdir,
                           env=dict(os.environ, HOME=str(outdir)))
    except subprocess.TimeoutExpired:
        raise InputError(label, f"LibreOffice took over {TIMEOUT_S:.0f} s to convert the .doc; gave up") from None
    except OSError as exc:
        raise InputError(label, f"cannot run LibreOffice: {exc}") from None
    out = outdir / "in.docx"
    if r.returncode != 0 or not out.exists():
        msg = (r.stderr or r.stdout).decode("utf-8", "replace").strip().splitlines()
        raise InputError(label, "LibreOffice could not convert the .doc (corrupt or password-protected?)"
                                + (f": {msg[-1][:200]}" if msg else ""))
    return out


def read_doc(path: Path, label: str) -> MappedText:
    with tempfile.TemporaryDirectory(prefix="legalkg-doc-") as tmp:
        docx = convert_to_docx(path, label, Path(tmp))
        text, _ = docx_text(docx, label)
    return MappedText.identity(text)
