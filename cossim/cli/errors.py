"""What the command line reports when a command fails, and with which exit status.

Two kinds of failure, told apart by the exception's class:

* the user's mistake -- :class:`CLIError` (raised by the commands and the
  file layer), or :class:`~cossim._validation.InvalidValue` /
  :class:`~cossim._validation.InvalidType` (raised by the library's input
  checks): one line ``error: ...`` on stderr, exit status 2, the same status
  argparse uses for a bad command line;
* anything else is a bug in cossim, not something the user can fix by
  changing the input: one line ``internal error: ...`` asking for a report,
  exit status 3. The traceback is printed only when ``COSSIM_DEBUG=1``.
"""

from __future__ import annotations

import os
import sys
import traceback

from .._validation import InvalidType, InvalidValue

__all__ = ["CLIError", "USER_ERRORS", "EXIT_OK", "EXIT_USER_ERROR", "EXIT_INTERNAL_ERROR",
           "DEBUG_VARIABLE", "report_failure"]

EXIT_OK = 0
EXIT_USER_ERROR = 2
EXIT_INTERNAL_ERROR = 3

#: Set this environment variable to 1 to see the traceback of an internal error.
DEBUG_VARIABLE = "COSSIM_DEBUG"


class CLIError(Exception):
    """A problem with the user's input or environment: one line, exit status 2."""


#: Exceptions that mean "the user's input is wrong" (exit status 2).
USER_ERRORS = (CLIError, InvalidValue, InvalidType)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def report_failure(exc: Exception, stream=None) -> int:
    """Print the one-line message for `exc` on `stream` (stderr) and return the exit status."""
    stream = sys.stderr if stream is None else stream
    if isinstance(exc, USER_ERRORS):
        print(f"error: {_first_line(exc)}", file=stream)
        return EXIT_USER_ERROR
    if os.environ.get(DEBUG_VARIABLE, "") not in ("", "0"):
        traceback.print_exception(exc, file=stream)
    print(f"internal error: {type(exc).__name__}: {_first_line(exc)} -- this is a bug in "
          f"cossim; please report it with the command you ran", file=stream)
    return EXIT_INTERNAL_ERROR
