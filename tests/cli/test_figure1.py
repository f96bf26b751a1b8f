"""Tests of cossim.cli.figure1: `python -m cossim figure1`."""

import json
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

from cossim.cli import figure1 as command
from cossim.cli.main import main
from cossim.figure1 import pipeline as E
from cossim.figure1.panels import PANEL_RECORDS

SMALL = ["--users", "1500", "--items", "120", "--clusters", "3", "--rank", "8",
         "--lam1", "1000", "--lam2", "20", "--seed", "2"]


def run_module(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "cossim", "figure1", *args],
                          capture_output=True, text=True, timeout=300, cwd=cwd)


def test_simulated_run_writes_figure_and_json(tmp_path):
    out = tmp_path / "figs"
    result = run_module("--out", str(out), *SMALL)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["figure1.json", "figure1.png"]
    assert (out / "figure1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    doc = json.loads((out / "figure1.json").read_text())
    assert [p["name"] for p in doc["panels"]] == list(E.PANELS)
    params = doc["parameters"]
    assert (params["users"], params["items"], params["clusters"], params["rank"]) == (1500, 120, 3, 8)
    assert (params["lam1"], params["lam2"], params["seed"]) == (1000.0, 20.0, 2)
    # the numbers are those of the library function with the same settings
    ref = E.simulate_figure1(1500, 120, 3, seed=2, rank=8, lam1=1000.0, lam2=20.0)
    for panel in doc["panels"]:
        assert panel["auc"] == round(ref.scores[panel["name"]]["auc"], 6)
        assert panel["neighbour_purity"] == round(ref.scores[panel["name"]]["neighbour_purity"], 6)


def test_json_is_byte_identical_across_runs(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    assert main(["figure1", "--out", str(first), *SMALL]) == 0
    assert main(["figure1", "--out", str(second), *SMALL]) == 0
    assert (first / "figure1.json").read_bytes() == (second / "figure1.json").read_bytes()
    assert main(["figure1", "--out", str(second), *SMALL[:-1], "3"]) == 0  # another seed
    assert (first / "figure1.json").read_bytes() != (second / "figure1.json").read_bytes()


@pytest.fixture
def own_data(tmp_path):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, size=50)
    # users prefer one label; values are counts (not binary), used as given
    prefs = rng.integers(0, 4, size=400)
    rate = np.where(labels[None, :] == prefs[:, None], 0.5, 0.05)
    X = sp.csr_matrix(rng.poisson(rate).astype(float))
    sp.save_npz(tmp_path / "X.npz", X)
    np.save(tmp_path / "y.npy", labels)
    return tmp_path / "X.npz", tmp_path / "y.npy", X, labels


def test_own_data_run(own_data, tmp_path):
    data, labels_path, X, labels = own_data
    out = tmp_path / "own"
    code = main(["figure1", "--data", str(data), "--labels", str(labels_path), "--out", str(out),
                 "--rank", "6", "--lam1", "30", "--lam2", "3"])
    assert code == 0
    doc = json.loads((out / "figure1.json").read_text())
    ref = E.run_figure1(X, labels, rank=6, lam1=30.0, lam2=3.0)
    assert [p["name"] for p in doc["panels"]] == list(E.PANELS)
    assert_allclose([p["auc"] for p in doc["panels"]],
                    [ref.scores[n]["auc"] for n in E.PANELS], atol=1e-6)
    assert doc["parameters"]["source"] == "file"
    assert len(doc["parameters"]["data_sha256"]) == 64
    assert doc["parameters"]["popularity"] == "column sums of X"
    assert doc["panels"][0]["auc"] == 1.0


def _bad(tmp_path, argv, capsys, match):
    """Exit status 2, exactly one line on stderr, and no output folder or file left behind."""
    out = tmp_path / "out"
    try:
        code = main(["figure1", "--out", str(out), *argv])
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error:"), err
    assert match in err, err
    assert not out.exists() or not any(out.iterdir())


def test_bad_input_simulated(tmp_path, capsys):
    _bad(tmp_path, ["--users", "0"], capsys, "--users")
    _bad(tmp_path, ["--lam1", "-5"], capsys, "--lam1")
    _bad(tmp_path, ["--lam2", "nan"], capsys, "--lam2")
    _bad(tmp_path, ["--seed", "x"], capsys, "--seed")
    _bad(tmp_path, ["--items", "50", "--rank", "60"], capsys, "--rank")
    _bad(tmp_path, ["--items", str(E.MAX_ITEMS + 1)], capsys, "--items")
    _bad(tmp_path, ["--items", "10", "--clusters", "10"], capsys, "--clusters")
    _bad(tmp_path, ["--users", "10000000", "--items", "1000"], capsys, "--users x --items")
    _bad(tmp_path, ["--items", "10", "--clusters", "2", "--rank", "3", "--neighbours", "10"],
         capsys, "--neighbours")


def test_bad_input_files(tmp_path, capsys, own_data):
    data, labels_path, X, labels = own_data
    _bad(tmp_path, ["--data", str(data)], capsys, "together")
    _bad(tmp_path, ["--data", str(tmp_path / "missing.npz"), "--labels", str(labels_path)],
         capsys, "no such file")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    _bad(tmp_path, ["--data", str(tmp_path / "junk.npz"), "--labels", str(labels_path)],
         capsys, "not a scipy.sparse")
    np.save(tmp_path / "short.npy", labels[:-1])
    _bad(tmp_path, ["--data", str(data), "--labels", str(tmp_path / "short.npy")], capsys,
         "--labels has length")
    np.save(tmp_path / "float.npy", labels + 0.5)
    _bad(tmp_path, ["--data", str(data), "--labels", str(tmp_path / "float.npy")], capsys,
         "--labels must hold integers")
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}] * 50, dtype=object), allow_pickle=True)
    _bad(tmp_path, ["--data", str(data), "--labels", str(tmp_path / "obj.npy")], capsys,
         "--labels")
    bad = X.copy()
    bad.data[0] = np.nan
    sp.save_npz(tmp_path / "nan.npz", bad)
    _bad(tmp_path, ["--data", str(tmp_path / "nan.npz"), "--labels", str(labels_path)], capsys,
         "NaN")
    _bad(tmp_path, ["--data", str(data), "--labels", str(labels_path), "--rank", "51"], capsys,
         "--rank")
    _bad(tmp_path, ["--data", str(data), "--labels", str(labels_path), "--seed", "1"], capsys,
         "only apply to simulated data")
    np.save(tmp_path / "one.npy", np.zeros(50, dtype=int))
    _bad(tmp_path, ["--data", str(data), "--labels", str(tmp_path / "one.npy")], capsys,
         "two different labels")


