"""Netflix-prize scale (issue 16, targets 4 and 6): 480,189 × 17,770, ~100 M non-zeros, k = 50.

From the repository root::

    python benchmarks/netflix.py                # all stages, appends the table to README.md
    python benchmarks/netflix.py --quick        # small sizes, a smoke test (about a minute)
    python benchmarks/run.py --parts netflix,dask   # the same, through the suite's driver

Each stage runs in its own Python subprocess (wall time and peak RSS its own),
as in ``benchmarks/run.py``, whose helpers are reused. The matrix comes from
``scale_data.scale_matrix`` and is cached under ``--data`` (default
``/tmp/cossim_netflix``): generating it is outside every timer.

Stages: the data; cossim's fit (``top_singular(X, 50)`` + Eq. (5) + Eq. (6));
each item's top-10 neighbours under 4 rescalings D; the high-accuracy
reference (ARPACK at ``tol=0``, with its residual certificate) and a second,
independent reference (cossim's block Krylov at ``tol=1e-12``); the library
baselines (ARPACK ``tol=1e-6``, LOBPCG, scikit-learn's ``randomized_svd`` with
5 and with many power iterations); and the same fit on a
``distributed.LocalCluster`` of 2 worker processes, X in row blocks loaded by
the workers from per-block files and never gathered.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run as suite  # noqa: E402  (benchmarks/run.py: constants and helpers)

K, LAM1, LAM2, ACCURACY, SCALINGS4 = suite.K, suite.LAM1, suite.LAM2, suite.ACCURACY, suite.SCALINGS4
TIME_TARGET, MEM_TARGET_GIB, RATIO_TARGET = 300.0, 8.0, 1.0
RSVD_MANY = 30  # power iterations of the "enough iterations" randomized SVD
LOBPCG_MAXITER = 50


def sizes(quick: bool) -> dict:
    if quick:
        return dict(n=48_000, p=6_000, nnz=2_000_000, blocks=4)
    return dict(n=480_189, p=17_770, nnz=100_480_507, blocks=8)


def _x_path(data: Path, sz) -> Path:
    return data / f"X_{sz['n']}_{sz['p']}_{sz['nnz']}.npz"


def _load(data: Path, sz):
    import scipy.sparse as sp

    return sp.load_npz(_x_path(data, sz)).tocsr()


# ---------------------------------------------------------------------------
# stages
# ---------------------------------------------------------------------------

def stage_data(data: Path, work: Path, sz):
    """Generate X once (cached) and write its row blocks, one .npz per block."""
    import numpy as np
    import scipy.sparse as sp
    from scale_data import scale_matrix

    path = _x_path(data, sz)
    t, c = time.perf_counter(), time.process_time()
    if path.exists():
        X, how = _load(data, sz), "cached"
    else:
        data.mkdir(parents=True, exist_ok=True)
        X, _ = scale_matrix(sz["n"], sz["p"], target_nnz=sz["nnz"], seed=0)
        X.indices = X.indices.astype(np.int32)
        sp.save_npz(path, X, compressed=False)
        how = "generated"
    blocks = data / f"blocks_{path.stem}"
    if not (blocks / "rows.json").exists():
        blocks.mkdir(exist_ok=True)
        bounds = np.linspace(0, X.shape[0], sz["blocks"] + 1).astype(int)
        for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
            sp.save_npz(blocks / f"X_{i:03d}.npz", X[a:b], compressed=False)
        (blocks / "rows.json").write_text(json.dumps([int(b - a) for a, b in zip(bounds[:-1], bounds[1:])]))
    sec, cpu = time.perf_counter() - t, time.process_time() - c
    gb = (X.data.nbytes + X.indices.nbytes + X.indptr.nbytes) / 2**30
    return dict(seconds=sec, cpu=cpu, note=f"X {X.shape}, nnz {X.nnz:,}, CSR {gb:.2f} GiB ({how}); "
                                  f"{sz['blocks']} row-block files")


def stage_fit(data: Path, work: Path, sz):
    import numpy as np

    import cossim

    X = _load(data, sz)
    t, c = time.perf_counter(), time.process_time()
    spec = cossim.top_singular(X, K)
    f1 = cossim.eq1_factors(spec, LAM1, 0.5)
    f2 = cossim.eq2_factors(spec, LAM2)
    sec, cpu = time.perf_counter() - t, time.process_time() - c
    np.savez(work / "spec.npz", sigma=spec.sigma, V=spec.V)
    del f1, f2
    return dict(seconds=sec, cpu=cpu, sigma=spec.sigma.tolist(),
                note=f"top_singular auto -> {cossim.linalg.spectrum.auto_method(X.shape[1], K)}, "
                     f"tol {cossim.linalg.spectrum.DEFAULT_TOL:g}; Eq.(5)+Eq.(6)")


def stage_neighbours(data: Path, work: Path, sz):
    import numpy as np

    import cossim

    d = np.load(work / "spec.npz")
    spec = cossim.Spectrum(d["sigma"], d["V"])
    t, c = time.perf_counter(), time.process_time()
    for s in SCALINGS4:
        cossim.top_k_neighbours(cossim.eq1_factors(spec, LAM1, s).B, 10)
    sec, cpu = time.perf_counter() - t, time.process_time() - c
    return dict(seconds=sec, cpu=cpu, note="top-10 of every item for D = " + ", ".join(SCALINGS4))


def _certificate(X, sigma, V):
    """Largest residual bound on σ_i's relative error: |θ − λ| <= ‖XᵀXv − θv‖, σ = √θ."""
    import numpy as np

    R = X.T @ (X @ V) - V * sigma**2
    return float(np.max(np.linalg.norm(R, axis=0) / (2 * sigma**2)))


