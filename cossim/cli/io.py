"""Files of the command line: reading the user's arrays, writing outputs atomically.

Every failure here is the user's input or environment (a missing file, a
file of the wrong format, a folder that cannot be written, a full disk), so
each becomes a one-line :class:`~cossim.cli.errors.CLIError` naming the
option and the file.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .._validation import InvalidType, InvalidValue, as_factor
from .errors import CLIError

__all__ = ["atomic_write", "ensure_output_dir", "sha256_file", "load_sparse_matrix",
           "load_array", "load_factor", "SPARSE_HINT", "LABELS_HINT", "FACTOR_HINT",
           "stable_json"]

#: How to make the file ``--data`` expects, appended to its errors.
SPARSE_HINT = ("expected a users x items matrix saved with scipy.sparse.save_npz; from a dense "
               "array X: scipy.sparse.save_npz('X.npz', scipy.sparse.csr_matrix(X)); from a CSV: "
               "X = numpy.loadtxt('X.csv', delimiter=',') first")
#: What a factor file must hold and how to make one, appended to the errors of diagnose.
FACTOR_HINT = ("expected a finite real (rows, k) matrix saved with numpy.save, e.g. "
               "numpy.save('P.npy', numpy.asarray(P, dtype=float)); a PyTorch tensor: "
               "t.detach().cpu().numpy()")
#: What ``--labels`` expects and how to make it, appended to its errors.
LABELS_HINT = ("expected one integer label per item saved with numpy.save; encode strings with "
               "numpy.save('y.npy', numpy.unique(labels, return_inverse=True)[1])")


@contextmanager
def atomic_write(path, mode: str = "wb"):
    """Open a temporary file beside `path`; rename it onto `path` only on success.

    A failed run therefore never leaves a half-written output. An ``OSError``
    (permission denied, disk full, read-only file system) becomes a
    :class:`CLIError`: it is the user's environment, not a bug.
    """
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise CLIError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
        # mkstemp creates 0600; give the file the permissions a plain open() would
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise CLIError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise


def ensure_output_dir(path) -> Path:
    """Create the output folder if needed and check that it is writable."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out {out} exists and is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CLIError(f"--out {out} cannot be created: {exc.strerror}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise CLIError(f"--out {out} is not writable")
    return out


def sha256_file(path) -> str:
    """Hex SHA-256 of a file's bytes (recorded in figure1.json for --data runs)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as exc:
        raise CLIError(f"cannot read {path}: {exc.strerror or exc}") from None
    return digest.hexdigest()


def load_sparse_matrix(path, option: str):
    """Read a matrix saved with ``scipy.sparse.save_npz``."""
    import scipy.sparse as sp

    try:
        # opened here, so that it is closed also when the file is not a valid .npz (NumPy
        # leaves the file it opened itself open when the zip is truncated)
        with open(path, "rb") as handle:
            return sp.load_npz(handle)
    except FileNotFoundError:
        raise CLIError(f"{option} {path}: no such file") from None
    except Exception as exc:  # BadZipFile, KeyError, ValueError, IsADirectoryError, ...
        raise CLIError(f"{option} {path} is not a scipy.sparse .npz file "
                       f"({type(exc).__name__}): {SPARSE_HINT}") from None


def load_array(path, option: str) -> np.ndarray:
    """Read one array saved with ``numpy.save`` (no pickles): the item labels.

    Errors end with how to make the file (:data:`LABELS_HINT`).
    """
    try:
        arr = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise CLIError(f"{option} {path}: no such file") from None
    except Exception as exc:
        raise CLIError(f"{option} {path} is not a .npy array without pickles "
                       f"({type(exc).__name__}): {LABELS_HINT}") from None
    if not isinstance(arr, np.ndarray):
        raise CLIError(f"{option} {path} must hold one array, got an archive: {LABELS_HINT}")
    return arr


def load_factor(path, option: str) -> np.ndarray:
    """Read a 2-D real matrix (a factor P or Q) from a ``.npy`` file.

    Every error ends with how to make such a file (:data:`FACTOR_HINT`).
    """
    path = Path(path)
    if not path.exists():
        raise CLIError(f"{option} {path}: no such file")
    if path.is_dir():
        raise CLIError(f"{option} {path}: is a directory, expected a .npy file")
    try:
        arr = np.load(path, allow_pickle=False)
    except PermissionError:
        raise CLIError(f"{option} {path}: permission denied") from None
    except (ValueError, OSError, EOFError) as exc:
        raise CLIError(f"{option} {path}: not a readable .npy array ({exc}); "
                       f"{FACTOR_HINT}") from None
    if isinstance(arr, np.lib.npyio.NpzFile):  # pragma: no cover - np.load of .npz
        raise CLIError(f"{option} {path}: expected a .npy file with one array, got an .npz "
                       f"archive; {FACTOR_HINT}")
    try:
        return as_factor(arr, option)
    except (InvalidType, InvalidValue) as exc:
        raise CLIError(f"{option} {path}: {exc}; {FACTOR_HINT}") from None


def _rounded(value, decimals: int):
    """`value` with every float rounded to `decimals` (recursively through lists and dicts)."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return round(value, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    if isinstance(value, dict):
        return {str(key): _rounded(item, decimals) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(item, decimals) for item in value]
    if isinstance(value, np.generic):
        return _rounded(value.item(), decimals)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def stable_json(doc, decimals: int = 6) -> str:
    """JSON text with sorted keys and floats rounded to `decimals`: equal input, equal bytes.

    Parameters
    ----------
    doc : dict
        Plain Python values (dict, list, str, int, float, bool, None, NumPy scalars).
    decimals : int
        Decimals kept in every float; a NaN or infinity becomes ``null``.

    Returns
    -------
    str
        Indented JSON ending with a newline.
    """
    return json.dumps(_rounded(doc, decimals), sort_keys=True, indent=2, ensure_ascii=True,
                      allow_nan=False) + "\n"
