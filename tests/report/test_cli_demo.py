import numpy as np

from cossim.report.cli_demo import run_cossim, shown_command


def test_shown_command_wraps_and_hides_the_folder():
    text = shown_command(["figure1", "--out", "{tmp}", "--users", "10"])
    assert text == "python -m cossim figure1 --out DIR \\\n    --users 10"


def test_run_cossim_reads_outputs_and_strips_the_folder():
    rng = np.random.default_rng(0)
    P, Q = rng.standard_normal((30, 3)), rng.standard_normal((12, 3))
    run, out = run_cossim(["diagnose", "--user-factors", "{tmp}/P.npy", "--item-factors", "{tmp}/Q.npy",
                           "--out", "{tmp}/r"], outputs=["r/diagnose.json"],
                          arrays={"P.npy": P, "Q.npy": Q})
    assert run.returncode == 0, run.stderr
    assert out["r/diagnose.json"]["n_items"] == 12
    assert "/tmp" not in run.stdout


def test_run_cossim_failure_reads_nothing():
    run, out = run_cossim(["no-such-command"], outputs=["x.json"])
    assert run.returncode != 0 and out == {}