def test_out_is_a_file(tmp_path, capsys):
    target = tmp_path / "file.txt"
    target.write_text("keep me")
    code = main(["figure1", "--out", str(target), *SMALL])
    assert code == 2
    assert "not a directory" in capsys.readouterr().err
    assert target.read_text() == "keep me"


def test_existing_outputs_survive_a_failed_run(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["figure1", "--out", str(out), *SMALL]) == 0
    before = (out / "figure1.json").read_bytes()
    assert main(["figure1", "--out", str(out), *SMALL[:-1], "2", "--rank", "500"]) == 2
    assert (out / "figure1.json").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["figure1.json", "figure1.png"]


def test_help_documents_the_definitions():
    result = run_module("--help")
    assert result.returncode == 0
    text = result.stdout
    for phrase in ["ties counted 1/2", "i < j", "eq1_gamma0.5", "V_k dMat(m)^(1/2)",
                   "1 / (1 + lam1 / sigma_i^2)", "descending popularity", "column sums of X",
                   "--users", "--lam2", "figure1.json", "save_npz", "exit status 2"]:
        assert phrase in text, phrase


def test_help_lists_every_panel_record():
    """The panel list of --help is generated from the records, in display order."""
    lines = command.HELP.splitlines()
    positions = []
    for record in PANEL_RECORDS:
        at = next(i for i, line in enumerate(lines) if line.startswith(f"  {record.name} "))
        positions.append(at)
        assert lines[at].startswith(f"  {record.name:<13} {record.formula}"), record.name
        if record.source is not None:  # the source, on the same line or the next
            assert f"[{record.source}]" in lines[at] + lines[at + 1], record.name
    assert positions == sorted(positions)
    assert all(len(line) <= 80 for line in lines)
    assert "exit status 3" in command.HELP