def stage_arpack_ref(data: Path, work: Path, sz):
    import numpy as np
    import scipy.sparse.linalg as spla

    X = _load(data, sz)
    v0 = np.random.default_rng(0).standard_normal(X.shape[1])
    t, c = time.perf_counter(), time.process_time()
    _, s, vt = spla.svds(X, k=K, tol=0, v0=v0, return_singular_vectors="vh")
    sec, cpu = time.perf_counter() - t, time.process_time() - c
    order = np.argsort(s)[::-1]
    s, V = s[order], vt[order].T
    return dict(seconds=sec, cpu=cpu, sigma=s.tolist(), certificate=_certificate(X, s, V),
                note="scipy svds ARPACK tol=0 (machine precision): the reference")


def stage_cossim_tight(data: Path, work: Path, sz):
    import cossim

    X = _load(data, sz)
    t, c = time.perf_counter(), time.process_time()
    spec = cossim.top_singular(X, K, method="iterative", tol=1e-12)
    sec, cpu = time.perf_counter() - t, time.process_time() - c
    return dict(seconds=sec, cpu=cpu, sigma=spec.sigma.tolist(), certificate=_certificate(X, spec.sigma, spec.V),
                note="cossim block Krylov tol=1e-12: second, independent reference")


def stage_arpack(data: Path, work: Path, sz):
    import numpy as np
    import scipy.sparse.linalg as spla

    X = _load(data, sz)
    v0 = np.random.default_rng(0).standard_normal(X.shape[1])
    t, c = time.perf_counter(), time.process_time()
    s = spla.svds(X, k=K, tol=ACCURACY, v0=v0, return_singular_vectors="vh")[1]
    return dict(seconds=time.perf_counter() - t, cpu=time.process_time() - c, sigma=np.sort(s)[::-1].tolist(),
                note=f"scipy svds ARPACK tol={ACCURACY:g}, right vectors")


def stage_lobpcg(data: Path, work: Path, sz):
    import warnings

    import numpy as np
    import scipy.sparse.linalg as spla

    X = _load(data, sz)
    t, c = time.perf_counter(), time.process_time()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        s = spla.svds(X, k=K, solver="lobpcg", tol=1e-7, maxiter=LOBPCG_MAXITER,
                      random_state=0, return_singular_vectors="vh")[1]
    sec, cpu = time.perf_counter() - t, time.process_time() - c
    conv = "did not converge" if any("not reach" in str(x.message) or "converge" in str(x.message)
                                     for x in w) else "converged"
    return dict(seconds=sec, cpu=cpu, sigma=np.sort(s)[::-1].tolist(),
                note=f"scipy svds LOBPCG tol=1e-7, maxiter={LOBPCG_MAXITER} ({conv})")


