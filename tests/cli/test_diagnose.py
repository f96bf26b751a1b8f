"""Tests of cossim.cli.diagnose: ``python -m cossim diagnose``.

(The end-to-end runs of the command are in tests/beyond/test_diagnostic.py and
tests/cli/test_errors.py; these test the command's own steps.)
"""

import json
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

import cossim
from cossim.cli import diagnose as D
from cossim.cli.errors import CLIError
from cossim.cli.io import stable_json
from cossim.cli.main import main


def _saved_factors(folder, seed, n, p, k):
    """Random (n, k) user and (p, k) item factors, also saved as folder/P.npy and folder/Q.npy."""
    rng = np.random.default_rng(seed)
    P, Q = rng.standard_normal((n, k)), rng.standard_normal((p, k))
    np.save(folder / "P.npy", P)
    np.save(folder / "Q.npy", Q)
    return P, Q


@pytest.fixture
def factors(tmp_path):
    P, Q = _saved_factors(tmp_path, seed=1, n=25, p=15, k=3)
    return tmp_path, P, Q


def _args(folder, **changes):
    base = dict(user_factors=folder / "P.npy", item_factors=folder / "Q.npy", out=folder / "out",
                neighbours=4, gammas=5, pairs=3, quiet=False, max_condition=10.0, probes=8,
                seed=0)
    base.update(changes)
    return SimpleNamespace(**base)


def test_run_writes_the_library_report(factors, capsys):
    folder, P, Q = factors
    D.run(_args(folder))
    written = json.loads((folder / "out" / "diagnose.json").read_text())
    expected = cossim.diagnose(P, Q, gammas=np.linspace(0.0, 1.0, 5), n_neighbours=4, n_pairs=3)
    # the library's report, floats rounded to 6 decimals, keys sorted
    text = (folder / "out" / "diagnose.json").read_text()
    assert written == json.loads(stable_json(expected.to_dict()))
    assert written["singular_values"] == [round(s, 6) for s in expected.singular_values]
    assert list(written) == sorted(written)
    assert text == json.dumps(written, sort_keys=True, indent=2) + "\n"
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "items 15, users 25, k 3, rank 3"
    assert lines[-2].startswith("wrote ") and lines[-2].endswith("diagnose.json")


@pytest.mark.parametrize("changes, match", [
    (dict(neighbours=15), "--neighbours must be between 1 and 14"),
])
def test_checks_against_the_data(factors, changes, match):
    folder, _, _ = factors
    with pytest.raises(CLIError, match=match):
        D.run(_args(folder, **changes))
    assert not (folder / "out").exists()  # checked before the output folder is made


def test_k_mismatch(factors):
    folder, P, _ = factors
    np.save(folder / "Q2.npy", np.ones((15, 2)))
    with pytest.raises(CLIError, match="k=3 columns but --item-factors has k=2"):
        D.run(_args(folder, item_factors=folder / "Q2.npy"))


@pytest.mark.parametrize("P, Q", [
    (np.zeros((4, 2)), np.ones((5, 2))),
    (np.ones((4, 2)), np.zeros((5, 2))),
    (np.array([[1.0, 1.0]] * 4), np.array([[1.0, -1.0]] * 5)),  # P Qᵀ = 0, neither factor is
])
def test_zero_scores_are_the_inputs_fault(P, Q):
    with pytest.raises(CLIError, match="all-zero scores"):
        D._check_scores_nonzero(P, Q)


def test_tiny_but_nonzero_scores_pass():
    rng = np.random.default_rng(0)
    D._check_scores_nonzero(1e-150 * rng.standard_normal((4, 2)), rng.standard_normal((5, 2)))


