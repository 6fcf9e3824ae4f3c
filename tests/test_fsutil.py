"""kg.fsutil: atomic writes keep the old file on error and respect the umask."""
import os
import stat

import pytest

from kg.fsutil import atomic_path, atomic_write, file_mode, umask


def test_atomic_write_replaces_and_leaves_no_temporary(tmp_path):
    p = tmp_path / "sub" / "f.bin"
    atomic_write(p, b"one")
    atomic_write(p, b"two")
    assert p.read_bytes() == b"two"
    assert sorted(x.name for x in p.parent.iterdir()) == ["f.bin"]


def test_error_keeps_the_old_file(tmp_path):
    p = tmp_path / "f.bin"
    atomic_write(p, b"old")
    with pytest.raises(RuntimeError):
        with atomic_path(p) as tmp:
            with open(tmp, "wb") as fh:
                fh.write(b"half")
            raise RuntimeError("boom")
    assert p.read_bytes() == b"old"
    assert [x.name for x in tmp_path.iterdir()] == ["f.bin"]


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_mode_follows_the_umask(tmp_path, mask):
    old = os.umask(mask)
    try:
        assert umask() == mask and file_mode() == 0o666 & ~mask
        p = tmp_path / f"f{mask:o}"
        atomic_write(p, b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(p.stat().st_mode) == 0o666 & ~mask
