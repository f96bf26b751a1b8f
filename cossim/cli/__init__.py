"""The command line, ``python -m cossim``: apart from the numerics, which never import it.

main       the parser and the entry point
errors     CLIError and the exit-status policy (2: the user's input, 3: a bug)
io         reading the user's arrays, atomic writes of the outputs
args       argparse types (integers and λ's with their ranges)
figure1    the ``figure1`` command
diagnose   the ``diagnose`` command
"""

from .errors import CLIError
from .main import main

__all__ = ["main", "CLIError"]
