"""Issue 16, targets 1 and 5: ``python -m cossim figure1`` as a user runs it.

Target 1: the command, end to end (process start, imports, simulation, fits,
panels, scores, PNG, JSON), takes at most half of one dense
``numpy.linalg.svd`` of a matrix of the same shape, both with the BLAS's
default threads; ``import cossim`` takes at most 0.3 s.
Target 5: with two CPU-bound processes running beside it, the command takes at
most 3× its time without them.

Everything is measured side by side: each of ``REPEATS`` rounds runs, one after
the other, a fresh ``import cossim``, the command, the dense SVD (default
threads, then one thread, for information), and the command again with two
CPU-bound processes started just before it and stopped just after it (each
also ends by itself after ``BURN_LIMIT`` seconds), each in a session of its
own, then, for information, with the two in the command's session (see
:func:`start_burners`). The table reports medians
over the rounds, so drift of the shared machine's load hits both sides of a
ratio alike. Used by ``benchmarks/run.py --parts command``; by itself::

    python benchmarks/command.py [--quick]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

REPEATS = 5
BURNERS = 2          # CPU-bound processes beside the loaded run (target 5)
BURN_LIMIT = 300.0   # seconds after which a burner stops by itself, whatever happens here
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

IMPORT_TARGET, COMMAND_TARGET, LOAD_TARGET = 0.3, 0.5, 3.0


def default_threads_env() -> dict:
    """The environment without any BLAS thread setting: the library's default threads."""
    return {k: v for k, v in os.environ.items() if k not in THREAD_VARS}


def one_thread_env() -> dict:
    return {**default_threads_env(), **{var: "1" for var in THREAD_VARS}}


def _run(cmd, env, root: Path = ROOT) -> tuple:
    """Run `cmd` in the checkout `root` (its cossim is the one imported); (wall seconds, stdout)."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    out, err = proc.communicate()
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed: {(err.strip().splitlines() or ['?'])[-1]}")
    return wall, out


def command(out_dir: Path, sz: dict) -> list:
    return [sys.executable, "-m", "cossim", "figure1", "--out", str(out_dir), "--quiet",
            "--users", str(sz["fig_users"]), "--items", str(sz["fig_items"])]


def time_command(out_dir: Path, sz: dict, env, root: Path = ROOT) -> float:
    return _run(command(out_dir, sz), env, root)[0]


def time_import(env, root: Path = ROOT) -> float:
    """Seconds of ``import cossim`` in a fresh interpreter (timed inside it)."""
    code = "import time; t = time.perf_counter(); import cossim; print(time.perf_counter() - t)"
    return float(_run([sys.executable, "-c", code], env, root)[1].strip())


def time_svd(x_path: Path, env) -> float:
    """Seconds of one ``numpy.linalg.svd(X, full_matrices=False)`` of the dense X (densified untimed)."""
    return float(_run([sys.executable, str(Path(__file__).resolve()), "--svd", str(x_path)], env)[1].strip())


def _svd_child(x_path: str) -> None:
    import numpy as np
    import scipy.sparse as sp

    dense = sp.load_npz(x_path).toarray()
    t = time.perf_counter()
    np.linalg.svd(dense, full_matrices=False)
    print(time.perf_counter() - t)


def start_burners(n: int = BURNERS, limit: float = BURN_LIMIT, same_session: bool = False) -> list:
    """`n` CPU-bound Python processes, each ending by itself after `limit` seconds.

    Each runs in a session of its own (``setsid``), like a job started from
    another terminal: with the kernel's autogroup scheduling (the default of
    desktop and many VM kernels, ``/proc/sys/kernel/sched_autogroup_enabled``),
    CPU time is shared fairly between sessions, so burners in the command's own
    session would split the command's share three ways whenever other sessions
    keep the machine busy, whatever the command does. ``same_session=True``
    measures that case.
    """
    code = f"import time\nend = time.monotonic() + {limit}\nwhile time.monotonic() < end:\n    pass\n"
    return [subprocess.Popen([sys.executable, "-c", code], start_new_session=not same_session)
            for _ in range(n)]


def stop_burners(procs) -> None:
    for proc in procs:  # only the processes started above, by their handles
        proc.terminate()
    for proc in procs:
        proc.wait(timeout=30)


def save_matrix(work: Path, sz: dict) -> Path:
    """The simulated X of the command's default run (seed 0), for the SVD baseline."""
    path = work / "command_X.npz"
    code = ("import sys, scipy.sparse as sp, cossim\n"
            f"d = cossim.simulate(n_users={sz['fig_users']}, n_items={sz['fig_items']}, seed=0)\n"
            f"sp.save_npz({str(path)!r}, d.X, compressed=False)\n")
    _run([sys.executable, "-c", code], one_thread_env())
    return path


