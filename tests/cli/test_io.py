"""Tests of cossim.cli.io: reading the user's arrays and atomic writes of the outputs."""

import errno
import gc
import hashlib
import os
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from cossim.cli import io as cio
from cossim.cli.errors import CLIError


def test_atomic_write_success_has_ordinary_permissions(tmp_path):
    target = tmp_path / "out.json"
    with cio.atomic_write(target, "w") as handle:
        handle.write("{}\n")
    assert target.read_text() == "{}\n"
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no temporary left


def test_atomic_write_keeps_the_old_file_when_the_body_fails(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="boom"):
        with cio.atomic_write(target, "w") as handle:
            handle.write("half")
            raise RuntimeError("boom")  # not an OSError: passed on unchanged
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_disk_full_is_the_users_environment(tmp_path, monkeypatch):
    """An OSError while writing (here ENOSPC on rename) becomes a one-line CLIError."""
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(cio.os, "replace", full)
    target = tmp_path / "figure1.png"
    with pytest.raises(CLIError, match="cannot write .*figure1.png: No space left on device"):
        with cio.atomic_write(target) as handle:
            handle.write(b"png")
    assert list(tmp_path.iterdir()) == []


def test_unwritable_folder_is_a_cli_error(tmp_path):
    with pytest.raises(CLIError, match="cannot write"):
        with cio.atomic_write(tmp_path / "missing-dir" / "x.json", "w") as handle:
            handle.write("x")


def test_ensure_output_dir(tmp_path):
    made = cio.ensure_output_dir(tmp_path / "a" / "b")
    assert made.is_dir()
    (tmp_path / "file").write_text("x")
    with pytest.raises(CLIError, match="not a directory"):
        cio.ensure_output_dir(tmp_path / "file")
    with pytest.raises(CLIError, match="cannot be created"):
        cio.ensure_output_dir(tmp_path / "file" / "sub")


def test_sha256_file(tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(b"abc" * 1000)
    assert cio.sha256_file(path) == hashlib.sha256(b"abc" * 1000).hexdigest()
    with pytest.raises(CLIError, match="cannot read"):
        cio.sha256_file(tmp_path)  # a folder: the user's input, not a bug


def test_load_sparse_matrix(tmp_path):
    X = sp.random(5, 4, density=0.5, format="csr", random_state=0)
    sp.save_npz(tmp_path / "X.npz", X)
    assert (cio.load_sparse_matrix(tmp_path / "X.npz", "--data") != X).nnz == 0
    with pytest.raises(CLIError, match="--data .*no such file"):
        cio.load_sparse_matrix(tmp_path / "none.npz", "--data")
    (tmp_path / "junk.npz").write_bytes(b"junk")
    with pytest.raises(CLIError, match="not a scipy.sparse .npz file"):
        cio.load_sparse_matrix(tmp_path / "junk.npz", "--data")


def test_a_truncated_npz_leaves_no_file_open(tmp_path):
    X = sp.random(40, 12, density=0.3, format="csr", random_state=1)
    sp.save_npz(tmp_path / "X.npz", X)
    whole = (tmp_path / "X.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(whole[: len(whole) // 2])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(CLIError, match=r"not a scipy.sparse .npz file \(BadZipFile\)"):
            cio.load_sparse_matrix(tmp_path / "cut.npz", "--data")
        gc.collect()  # an unclosed file warns when it is collected
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_load_array(tmp_path):
    np.save(tmp_path / "y.npy", np.arange(3))
    assert cio.load_array(tmp_path / "y.npy", "--labels").tolist() == [0, 1, 2]
    np.savez(tmp_path / "two.npz", a=np.ones(2), b=np.ones(2))
    with pytest.raises(CLIError, match="one array, got an archive"):
        cio.load_array(tmp_path / "two.npz", "--labels")
    np.save(tmp_path / "obj.npy", np.array([{}], dtype=object), allow_pickle=True)
    with pytest.raises(CLIError, match="without pickles"):
        cio.load_array(tmp_path / "obj.npy", "--labels")
    with pytest.raises(CLIError, match="no such file"):
        cio.load_array(tmp_path / "none.npy", "--labels")


@pytest.mark.parametrize("content, match", [
    (np.full((3, 2), np.nan), "NaN"), (np.ones(3), "2-D"), (np.ones((3, 2)) * 1j, "complex"),
    (np.ones((0, 2)), "empty"),
])
def test_load_factor_checks_the_matrix(tmp_path, content, match):
    np.save(tmp_path / "P.npy", content)
    with pytest.raises(CLIError, match=f"--user-factors .*P.npy: .*{match}"):
        cio.load_factor(tmp_path / "P.npy", "--user-factors")


def test_load_factor_files(tmp_path):
    np.save(tmp_path / "P.npy", np.ones((3, 2), dtype=np.float32))
    P = cio.load_factor(tmp_path / "P.npy", "--user-factors")
    assert P.dtype == np.float64 and P.shape == (3, 2)
    with pytest.raises(CLIError, match="no such file"):
        cio.load_factor(tmp_path / "none.npy", "--user-factors")
    with pytest.raises(CLIError, match="is a directory"):
        cio.load_factor(tmp_path, "--user-factors")
    (tmp_path / "bad.npy").write_text("not an array")
    with pytest.raises(CLIError, match="not a readable .npy array"):
        cio.load_factor(tmp_path / "bad.npy", "--user-factors")
