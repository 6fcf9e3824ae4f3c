"""Every CLI argument is validated: a bad one exits 2 with one line on stderr
naming it (issue 12.13).  Table-driven; nothing here builds a store."""
from __future__ import annotations

import contextlib
import io
import os
import socket
from pathlib import Path

import pytest

from cli.main import main

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "data" / "corpus"


@pytest.fixture()
def files(tmp_path):
    (tmp_path / "afile").write_text("x")
    (tmp_path / "latin1.txt").write_bytes("ai chủ trì".encode("utf-16"))
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    yield tmp_path
    ro.chmod(0o700)


@pytest.fixture()
def busy_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    yield s.getsockname()[1]
    s.close()


CASES = [
    # (argv with {tmp} / {port}, words the one line must contain)
    (["--home", "{tmp}/afile", "top"], ["--home", "afile", "not a folder"]),
    (["--home", "{tmp}/afile/sub", "top"], ["--home", "cannot be created"]),
    (["--home", "{tmp}/ro/sub/home", "top"], ["--home", "cannot be created"]),
    (["--home", "{tmp}/h", "ask", "--batch", "{tmp}/latin1.txt", "--json"], ["latin1.txt", "UTF-8"]),
    (["--home", "{tmp}/h", "ask", "--batch", "{tmp}/nope.txt"], ["nope.txt", "no such file"]),
    (["--home", "{tmp}/h", "export", "-o", "{tmp}/missing/x.ttl"], ["-o", "missing", "does not exist"]),
    (["--home", "{tmp}/h", "export", "-o", "{tmp}"], ["-o", "is a folder"]),
    (["--home", "{tmp}/h", "serve", "--port", "{port}"], ["serve", "cannot listen", "{port}"]),
    (["--home", "{tmp}/h", "serve", "--port", "99999"], ["--port", "99999", "out of range"]),
    (["--home", "{tmp}/h", "serve", "--port", "0"], ["--port", "out of range"]),
    (["--home", "{tmp}/h", "serve", "--threads", "0"], ["--threads", "out of range"]),
    (["--home", "{tmp}/h", "top", "--n", "-5"], ["--n", "-5", "out of range"]),
    (["--home", "{tmp}/h", "top", "--n", "x"], ["--n", "not an integer"]),
    (["--home", "{tmp}/h", "cites", "319/KH-UBND", "--depth", "-1"], ["--depth", "-1", "out of range"]),
    (["--home", "{tmp}/h", "cites", "319/KH-UBND", "--depth", "11"], ["--depth", "out of range"]),
    (["--home", "{tmp}/h", "cites", "319/KH-UBND", "--direction", "up"], ["--direction", "up"]),
    (["--home", "{tmp}/h", "ask", "q", "--k", "0"], ["--k", "out of range"]),
    (["--data", "{tmp}/afile", "top"], ["--data", "not a folder"]),
]


@pytest.mark.parametrize("argv,words", CASES, ids=[" ".join(c[0][2:] if c[0][0] == "--home" else c[0])
                                                    for c in CASES])
def test_bad_argument_exits_2_with_one_line(files, busy_port, argv, words):
    if "/ro/" in argv[1] and os.geteuid() == 0:
        pytest.skip("root can write into a read-only folder")
    fill = lambda s: s.replace("{tmp}", str(files)).replace("{port}", str(busy_port))
    argv = [fill(a) for a in argv]
    if "--data" not in argv:
        argv = ["--data", str(CORPUS)] + argv
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    lines = err.getvalue().splitlines()
    assert rc == 2, (rc, err.getvalue())
    assert len(lines) == 1, lines
    for w in words:
        assert fill(w) in lines[0], (w, lines[0])
    assert out.getvalue() == ""
    assert not (files / "h").exists() or "serve" not in argv   # nothing built for a usage error
