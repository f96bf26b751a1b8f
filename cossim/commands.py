"""Registry of the CLI's sub-commands; each lives beside the numerics it drives."""

from __future__ import annotations


def register(subparsers) -> None:
    """Add every sub-command's parser to `subparsers`."""
    # figure1: cossim/experiment.py provides add_figure1_parser(subparsers)
    # diagnose: cossim/diagnostic.py provides add_diagnose_parser(subparsers)
    # Each add_* function must call parser.set_defaults(func=run) where run(args) does the work.
    try:
        from .experiment import add_figure1_parser
    except ImportError:  # pragma: no cover - module not written yet
        add_figure1_parser = None
    try:
        from .diagnostic import add_diagnose_parser
    except ImportError:  # pragma: no cover
        add_diagnose_parser = None
    if add_figure1_parser is not None:
        add_figure1_parser(subparsers)
    if add_diagnose_parser is not None:
        add_diagnose_parser(subparsers)