def _rsvd(data, sz, n_iter):
    import numpy as np
    from sklearn.utils.extmath import randomized_svd

    X = _load(data, sz)
    t, c = time.perf_counter(), time.process_time()
    s = randomized_svd(X, K, n_iter=n_iter, random_state=0)[1]
    return dict(seconds=time.perf_counter() - t, cpu=time.process_time() - c, sigma=np.sort(s)[::-1].tolist(),
                note=f"sklearn randomized_svd n_iter={n_iter}, n_oversamples=10")


def stage_rsvd5(data: Path, work: Path, sz):
    return _rsvd(data, sz, 5)


def stage_rsvd_many(data: Path, work: Path, sz):
    return _rsvd(data, sz, RSVD_MANY)


def _load_block(path):
    """Runs on a worker: one CSR row block from its file."""
    import scipy.sparse as sp

    return sp.load_npz(path).tocsr()


def _worker_peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def stage_dask(data: Path, work: Path, sz):
    """The same fit on a LocalCluster of 2 worker processes; X in row blocks on the workers."""
    import dask
    import dask.array as da
    import numpy as np
    import scipy.sparse as sp
    from distributed import Client, LocalCluster, wait

    import cossim

    blocks = data / f"blocks_{_x_path(data, sz).stem}"
    rows = json.loads((blocks / "rows.json").read_text())
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                           protocol="tcp://", dashboard_address=None)
    with Client(cluster.scheduler_address) as client:
        parts = [da.from_delayed(dask.delayed(_load_block)(str(blocks / f"X_{i:03d}.npz")),
                                 shape=(r, sz["p"]), dtype=np.float64, meta=sp.csr_matrix((0, 0)))
                 for i, r in enumerate(rows)]
        X = da.concatenate(parts, axis=0).persist()  # loaded by the workers, outside the timer
        wait(X)
        wcpu0 = client.run(time.process_time)
        t, c = time.perf_counter(), time.process_time()
        spec = cossim.top_singular(X, K)
        f1 = cossim.eq1_factors(spec, LAM1, 0.5)
        f2 = cossim.eq2_factors(spec, LAM2)
        sec, cpu = time.perf_counter() - t, time.process_time() - c
        wcpu = sum(client.run(time.process_time).values()) - sum(wcpu0.values())
        del f1, f2
        who = client.who_has(X)
        holders = [tuple(v) for v in who.values()]
        per_worker = {w: sum(1 for h in holders if w in h) for w in client.scheduler_info()["workers"]}
        peaks = client.run(_worker_peak_mib)
    own_peak = _worker_peak_mib()  # this (client + scheduler) process alone, before the workers are reaped
    cluster.close()
    ref = np.load(work / "spec.npz")
    vdiff = float(np.max(np.abs(spec.V - ref["V"])))
    return dict(seconds=sec, cpu=cpu + wcpu, sigma=spec.sigma.tolist(), worker_peak_mib=sorted(peaks.values()),
                client_peak_mib=own_peak,
                note=(f"LocalCluster 2 worker processes × 1 thread, 127.0.0.1; {len(rows)} row blocks "
                      f"held {sorted(per_worker.values())} per worker, each block on "
                      f"{max(len(h) for h in holders)} worker(s); peak RSS per worker "
                      + ", ".join(f"{v:.0f}" for v in sorted(peaks.values()))
                      + f" MiB; CPU s: workers {wcpu:.1f}, client {cpu:.1f}; max |V − V_in-memory| {vdiff:.1e}"))


STAGES = {name[len("stage_"):]: fn for name, fn in globals().items() if name.startswith("stage_")}
ORDER = ["data", "fit", "neighbours", "arpack_ref", "arpack", "lobpcg", "rsvd5", "rsvd_many"]


# ---------------------------------------------------------------------------
# driver
# ---------------------------------------------------------------------------


def run_stage(name, data: Path, work: Path, quick: bool, timeout: float) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--stage", name, "--data", str(data),
           "--work", str(work)] + (["--quick"] if quick else [])
    print(f"  running netflix {name} ...", flush=True)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=suite.checkout_env())
    except subprocess.TimeoutExpired:
        return dict(seconds=float("nan"), peak_mib=float("nan"), note=f"TIMEOUT after {timeout:.0f} s")
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        err = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return dict(seconds=float("nan"), peak_mib=float("nan"), note=f"FAILED: {err}")
    return json.loads(lines[-1])