def test_argument_types(factors, capsys):
    folder, _, _ = factors
    for flag, value, match in (("--gammas", "1", "--gammas must be >= 2"),
                               ("--pairs", "-1", "--pairs must be >= 0"),
                               ("--neighbours", "x", "--neighbours must be an integer")):
        with pytest.raises(SystemExit) as stop:
            main(["diagnose", "--user-factors", str(folder / "P.npy"), "--item-factors", str(folder / "Q.npy"),
                  flag, value])
        assert stop.value.code == 2
        assert match in capsys.readouterr().err


# End-to-end through main: files in, report and figure out (moved from tests/beyond).

@pytest.fixture
def npy(tmp_path):
    _saved_factors(tmp_path, seed=0, n=60, p=40, k=4)
    return tmp_path


def test_cli_writes_report_and_figure(npy, capsys):
    out = npy / "out"
    assert main(["diagnose", "--user-factors", str(npy / "P.npy"), "--item-factors", str(npy / "Q.npy"),
                 "--out", str(out), "--neighbours", "5"]) == 0
    report = json.loads((out / "diagnose.json").read_text())
    assert report["n_items"] == 40 and report["k"] == 4
    assert "only through the scores" in report["scope"]
    assert (out / "diagnose.png").read_bytes()[:4] == b"\x89PNG"
    assert sorted(p.name for p in out.iterdir()) == ["diagnose.json", "diagnose.png"]
    lines = capsys.readouterr().out.replace(str(npy) + "/", "").splitlines()
    assert all(len(line) < 72 for line in lines), lines   # fits a narrow terminal
    change = [ln for ln in lines if ln.startswith("largest score change")]
    # the summary shows the unrounded value; the JSON keeps 6 decimals of it
    assert change and round(float(change[0].split(":")[1]), 6) == report["max_score_change"]


def _bad_files(tmp):
    np.save(tmp / "nan.npy", np.full((5, 4), np.nan))
    np.save(tmp / "k3.npy", np.ones((5, 3)))
    np.save(tmp / "complex.npy", np.ones((5, 4)) + 1j)
    np.save(tmp / "empty.npy", np.ones((0, 4)))
    np.save(tmp / "vec.npy", np.ones(4))
    (tmp / "garbage.npy").write_text("not an array")
    (tmp / "adir").mkdir()


