"""Run ``python -m cossim`` as a reader would (Chapters 4 and 8).

The chapters show a command and its output; the temporary folder, the
subprocess and the cleanup are plumbing.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["run_cossim", "shown_command"]


def run_cossim(args, outputs=(), arrays=None):
    """Run ``python -m cossim ARGS`` in a temporary folder and read its outputs.

    Parameters
    ----------
    args : list of str
        Arguments after ``python -m cossim``; the string ``"{tmp}"`` in an
        argument is replaced by the temporary folder.
    outputs : sequence of str
        Files (relative to the folder) to read back: ``.json`` files are
        parsed, other files are returned as their size in bytes.
    arrays : dict of str to ndarray, optional
        Arrays saved (``numpy.save``) into the folder before the run.

    Returns
    -------
    run : subprocess.CompletedProcess
        With ``stdout`` in which the folder's path is removed.
    read : dict
        Output file name → parsed JSON or size in bytes; empty if the command
        failed (the chapter asserts ``run.returncode == 0``).
    """
    import numpy as np

    with tempfile.TemporaryDirectory() as tmp:
        for name, array in (arrays or {}).items():
            np.save(Path(tmp) / name, array)
        cmd = [sys.executable, "-m", "cossim"] + [a.replace("{tmp}", tmp) for a in args]
        run = subprocess.run(cmd, capture_output=True, text=True)
        read = {}
        for name in outputs if run.returncode == 0 else ():
            path = Path(tmp) / name
            read[name] = json.loads(path.read_text()) if name.endswith(".json") \
                else path.stat().st_size
        run.stdout = run.stdout.replace(tmp + "/", "")
    return run, read


def shown_command(args, per_line=4):
    """``python -m cossim ARGS`` as shown on the page, `per_line` words a line, DIR for folders."""
    words = ["python -m cossim"] + [a.replace("{tmp}", "DIR") for a in args]
    lines = [" ".join(words[:per_line])] + [" ".join(words[i:i + per_line])
                                             for i in range(per_line, len(words), per_line)]
    return " \\\n    ".join(lines)