def run_parts(parts, quick: bool, data: Path, timeout: float = 3600, tight: bool = False) -> dict:
    """Run the netflix stages (part "netflix") and/or the Dask stage (part "dask").

    `tight` adds the second reference (cossim at tol=1e-12), a cross-check of ARPACK's.
    """
    work = Path(tempfile.mkdtemp(prefix="cossim_netflix_"))
    res = {}
    try:
        res["data"] = run_stage("data", data, work, quick, timeout)
        if "netflix" in parts:
            for st in ORDER[1:] + (["cossim_tight"] if tight else []):
                res[st] = run_stage(st, data, work, quick, timeout)
        if "dask" in parts:
            if "fit" not in res:
                res["fit"] = run_stage("fit", data, work, quick, timeout)
            res["dask"] = run_stage("dask", data, work, quick, timeout)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return res


def _cpu(res, st):
    return res.get(st, {}).get("cpu", float("nan"))


def _relerr(r, ref):
    return suite._relerr(r["sigma"], ref) if "sigma" in r else float("nan")


ROWS = [  # (stage, label)
    ("data", "generate/load X (outside every timer)"),
    ("fit", "cossim fit Eq.(1)+Eq.(2), k=50"),
    ("neighbours", "cossim top-10 neighbours × 4 D"),
    ("dask", "cossim fit on LocalCluster (2 processes)"),
    ("arpack_ref", "reference: svds ARPACK tol=0"),
    ("cossim_tight", "reference check: cossim tol=1e-12"),
    ("arpack", "baseline: svds ARPACK tol=1e-6"),
    ("lobpcg", "baseline: svds LOBPCG"),
    ("rsvd5", "baseline: sklearn randomized_svd n_iter=5"),
    ("rsvd_many", f"baseline: sklearn randomized_svd n_iter={RSVD_MANY}"),
]


