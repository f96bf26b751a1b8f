"""The exit-status policy of cossim.cli.errors.

Every CLI command answers bad input with exit status 2, one line on stderr, no traceback,
and no output files left behind; a bug inside cossim (any other exception) gives exit
status 3 and one line that calls it a bug, with the traceback only under COSSIM_DEBUG=1.
"""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from cossim._validation import InvalidType, InvalidValue
from cossim.cli.errors import CLIError, report_failure
from cossim.cli.main import main


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "cossim", *map(str, args)],
                          capture_output=True, text=True, timeout=300, cwd=cwd)


def assert_clean_failure(result, out_dir=None):
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.strip() == ""
    if out_dir is not None and Path(out_dir).exists():
        leftovers = [p.name for p in Path(out_dir).iterdir()]
        assert leftovers == [], leftovers


@pytest.fixture()
def files(tmp_path):
    return make_files(tmp_path)


def make_files(tmp_path):
    """Good and defective input files, each named by what it is."""
    rng = np.random.default_rng(0)
    X = sp.random(40, 12, density=0.3, format="csr", random_state=1)
    X.data[:] = 1.0
    good_x = tmp_path / "X.npz"
    sp.save_npz(good_x, X)
    good_y = tmp_path / "y.npy"
    np.save(good_y, np.arange(12) % 3)
    f = {"X": good_x, "y": good_y, "dir": tmp_path / "adir"}
    f["dir"].mkdir()
    f["missing"] = tmp_path / "nope.npz"
    f["garbage"] = tmp_path / "garbage.npz"
    f["garbage"].write_bytes(rng.bytes(500))
    f["truncated"] = tmp_path / "trunc.npz"
    f["truncated"].write_bytes(good_x.read_bytes()[: good_x.stat().st_size // 2])
    f["dense_npz"] = tmp_path / "dense.npz"
    np.savez(f["dense_npz"], a=np.ones((4, 4)))
    f["empty_file"] = tmp_path / "empty.npz"
    f["empty_file"].write_bytes(b"")
    Xnan = X.copy()
    Xnan.data[0] = np.nan
    f["nan_x"] = tmp_path / "nan.npz"
    sp.save_npz(f["nan_x"], Xnan)
    f["short_y"] = tmp_path / "short.npy"
    np.save(f["short_y"], np.arange(5))
    f["float_y"] = tmp_path / "float.npy"
    np.save(f["float_y"], np.linspace(0, 1, 12))
    f["garbage_npy"] = tmp_path / "garbage.npy"
    f["garbage_npy"].write_bytes(rng.bytes(300))
    P = rng.standard_normal((30, 4))
    Q = rng.standard_normal((12, 4))
    for name, arr in {"P": P, "Q": Q, "P_nan": np.where(P > 2, np.nan, P),
                      "Q_k3": Q[:, :3], "P_1d": P[:, 0], "Q_complex": Q.astype(complex),
                      "P_empty": np.ones((0, 4)), "Q_obj": Q.astype(object)}.items():
        f[name] = tmp_path / f"{name}.npy"
        np.save(f[name], arr, allow_pickle=True)
    for name, labels in {"y_one_class": np.zeros(12, int), "y_all_distinct": np.arange(12),
                         "y_2d": (np.arange(12) % 3)[None, :]}.items():
        f[name] = tmp_path / f"{name}.npy"
        np.save(f[name], labels)
    f["P_zero"] = tmp_path / "P_zero.npy"
    np.save(f["P_zero"], np.zeros((30, 4)))
    f["file_as_dir"] = tmp_path / "plainfile"
    f["file_as_dir"].write_text("x")
    return f


FIGURE1_BAD = {
    "missing data": lambda f: ["--data", f["missing"], "--labels", f["y"]],
    "data is a directory": lambda f: ["--data", f["dir"], "--labels", f["y"]],
    "random bytes": lambda f: ["--data", f["garbage"], "--labels", f["y"]],
    "truncated npz": lambda f: ["--data", f["truncated"], "--labels", f["y"]],
    "empty file": lambda f: ["--data", f["empty_file"], "--labels", f["y"]],
    "npz without sparse matrix": lambda f: ["--data", f["dense_npz"], "--labels", f["y"]],
    "NaN in X": lambda f: ["--data", f["nan_x"], "--labels", f["y"]],
    "labels wrong length": lambda f: ["--data", f["X"], "--labels", f["short_y"]],
    "labels not integers": lambda f: ["--data", f["X"], "--labels", f["float_y"]],
    "labels garbage": lambda f: ["--data", f["X"], "--labels", f["garbage_npy"]],
    "labels missing": lambda f: ["--data", f["X"], "--labels", f["missing"]],
    "data without labels": lambda f: ["--data", f["X"]],
    "rank 0": lambda f: ["--data", f["X"], "--labels", f["y"], "--rank", 0],
    "rank > items": lambda f: ["--data", f["X"], "--labels", f["y"], "--rank", 13],
    "negative lam1": lambda f: ["--data", f["X"], "--labels", f["y"], "--lam1", -1],
    "nan lam2": lambda f: ["--data", f["X"], "--labels", f["y"], "--lam2", "nan"],
    "inf lam1": lambda f: ["--data", f["X"], "--labels", f["y"], "--lam1", "inf"],
    "negative users": lambda f: ["--users", -5],
    "not a number": lambda f: ["--rank", "ten"],
    # caught before they reach the numerics, which would raise a ValueError of their own
    "labels one class": lambda f: ["--data", f["X"], "--labels", f["y_one_class"], "--rank", 3],
    "labels all distinct": lambda f: ["--data", f["X"], "--labels", f["y_all_distinct"],
                                      "--rank", 3],
    "labels 2-D": lambda f: ["--data", f["X"], "--labels", f["y_2d"], "--rank", 3],
    "neighbours > items - 1": lambda f: ["--data", f["X"], "--labels", f["y"], "--rank", 3,
                                         "--neighbours", 12],
}


DIAGNOSE_BAD = {
    "missing users": lambda f: ["--user-factors", f["missing"], "--item-factors", f["Q"]],
    "users is a directory": lambda f: ["--user-factors", f["dir"], "--item-factors", f["Q"]],
    "garbage npy": lambda f: ["--user-factors", f["garbage_npy"], "--item-factors", f["Q"]],
    "empty file": lambda f: ["--user-factors", f["empty_file"], "--item-factors", f["Q"]],
    "NaN in P": lambda f: ["--user-factors", f["P_nan"], "--item-factors", f["Q"]],
    "k mismatch": lambda f: ["--user-factors", f["P"], "--item-factors", f["Q_k3"]],
    "1-D users": lambda f: ["--user-factors", f["P_1d"], "--item-factors", f["Q"]],
    "complex items": lambda f: ["--user-factors", f["P"], "--item-factors", f["Q_complex"]],
    "empty users": lambda f: ["--user-factors", f["P_empty"], "--item-factors", f["Q"]],
    "object items": lambda f: ["--user-factors", f["P"], "--item-factors", f["Q_obj"]],
    "all-zero scores": lambda f: ["--user-factors", f["P_zero"], "--item-factors", f["Q"]],
    "one gamma": lambda f: ["--user-factors", f["P"], "--item-factors", f["Q"], "--gammas", 1],
    "negative pairs": lambda f: ["--user-factors", f["P"], "--item-factors", f["Q"], "--pairs", -1],
    "neighbours = items": lambda f: ["--user-factors", f["P"], "--item-factors", f["Q"], "--neighbours", 12],
}


BAD = {"figure1": FIGURE1_BAD, "diagnose": DIAGNOSE_BAD}


CASES = [(command, case) for command, cases in BAD.items() for case in sorted(cases)]

#: Runs each bad-input case through `cossim.cli.main.main`, the function `python -m cossim`
#: calls, in one process of its own, with the standard streams redirected per case. Each
#: case starts with the process's initial warning filters and a fresh record of warnings
#: already shown (entering `catch_warnings` resets it), so it prints the warnings a process
#: of its own would. Anything written past the redirection (an fd-level write, a handler
#: bound to the old stream) reaches this process's real stderr, which must stay empty.
BATCH = r"""
import contextlib, io, json, sys, warnings
from cossim.cli.main import main
results = []
for argv in json.loads(sys.stdin.read()):
    out, err = io.StringIO(), io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse
            code = exc.code
    results.append({"returncode": code, "stdout": out.getvalue(), "stderr": err.getvalue()})
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def bad_input_runs(tmp_path_factory):
    """{(command, case): result} for every case of BAD, from one process (BATCH): one
    interpreter start instead of one per case."""
    root = tmp_path_factory.mktemp("bad-input")
    files = make_files(root)
    argvs = [[command, *map(str, BAD[command][case](files)), "--out", str(root / f"out-{i}")]
             for i, (command, case) in enumerate(CASES)]
    done = subprocess.run([sys.executable, "-c", BATCH], input=json.dumps(argvs),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and done.stderr == "", done.stderr[-3000:]
    results = json.loads(done.stdout)
    return {key: (subprocess.CompletedProcess(argv, r["returncode"], r["stdout"], r["stderr"]),
                  root / f"out-{i}")
            for i, (key, argv, r) in enumerate(zip(CASES, argvs, results))}


@pytest.mark.parametrize("command, case", CASES)
def test_bad_input(command, case, bad_input_runs):
    result, out = bad_input_runs[command, case]
    assert_clean_failure(result, out)


def test_the_bad_input_batch_reports_like_a_process_of_its_own(files, tmp_path):
    """Two cases run as real processes give what the batch recorded for them: the same
    status, stdout and stderr (one usage error from argparse, one from cossim)."""
    batch = subprocess.run([sys.executable, "-c", BATCH], capture_output=True, text=True, timeout=300,
                           input=json.dumps([["figure1", "--rank", "ten"],
                                             ["figure1", "--data", str(files["missing"]),
                                              "--labels", str(files["y"]), "--out", str(tmp_path / "a")]]))
    assert batch.returncode == 0 and batch.stderr == "", batch.stderr
    recorded = json.loads(batch.stdout)
    for args, want in ((["--rank", "ten"], recorded[0]),
                       (["--data", files["missing"], "--labels", files["y"], "--out", tmp_path / "a"],
                        recorded[1])):
        real = run_cli("figure1", *args)
        assert (real.returncode, real.stdout, real.stderr) == (want["returncode"], want["stdout"],
                                                               want["stderr"])
        assert real.returncode == 2


def unwritable_targets(files):
    """Output folders that cannot be written, even by root."""
    yield "under a regular file", files["file_as_dir"] / "sub"
    yield "in /proc", Path("/proc/cossim-no-such-dir")


@pytest.mark.parametrize("command", ["figure1", "diagnose"])
def test_unwritable_output_folder(command, files, tmp_path):
    for label, target in unwritable_targets(files):
        if command == "figure1":
            args = ["--data", files["X"], "--labels", files["y"], "--rank", 3]
        else:
            args = ["--user-factors", files["P"], "--item-factors", files["Q"]]
        result = run_cli(command, *args, "--out", target)
        assert_clean_failure(result)
        assert not target.exists(), label


def test_read_only_output_folder(files, tmp_path):
    """A folder on a read-only file system (a real permission failure, also for root)."""
    mount_point = tmp_path / "ro"
    mount_point.mkdir()
    if os.geteuid() == 0:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro", "tmpfs", str(mount_point)],
                                 capture_output=True).returncode == 0
    else:
        mount_point.chmod(0o555)
        mounted = True
    if not mounted:
        pytest.skip("cannot create a read-only folder here (mount not permitted)")
    try:
        for command, args in (
            ("figure1", ["--data", files["X"], "--labels", files["y"], "--rank", 3]),
            ("diagnose", ["--user-factors", files["P"], "--item-factors", files["Q"]]),
        ):
            result = run_cli(command, *args, "--out", mount_point)
            assert_clean_failure(result)
            assert list(mount_point.iterdir()) == []
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", str(mount_point)], capture_output=True)
        else:
            mount_point.chmod(0o755)


def test_good_input_succeeds(files, tmp_path):
    """The same fixtures minus the defect do work, so the failures above are about the defect."""
    out = tmp_path / "ok"
    result = run_cli("figure1", "--data", files["X"], "--labels", files["y"], "--rank", 3,
                     "--out", out)
    assert result.returncode == 0, result.stderr
    assert (out / "figure1.json").exists() and (out / "figure1.png").exists()
    umask = os.umask(0)
    os.umask(umask)
    for written in out.iterdir():  # written atomically, but with ordinary permissions
        assert written.stat().st_mode & 0o777 == 0o666 & ~umask, written
    out2 = tmp_path / "ok2"
    result = run_cli("diagnose", "--user-factors", files["P"], "--item-factors", files["Q"], "--out", out2)
    assert result.returncode == 0, result.stderr
    assert any(out2.iterdir())


# ---------------------------------------------------------------- exit 2 versus exit 3


@pytest.mark.parametrize("exc", [CLIError("--data x.npz: no such file"),
                                 InvalidValue("rank must satisfy 1 <= rank <= 5, got 9"),
                                 InvalidType("labels must hold integers, got dtype float64")])
def test_user_errors_are_one_line_exit_2(exc, monkeypatch):
    monkeypatch.setenv("COSSIM_DEBUG", "1")  # never a traceback for the user's mistake
    stream = io.StringIO()
    assert report_failure(exc, stream) == 2
    assert stream.getvalue() == f"error: {exc}\n"


@pytest.mark.parametrize("exc", [ValueError("operands could not be broadcast\nshapes (3,) (4,)"),
                                 TypeError("unsupported operand"), KeyError("eq3"),
                                 ZeroDivisionError("division by zero")])
def test_other_exceptions_are_bugs_exit_3(exc, monkeypatch):
    monkeypatch.delenv("COSSIM_DEBUG", raising=False)
    stream = io.StringIO()
    assert report_failure(exc, stream) == 3
    text = stream.getvalue()
    assert text.count("\n") == 1 and "Traceback" not in text
    assert text.startswith(f"internal error: {type(exc).__name__}: ")
    assert "this is a bug in cossim; please report it" in text
    assert str(exc).strip().splitlines()[0] in text  # only the first line of the message


def test_debug_variable_adds_the_traceback(monkeypatch):
    def broken():
        raise ValueError("inner")

    try:
        broken()
    except ValueError as exc:
        caught = exc
    for value, shown in (("1", True), ("0", False), ("", False)):
        monkeypatch.setenv("COSSIM_DEBUG", value)
        stream = io.StringIO()
        assert report_failure(caught, stream) == 3
        assert ("Traceback" in stream.getvalue() and "broken" in stream.getvalue()) == shown
        assert stream.getvalue().splitlines()[-1].startswith("internal error: ValueError: inner")


SMALL = ["--users", "300", "--items", "30", "--clusters", "2", "--rank", "3", "--neighbours", "3"]


def _raise(exc):
    def fail(*args, **kwargs):
        raise exc
    return fail


def test_bug_in_the_figure1_numerics_is_exit_3(tmp_path, capsys, monkeypatch):
    """A bare ValueError from inside the numerics is not blamed on the user."""
    import cossim.figure1.pipeline as pipeline

    monkeypatch.delenv("COSSIM_DEBUG", raising=False)
    monkeypatch.setattr(pipeline, "similarities_from_factors", _raise(ValueError("shapes do not align")))
    out = tmp_path / "out"
    assert main(["figure1", "--out", str(out), *SMALL]) == 3
    err = capsys.readouterr().err
    assert err == ("internal error: ValueError: shapes do not align -- this is a bug in cossim; "
                   "please report it with the command you ran\n")
    assert not out.exists()  # nothing written


def test_bug_in_the_diagnose_numerics_is_exit_3(files, tmp_path, capsys, monkeypatch):
    import cossim.beyond.diagnostic as diagnostic

    monkeypatch.delenv("COSSIM_DEBUG", raising=False)
    monkeypatch.setattr(diagnostic, "score_svd", _raise(TypeError("bad operand")))
    out = tmp_path / "out"
    assert main(["diagnose", "--user-factors", str(files["P"]), "--item-factors", str(files["Q"]),
                 "--out", str(out)]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("internal error: TypeError: bad operand")
    assert "bug in cossim" in err
    assert not out.exists() or not any(out.iterdir())


def test_user_error_from_the_numerics_is_exit_2(tmp_path, capsys, monkeypatch):
    """InvalidValue raised by a library check (not by the command) still means bad input."""
    import cossim.figure1.pipeline as pipeline

    monkeypatch.setattr(pipeline, "top_singular",
                        _raise(InvalidValue("X has rank 0: every singular value is 0")))
    assert main(["figure1", "--out", str(tmp_path / "out"), *SMALL]) == 2
    assert capsys.readouterr().err == "error: X has rank 0: every singular value is 0\n"


BUGGY = """
import sys
import cossim.figure1.pipeline as pipeline
def broken(*args, **kwargs):
    raise ValueError("an internal inconsistency")
pipeline.similarities_from_factors = broken
from cossim.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("debug", [False, True])
def test_bug_exit_status_3_in_a_real_process(tmp_path, debug):
    env = {k: v for k, v in os.environ.items() if k != "COSSIM_DEBUG"}
    if debug:
        env["COSSIM_DEBUG"] = "1"
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-c", BUGGY, "figure1", "--out", str(out), *SMALL],
                            capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 3, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("internal error: ValueError: an internal inconsistency")
    assert "this is a bug in cossim" in lines[-1]
    assert ("Traceback" in result.stderr) == debug
    if not debug:
        assert len(lines) == 1
    assert not out.exists()