def measure(work: Path, sz: dict, repeats: int = REPEATS, log=print, before: Path | None = None) -> dict:
    """Side-by-side rounds of the timings; ``{name: {"seconds": median, "samples": [...]}}``.

    With `before` (another checkout, e.g. the commit before a change), its
    import and command are timed in the same rounds, under the names
    ``before_import``, ``before_idle`` and ``before_loaded``.
    """
    x_path = save_matrix(work, sz)
    env = default_threads_env()
    sources = {"cmd": ROOT} if before is None else {"cmd": ROOT, "before": Path(before)}
    names = [f"{s}_{what}" for s in sources for what in ("import", "idle", "loaded")]
    names += ["cmd_svd", "cmd_svd1", "cmd_loaded_same"]
    samples = {name: [] for name in names}
    for tag, root in sources.items():
        time_command(work / f"{tag}_warmup", sz, env, root)  # page cache, not counted
    for r in range(repeats):
        for tag, root in sources.items():
            samples[f"{tag}_import"].append(time_import(env, root))
            samples[f"{tag}_idle"].append(time_command(work / f"{tag}_idle", sz, env, root))
        samples["cmd_svd"].append(time_svd(x_path, env))
        samples["cmd_svd1"].append(time_svd(x_path, one_thread_env()))
        for tag, root in sources.items():
            burners = start_burners()
            try:
                time.sleep(0.5)  # let them get going
                samples[f"{tag}_loaded"].append(time_command(work / f"{tag}_loaded", sz, env, root))
            finally:
                stop_burners(burners)
        burners = start_burners(same_session=True)  # for information: see start_burners
        try:
            time.sleep(0.5)
            samples["cmd_loaded_same"].append(time_command(work / "cmd_loaded", sz, env))
        finally:
            stop_burners(burners)
        log(f"    round {r + 1}/{repeats}: " + ", ".join(f"{k} {v[-1]:.2f}" for k, v in samples.items()))
    return {name: {"seconds": statistics.median(vals), "samples": vals} for name, vals in samples.items()}