def render(res, sz, command, started) -> str:
    ref = res.get("arpack_ref", {}).get("sigma")
    rows = []
    for st, label in ROWS:
        r = res.get(st)
        if r is None:
            continue
        err = f"{_relerr(r, ref):.1e}" if ref and "sigma" in r else ""
        if st == "arpack_ref":
            err = "0 (reference)"
        cert = f"; residual bound on σ rel. error {r['certificate']:.1e}" if "certificate" in r else ""
        cpu = r.get("cpu", float("nan"))
        rows.append(f"| {label} | {r['seconds']:.1f} | {cpu:.1f} | {r['peak_mib']:.0f} | {err} | "
                    f"{r.get('note', '')}{cert} |")
    checks = []
    sec = {k: v.get("seconds", float("nan")) for k, v in res.items()}
    if "fit" in res and "neighbours" in res:
        tot = sec["fit"] + sec["neighbours"]
        peak = max(res["fit"]["peak_mib"], res["neighbours"]["peak_mib"]) / 1024
        checks.append(f"- netflix: fit + neighbours {tot:.1f} s (target ≤ {TIME_TARGET:.0f} s): "
                      f"{'MET' if tot <= TIME_TARGET else 'MISSED'}; peak RSS {peak:.2f} GiB "
                      f"(target ≤ {MEM_TARGET_GIB:.0f} GiB): {'MET' if peak <= MEM_TARGET_GIB else 'MISSED'}")
    if ref and "fit" in res and "sigma" in res["fit"]:
        err = _relerr(res["fit"], ref)
        ok = {st: sec[st] for st in ("arpack", "lobpcg", "rsvd5", "rsvd_many")
              if st in res and "sigma" in res[st] and _relerr(res[st], ref) <= ACCURACY}
        missed = [st for st in ("arpack", "lobpcg", "rsvd5", "rsvd_many") if st in res and st not in ok]
        if ok:
            best = min(ok, key=ok.get)
            r = sec["fit"] / ok[best]
            checks.append(f"- netflix: cossim fit σ_k rel. error {err:.1e}; time ÷ fastest library routine at "
                          f"σ_k error ≤ {ACCURACY:g} ({best}, {ok[best]:.1f} s) = {r:.2f} (target ≤ "
                          f"{RATIO_TARGET:.1f}): {'MET' if r <= RATIO_TARGET and err <= ACCURACY else 'MISSED'}"
                          f" (CPU-time ratio {_cpu(res, 'fit') / _cpu(res, best):.2f})"
                          + (f"; did not reach {ACCURACY:g}: {', '.join(missed)}" if missed else ""))
        else:
            checks.append(f"- netflix: no library routine reached σ_k error ≤ {ACCURACY:g}: ratio not measured")
    if "arpack_ref" in res and "cossim_tight" in res and ref:
        checks.append(f"- reference: ARPACK tol=0 and cossim tol=1e-12 agree on σ_k to "
                      f"{_relerr(res['cossim_tight'], ref):.1e}, on all 50 σ to "
                      f"{max(abs(a - b) / b for a, b in zip(res['cossim_tight']['sigma'], ref)):.1e}")
    if "dask" in res and "sigma" in res["dask"]:
        d = res["dask"]
        checks.append(f"- dask: fit on a LocalCluster of 2 worker processes {d['seconds']:.1f} s vs in memory "
                      f"{sec.get('fit', float('nan')):.1f} s; peak RSS per worker "
                      + ", ".join(f"{v / 1024:.2f}" for v in d["worker_peak_mib"])
                      + f" GiB, client + scheduler process {d.get('client_peak_mib', float('nan')) / 1024:.2f}"
                      f" GiB (in memory "
                      f"{res.get('fit', {}).get('peak_mib', float('nan')) / 1024:.2f} GiB)"
                      + (f"; σ_k rel. error {_relerr(d, ref):.1e}" if ref else ""))
    head = (f"### {started:%Y-%m-%d %H:%M} UTC — Netflix shape — {platform.node()}, {platform.machine()}, "
            f"{os.cpu_count()} cores, Python {platform.python_version()}\n\n"
            f"Command: `{command}`; BLAS: {suite.blas_info()}; "
            f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')} in every stage and worker; "
            f"load average at the end {os.getloadavg()[0]:.1f}. One run per stage.\n"
            f"Size: {sz['n']:,} × {sz['p']:,}, ~{sz['nnz']:,} non-zeros, k = {K}. σ_k error: relative to "
            f"the reference (ARPACK tol=0).\n\n")
    table = ("| stage | wall s | CPU s | peak RSS MiB | σ_k rel. error | notes |\n|---|---:|---:|---:|---|---|\n"
             + "\n".join(rows))
    return head + table + "\n\n" + "\n".join(checks)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke test)")
    ap.add_argument("--parts", default="netflix,dask", help="comma list of netflix,dask")
    ap.add_argument("--data", default="/tmp/cossim_netflix", help="cache folder of the generated matrix")
    ap.add_argument("--tight", action="store_true", help="also the second reference, cossim at tol=1e-12")
    ap.add_argument("--no-readme", action="store_true", help="print only, do not append to README.md")
    ap.add_argument("--threads", default="1", help="BLAS threads of every stage (default 1)")
    ap.add_argument("--stage", help=argparse.SUPPRESS)
    ap.add_argument("--work", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.stage:
        res = STAGES[args.stage](Path(args.data), Path(args.work), sizes(args.quick))
        res["peak_mib"] = suite._peak_rss_mib()
        print(json.dumps(res))
        return None
    if args.threads != "keep":
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(int(args.threads))
    started = _dt.datetime.now(_dt.UTC)
    res = run_parts(args.parts.split(","), args.quick, Path(args.data), tight=args.tight)
    command = "python benchmarks/netflix.py" + (" --quick" if args.quick else "") + \
        (f" --parts {args.parts}" if args.parts != "netflix,dask" else "") + (" --tight" if args.tight else "")
    table = render(res, sizes(args.quick), command, started)
    print(table)
    if not args.no_readme:
        with (HERE / "README.md").open("a") as fh:
            fh.write("\n" + table + "\n")
        print(f"appended to {HERE / 'README.md'}")
    return res


if __name__ == "__main__":
    main()
