"""_ext/kernel_threads.py: the kernels that execute the chapters get one BLAS thread unless set."""

import importlib.util
import re

import pytest
from support.book import ROOT
from support.sphinx_project import CONF_EXECUTE, NOTEBOOK_FRONT_MATTER, build_sphinx_project

_spec = importlib.util.spec_from_file_location("kernel_threads", ROOT / "_ext" / "kernel_threads.py")
kernel_threads = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(kernel_threads)


def test_unset_variables_become_one_and_set_ones_are_kept():
    environ = {"OMP_NUM_THREADS": "4", "MKL_NUM_THREADS": "", "PATH": "/bin"}
    added = kernel_threads.one_thread_unless_set(environ)
    assert added == {"OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    assert environ == {"OMP_NUM_THREADS": "4", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                       "PATH": "/bin"}


def test_the_book_loads_the_extension():
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["sphinx"]["local_extensions"]["kernel_threads"] == "_ext/"


PAGE = NOTEBOOK_FRONT_MATTER + """\
# Threads

```{code-cell} ipython3
import os
print("threads:", *(os.environ.get(v) for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")))
```
"""


@pytest.mark.book
def test_a_kernel_started_by_the_build_sees_one_thread(tmp_path, monkeypatch):
    for name in kernel_threads.THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")  # the user's own choice stays
    conf = (f"import sys\nsys.path.insert(0, {str(ROOT / '_ext')!r})\n"
            'extensions = ["myst_nb", "kernel_threads"]\n' + CONF_EXECUTE)
    out, result = build_sphinx_project(tmp_path, conf, {"index.md": PAGE}, warnings_are_errors=True)
    assert result.returncode == 0, result.stderr[-3000:]
    text = re.sub(r"<[^>]+>", "", (out / "index.html").read_text(encoding="utf-8"))
    assert "threads: 1 1 3" in text