def test_own_data_neighbours_and_labels_are_checked(own_data, tmp_path, capsys):
    data, labels_path, X, labels = own_data
    _bad(tmp_path, ["--data", str(data), "--labels", str(labels_path), "--rank", "6",
                    "--neighbours", "50"], capsys, "--neighbours must be <= items - 1 (49)")
    np.save(tmp_path / "distinct.npy", np.arange(50))
    _bad(tmp_path, ["--data", str(data), "--labels", str(tmp_path / "distinct.npy"), "--rank", "6"],
         capsys, "--labels must put at least two items in the same group")


def test_simulated_run_records_the_settings_record(tmp_path):
    from cossim.paper.simulation import SimulationSettings

    out = tmp_path / "sim"
    assert main(["figure1", "--out", str(out), *SMALL]) == 0
    doc = json.loads((out / "figure1.json").read_text())
    assert sorted(doc["parameters"]["simulation"]) == sorted(SimulationSettings.names())
    assert doc["parameters"]["simulation"]["max_items_per_user"] == 120


# A command line that guides: warnings about degenerate settings, a summary, --quiet.

def _warnings(err):
    return [line for line in err.splitlines() if line.startswith("warning: ")]


def test_setting_warnings_name_the_numbers_and_a_range():
    sigma = np.array([40.0, 20.0, 5.0])
    assert command.setting_warnings(sigma, 3, lam1=100.0, lam2=10.0) == []
    (blank,) = command.setting_warnings(sigma, 3, lam1=100.0, lam2=40.0)
    assert blank.startswith("--lam2 40 is at or above every singular value of X (largest 40)")
    assert "e.g. 5-36" in blank
    (single,) = command.setting_warnings(sigma, 3, lam1=100.0, lam2=25.0)
    assert single.startswith("--lam2 25 keeps only 1 of 3 directions (sigma_1 = 40, sigma_2 = 20)")
    assert "e.g. 5-18" in single
    assert command.setting_warnings(sigma, 3, lam1=100.0, lam2=19.9) == []  # σ₂ > λ₂: two directions
    (rank,) = command.setting_warnings(np.array([40.0, 20.0, 0.0, 1e-14]), 4, 100.0, 10.0)
    assert rank.startswith("--rank 4 is above the numerical rank of X (2)")
    assert "try --rank between 1 and 2" in rank
    (shrunk,) = command.setting_warnings(sigma, 3, lam1=1e7, lam2=10.0)
    assert shrunk.startswith("--lam1 1e+07 shrinks every direction")
    assert "m_i = sigma_1^2/(sigma_1^2 + lam1) = 0.00016" in shrunk
    assert "e.g. 25-1.6e+03" in shrunk
    # the threshold itself: max m_i just above 1e-3 is not a warning
    assert command.setting_warnings(sigma, 3, lam1=1600.0 * 990, lam2=10.0) == []


@pytest.fixture
def low_rank_data(tmp_path):
    """X of rank 2 (two blocks of identical rows), 8 items in two label groups."""
    block = np.kron(np.eye(2), np.ones((1, 4)))
    X = sp.csr_matrix(np.vstack([block] * 10) * np.arange(1, 21)[:, None])
    sp.save_npz(tmp_path / "X.npz", X)
    np.save(tmp_path / "y.npy", np.repeat([0, 1], 4))
    sigma = np.linalg.svd(X.toarray(), compute_uv=False)
    return tmp_path, sigma


