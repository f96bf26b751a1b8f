"""Command-line interface: ``python -m cossim COMMAND ...``.

Commands (one module each in :mod:`cossim.cli`)
-----------------------------------------------
figure1   Figure 1 of the paper (simulated data, or your own X and labels).
diagnose  How arbitrary are the cosine similarities of given factors P, Q?

Exit status (:mod:`cossim.cli.errors`): 0 success; 2 the input is wrong
(a missing or malformed file, a bad value, an unwritable output folder),
reported as one line on stderr; 3 an internal error, i.e. a bug in cossim,
reported as one line asking for a bug report (``COSSIM_DEBUG=1`` adds the
traceback). Outputs are written to temporary files and renamed, so a failed
run leaves nothing half-written.
"""

from __future__ import annotations

import argparse

from . import diagnose, figure1
from .errors import EXIT_OK, EXIT_USER_ERROR, report_failure

__all__ = ["COMMANDS", "build_parser", "main"]

#: The command modules; each has ``add_parser(subparsers)``, which sets ``func=run``.
COMMANDS = (figure1, diagnose)


class _OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr, exit status 2."""

    def error(self, message):
        self.exit(EXIT_USER_ERROR, f"error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="python -m cossim",
        description="Numerics of Steck, Ekanadham & Kallus (2024): is cosine similarity "
        "of embeddings really about similarity?",
    )
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"cossim {__version__}",
                        help="print the version of cossim and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv=None) -> int:
    """Entry point; returns the exit status (0 success, 2 bad input, 3 internal error)."""
    parser = build_parser()
    args = parser.parse_args(argv)  # argparse itself exits 2 with one usage line
    try:
        args.func(args)
    except Exception as exc:  # noqa: BLE001 - every failure gets one line and a status
        return report_failure(exc)
    return EXIT_OK