def rows_and_checks(res: dict, sz: dict) -> tuple:
    """Table rows (stage, seconds, ratio, target, note) and the MET/MISSED lines."""
    if "cmd_idle" not in res:
        return [], []
    sec = {name: res[name]["seconds"] for name in res}

    def note(name):
        return "median of " + ", ".join(f"{s:.2f}" for s in res[name]["samples"])

    shape = f"{sz['fig_users']:,} × {sz['fig_items']:,}"
    ratio1 = sec["cmd_idle"] / sec["cmd_svd"]
    ratio1_single = sec["cmd_idle"] / sec["cmd_svd1"]
    ratio5 = sec["cmd_loaded"] / sec["cmd_idle"]
    rows = [
        ("`import cossim` (fresh interpreter)", sec["cmd_import"], "", f"≤ {IMPORT_TARGET} s",
         note("cmd_import")),
        ("`python -m cossim figure1` end to end", sec["cmd_idle"], f"{ratio1:.2f}× the dense SVD",
         f"≤ {COMMAND_TARGET}× dense SVD", note("cmd_idle")),
        (f"baseline: numpy.linalg.svd dense {shape}, default threads", sec["cmd_svd"], "", "",
         note("cmd_svd")),
        (f"baseline: numpy.linalg.svd dense {shape}, 1 thread (information)", sec["cmd_svd1"],
         f"command {ratio1_single:.2f}× this", "", note("cmd_svd1")),
        (f"`python -m cossim figure1` beside {BURNERS} CPU-bound processes (own sessions)",
         sec["cmd_loaded"], f"{ratio5:.2f}× idle", f"≤ {LOAD_TARGET}× idle", note("cmd_loaded")),
        (f"`python -m cossim figure1` beside {BURNERS} CPU-bound processes in its own session "
         "(information)", sec["cmd_loaded_same"], f"{sec['cmd_loaded_same'] / sec['cmd_idle']:.2f}× idle",
         "", note("cmd_loaded_same")),
    ]

    if "before_idle" in res:
        b1 = sec["before_idle"] / sec["cmd_svd"]
        b5 = sec["before_loaded"] / sec["before_idle"]
        rows += [
            ("before: `import cossim`", sec["before_import"], "", "", note("before_import")),
            ("before: `python -m cossim figure1` end to end", sec["before_idle"],
             f"{b1:.2f}× the dense SVD", "", note("before_idle")),
            (f"before: `python -m cossim figure1` beside {BURNERS} CPU-bound processes",
             sec["before_loaded"], f"{b5:.2f}× idle", "", note("before_loaded")),
        ]

    def verdict(ok):
        return "MET" if ok else "MISSED"

    checks = [
        f"- command: `import cossim` {sec['cmd_import']:.3f} s (target ≤ {IMPORT_TARGET} s): "
        f"{verdict(sec['cmd_import'] <= IMPORT_TARGET)}",
        f"- command: `python -m cossim figure1` ÷ dense SVD (default threads) = {ratio1:.2f} "
        f"(target ≤ {COMMAND_TARGET}): {verdict(ratio1 <= COMMAND_TARGET)}; "
        f"÷ single-threaded SVD = {ratio1_single:.2f} (information)",
        f"- command: beside {BURNERS} CPU-bound processes ÷ idle = {ratio5:.2f} "
        f"(target ≤ {LOAD_TARGET}): {verdict(ratio5 <= LOAD_TARGET)}; with the two processes in the "
        f"command's own session (autogroup: they share its CPU slice) "
        f"{sec['cmd_loaded_same'] / sec['cmd_idle']:.2f} (information)",
    ]
    if "before_idle" in res:
        checks.append(f"- command, before (same rounds): `import cossim` {sec['before_import']:.3f} s; "
                      f"command ÷ dense SVD = {sec['before_idle'] / sec['cmd_svd']:.2f}; "
                      f"loaded ÷ idle = {sec['before_loaded'] / sec['before_idle']:.2f}")
    return rows, checks


def main(argv=None) -> None:
    import argparse
    import tempfile

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2,000 × 200 instead of 20,000 × 1,000")
    ap.add_argument("--repeats", type=int, default=REPEATS)
    ap.add_argument("--before", default=None,
                    help="another checkout (e.g. the commit before a change) to time in the same rounds")
    ap.add_argument("--svd", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.svd:
        return _svd_child(args.svd)
    sys.path.insert(0, str(HERE))
    from run import _sizes

    sz = _sizes(args.quick)
    with tempfile.TemporaryDirectory(prefix="cossim_cmd_") as work:
        res = measure(Path(work), sz, args.repeats, before=args.before and Path(args.before).resolve())
    rows, checks = rows_and_checks(res, sz)
    for stage, seconds, ratio, target, note in rows:
        print(f"| {stage} | {seconds:.2f} | {ratio} | {target} | {note} |")
    print("\n".join(checks))
    print(json.dumps({k: v["samples"] for k, v in res.items()}))


if __name__ == "__main__":
    main()