@pytest.mark.parametrize("options, start", [
    (["--rank", "2", "--lam1", "10", "--lam2", "1000"], "warning: --lam2 1000 is at or above"),
    (["--rank", "4", "--lam1", "10", "--lam2", "1"], "warning: --rank 4 is above the numerical rank of X (2)"),
    (["--rank", "2", "--lam1", "1e12", "--lam2", "1"], "warning: --lam1 1e+12 shrinks every"),
])
def test_degenerate_setting_warns_and_still_runs(low_rank_data, capsys, options, start):
    folder, sigma = low_rank_data
    out = folder / "out"
    code = main(["figure1", "--data", str(folder / "X.npz"), "--labels", str(folder / "y.npy"),
                 "--out", str(out), "--neighbours", "3", *options])
    assert code == 0
    err = capsys.readouterr().err
    (warning,) = _warnings(err)
    assert warning.startswith(start), warning
    assert f"{sigma[0]:.3g}" in warning or "--rank" in warning
    assert (out / "figure1.json").exists() and (out / "figure1.png").exists()
    if "--lam2" in warning:
        doc = json.loads((out / "figure1.json").read_text())
        assert doc["panels"][-1]["nonzero_columns_of_B"] == 0  # the panel the warning names


def test_a_normal_run_prints_a_summary_and_no_warning(tmp_path, capsys):
    out = tmp_path / "figs"
    assert main(["figure1", "--out", str(out), *SMALL]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    doc = json.loads((out / "figure1.json").read_text())
    lines = captured.out.splitlines()
    assert len(lines) == len(E.PANELS) + 2
    for line, panel in zip(lines, doc["panels"]):
        name, _, auc, _, purity = line.split()
        assert name == panel["name"]
        assert float(auc) == round(panel["auc"], 3)
        assert float(purity) == round(panel["neighbour_purity"], 3)
    assert lines[-2] == f"wrote {out / 'figure1.json'}"
    assert lines[-1] == f"  and {out / 'figure1.png'}"


def test_quiet_prints_nothing_and_writes_the_same_bytes(tmp_path, capsys):
    loud, quiet = tmp_path / "loud", tmp_path / "quiet"
    assert main(["figure1", "--out", str(loud), *SMALL]) == 0
    capsys.readouterr()
    assert main(["figure1", "--out", str(quiet), "--quiet", *SMALL]) == 0
    assert capsys.readouterr() == ("", "")
    assert (loud / "figure1.json").read_bytes() == (quiet / "figure1.json").read_bytes()


def test_help_explains_choosing_the_parameters_and_every_json_field(capsys):
    with pytest.raises(SystemExit):
        main(["figure1", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--lam1 acts on sigma^2" in text and "--lam2 acts on sigma" in text
    assert "numerical rank of X" in text
    for field in ("parameters", "top_singular_values", "panels", "name", "definition", "auc",
                  "neighbour_purity", "nonzero_columns_of_B", "--quiet"):
        assert field in text, field


def test_dense_npy_as_data_says_how_to_make_a_sparse_npz(tmp_path, capsys):
    np.save(tmp_path / "X.npy", np.ones((6, 4)))
    np.save(tmp_path / "y.npy", np.array([0, 0, 1, 1]))
    code = main(["figure1", "--data", str(tmp_path / "X.npy"), "--labels", str(tmp_path / "y.npy"),
                 "--out", str(tmp_path / "out"), "--rank", "2"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "is not a scipy.sparse .npz file" in err  # the words it always had
    assert "scipy.sparse.save_npz('X.npz', scipy.sparse.csr_matrix(X))" in err
    assert "numpy.loadtxt('X.csv', delimiter=',')" in err


def test_string_labels_say_how_to_encode_them(own_data, tmp_path, capsys):
    data, _, X, labels = own_data
    np.save(tmp_path / "names.npy", np.array(["ab", "cd", "ef", "gh"])[labels])
    code = main(["figure1", "--data", str(data), "--labels", str(tmp_path / "names.npy"),
                 "--out", str(tmp_path / "out"), "--rank", "3"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "must hold integers, got dtype <U2" in err
    assert "numpy.unique(labels, return_inverse=True)[1]" in err
