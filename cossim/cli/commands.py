"""Registry of the CLI's sub-commands; each lives beside the numerics it drives."""

from __future__ import annotations


def register(subparsers) -> None:
    """Add every sub-command's parser to `subparsers`.

    Each ``add_*_parser`` function sets ``func=run`` on its parser, where
    ``run(args)`` does the work and raises :class:`cossim.cli.CLIError` (or
    ``ValueError``/``TypeError``/``OSError``) on bad input.
    """
    from ..beyond.diagnostic import add_diagnose_parser
    from ..figure1.pipeline import add_figure1_parser

    add_figure1_parser(subparsers)
    add_diagnose_parser(subparsers)