@pytest.mark.parametrize("users, match", [
    ("nan.npy", "NaN"), ("k3.npy", "k=3"), ("complex.npy", "complex"),
    ("empty.npy", "empty"), ("vec.npy", "2-D"), ("garbage.npy", "not a readable"),
    ("missing.npy", "no such file"), ("adir", "directory"),
])
def test_cli_bad_input_exit_2_one_line(npy, capsys, users, match):
    _bad_files(npy)
    out = npy / "out"
    code = main(["diagnose", "--user-factors", str(npy / users), "--item-factors", str(npy / "Q.npy"),
                 "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error:") and match in err
    assert not out.exists() or not any(out.iterdir())  # no partial files


def test_cli_unwritable_out(npy, capsys):
    (npy / "afile").write_text("x")
    code = main(["diagnose", "--user-factors", str(npy / "P.npy"), "--item-factors", str(npy / "Q.npy"),
                 "--out", str(npy / "afile" / "sub")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "--out" in err
    code = main(["diagnose", "--user-factors", str(npy / "P.npy"), "--item-factors", str(npy / "Q.npy"),
                 "--out", str(npy / "afile")])
    assert code == 2 and "not a directory" in capsys.readouterr().err


def test_cli_subprocess_usage_error(npy):
    res = subprocess.run([sys.executable, "-m", "cossim", "diagnose", "--user-factors",
                          str(npy / "P.npy")], capture_output=True, text=True)
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1 and "--item-factors" in res.stderr


def test_old_option_names_still_work_with_a_note(npy, capsys):
    """--users/--items (counts in figure1) are deprecated spellings of the two factor files."""
    old, new = npy / "old", npy / "new"
    assert main(["diagnose", "--users", str(npy / "P.npy"), "--items", str(npy / "Q.npy"),
                 "--out", str(old), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "note: diagnose --users is deprecated, use --user-factors (the same file)",
        "note: diagnose --items is deprecated, use --item-factors (the same file)"]
    assert main(["diagnose", "--user-factors", str(npy / "P.npy"), "--item-factors",
                 str(npy / "Q.npy"), "--out", str(new), "--quiet"]) == 0
    assert capsys.readouterr().err == ""
    assert (old / "diagnose.json").read_bytes() == (new / "diagnose.json").read_bytes()


def test_help_documents_every_json_field_and_hides_the_old_names(capsys):
    with pytest.raises(SystemExit):
        main(["diagnose", "--help"])
    text = capsys.readouterr().out
    report = cossim.diagnose(np.eye(6, 3), np.arange(15.0).reshape(5, 3) % 4, n_neighbours=2)
    missing = [key for key in report.to_dict() if key not in text]
    assert not missing, missing
    assert "--user-factors" in text and "--item-factors" in text
    usage_and_options = text.split("\n\n")[0] + text.split("options:")[1]
    assert "--users" not in usage_and_options and "--items" not in usage_and_options


@pytest.mark.parametrize("bad, hint", [
    ("nan.npy", "numpy.save('P.npy'"), ("garbage.npy", "numpy.save('P.npy'"),
    ("complex.npy", "finite real"),
])
def test_factor_errors_say_how_to_make_the_file(npy, capsys, bad, hint):
    _bad_files(npy)
    code = main(["diagnose", "--user-factors", str(npy / bad), "--item-factors",
                 str(npy / "Q.npy"), "--out", str(npy / "out")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and hint in err


def test_missing_factor_option_says_what_to_give(npy, capsys):
    code = main(["diagnose", "--item-factors", str(npy / "Q.npy"), "--out", str(npy / "out")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "required: --user-factors" in err and "numpy.save" in err


def test_old_option_names_on_bad_input_still_give_one_line(npy, capsys):
    _bad_files(npy)
    code = main(["diagnose", "--users", str(npy / "nan.npy"), "--items", str(npy / "Q.npy"),
                 "--out", str(npy / "out")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("error: --user-factors")


@pytest.mark.parametrize("value, match", [
    ("0.5", "--max-condition must be a finite number between 1 and 1e+06, got 0.5"),
    ("1e7", "--max-condition must be a finite number between 1 and 1e+06"),
    ("nan", "--max-condition must be a finite number"),
    ("ten", "--max-condition must be a number, got 'ten'"),
])
def test_max_condition_bad_input_one_line_exit_2(npy, capsys, value, match):
    with pytest.raises(SystemExit) as stop:
        main(["diagnose", "--user-factors", str(npy / "P.npy"), "--item-factors",
              str(npy / "Q.npy"), "--out", str(npy / "out"), "--max-condition", value])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert match in err and len(err.strip().splitlines()) == 1
    assert not (npy / "out").exists()


def test_probe_options_reach_the_report(npy, capsys):
    assert main(["diagnose", "--user-factors", str(npy / "P.npy"), "--item-factors",
                 str(npy / "Q.npy"), "--out", str(npy / "out"), "--max-condition", "3",
                 "--probes", "2", "--seed", "7", "--quiet"]) == 0
    report = json.loads((npy / "out" / "diagnose.json").read_text())
    assert report["max_condition"] == 3.0 and report["n_probes"] == 2 and report["seed"] == 7
    assert len(report["probes"]["general"]["overlaps"]) == 2
    assert report["probe_max_score_change"] <= report["probe_score_change_bound"]
    assert capsys.readouterr().out == ""
    for flag, value, match in (("--probes", "-1", "--probes must be >= 0"),
                               ("--seed", "x", "--seed must be an integer")):
        with pytest.raises(SystemExit) as stop:
            main(["diagnose", "--user-factors", str(npy / "P.npy"), "--item-factors",
                  str(npy / "Q.npy"), flag, value])
        assert stop.value.code == 2 and match in capsys.readouterr().err
