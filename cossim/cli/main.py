"""Command-line interface: ``python -m cossim COMMAND ...``.

Commands
--------
figure1   Figure 1 of the paper (simulated data, or your own X and labels).
diagnose  How arbitrary are the cosine similarities of given factors P, Q?

Errors in the input (missing or malformed files, bad values) end the program
with exit status 2 and a single line on stderr, never a traceback; outputs
are written to temporary files and renamed, so a failed run leaves nothing
half-written.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

__all__ = ["main", "CLIError", "atomic_write", "build_parser"]


class CLIError(Exception):
    """A problem with the user's input: reported as one line, exit status 2."""


@contextmanager
def atomic_write(path, mode: str = "wb"):
    """Open a temporary file beside `path`; rename it onto `path` only on success."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
        # mkstemp creates 0600; give the file the permissions a plain open() would
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
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


class _OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr, exit status 2."""

    def error(self, message):
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="python -m cossim",
        description="Numerics of Steck, Ekanadham & Kallus (2024): is cosine similarity "
        "of embeddings really about similarity?",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    # each command module registers its own sub-parser and sets `func`
    from . import commands

    commands.register(sub)
    return parser


def main(argv=None) -> int:
    """Entry point; returns the exit status (0 success, 2 bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)  # argparse itself exits 2 with one usage line
    try:
        args.func(args)
    except (CLIError, ValueError, TypeError, OSError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"error: {message}", file=sys.stderr)
        return 2
    return 0
