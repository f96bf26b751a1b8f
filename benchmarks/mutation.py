"""Mutation testing of cossim's numeric modules (issue 13); not part of pytest.

Usage, from the repository root::

    nice -n 19 python benchmarks/mutation.py --baseline metrics  # full run, stored as "before"
    nice -n 19 python benchmarks/mutation.py --survivors metrics # after new tests: only what the
                                                                  # stored baseline left undetected
    nice -n 19 python benchmarks/mutation.py similarity gram     # full runs (short names)
    python benchmarks/mutation.py --report-only                  # rewrite the report from mutants/

The modules, the tests that run and the timeouts are configured in pyproject.toml
([tool.mutmut]); this script runs ``mutmut run --max-children 1`` on the chosen modules
(one worker: the machine is shared), reads mutmut's per-mutant results from mutants/,
and writes benchmarks/mutation_results.json and benchmarks/mutation_results.md.

``--baseline`` also stores every mutant's verdict and every function's source hash in
benchmarks/mutation_baseline.json (in the repository). ``--survivors`` then re-runs only
the mutants that baseline left undetected, plus every mutant of a function whose source
changed since (mutmut renumbers those); the other mutants keep the baseline's verdict.
That is valid while tests are only added or strengthened: a test that killed a mutant
still kills it.

Each mutant is classified:

* **message**: the mutant differs from the original only in the text of an error
  message (a string inside a ``raise`` or a ``warnings.warn``, the ``stacklevel`` of a
  warning, which only decides where it is reported, or the argument name passed to a
  validator of ``cossim._validation``, which only prints it). Such mutants are
  counted separately and excluded from the score; the error tests check the
  messages' key words instead.
* **equivalent**: a surviving mutant listed in benchmarks/mutation_equivalent.py with a one-line
  argument why it cannot change any result; excluded from the score.
* everything else is **behaviour-changing**; the score is the share of them that
  some test kills (a failing test or a timeout).

"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import difflib
import json
import os
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS_JSON = ROOT / "benchmarks" / "mutation_results.json"
RESULTS_MD = ROOT / "benchmarks" / "mutation_results.md"
BASELINE_JSON = ROOT / "benchmarks" / "mutation_baseline.json"

#: mutmut's exit codes (mutmut/stats.py) grouped as this report counts them.
KILLED, TIMEOUT, SURVIVED, NO_TESTS = {1, 3}, {36, -24, 24, 152, 255}, {0}, {5, 33}

from mutation_equivalent import EQUIVALENT  # noqa: E402  (benchmarks/ is on sys.path when run)

#: How a module's columns came about, where the command alone does not say it.
NOTES: dict[str, str] = {
    "cossim/linalg/similarity.py": "before: full run of 2026-11-29 (summary only). Default axes, a sort "
    "kind and a sparse flag were then removed (same numbers): five equivalents went. Then einsum's "
    "sublist form (bit-identical to the subscript string) replaced the strings, a bincount minlength "
    "that is always met and an index array (the candidates' columns are read directly) were removed "
    "(same numbers), and tests of the float32 candidate pass, its margin and the boundary of its cut "
    "were added: 11 equivalents became 1. After: a full run of the new code.",
    "cossim/linalg/gram.py": "before: full run of 2026-11-29 (summary only). syrk's and eigh's default "
    "arguments, two casts and a finfo call were then removed (same numbers): 16 equivalents became 7. "
    "Then syrk's overwrite flag became a bool, tested to add into one Fortran-ordered G in place, a "
    "cast before densifying a block was dropped, and _row_block (added after that run; scipy copies "
    "its CSR 'view' anyway) was replaced by slicing (same numbers): 2 equivalents were left. The "
    "cost rule's int64 cast (issue 16: int32 wrapped) then added one, its float64 twin. After: a full "
    "run of the new code.",
    "cossim/linalg/spectrum.py": "before: full run of 2026-11-29 (summary only). A redundant copy flag was "
    "removed and an empty-input test added: 4 equivalents became 1. The unused-column scan then went to "
    "slices of the stored entries (issue 16, 1 GB less at 100 M non-zeros), which adds one: its slice "
    "step. After: a full run of the new code.",
    "cossim/linalg/dense.py": "before: full run of 2026-11-29 (summary only). An aslinearoperator wrapper "
    "that svds applies itself, svds's U-less flag, a clip at 0 of LAPACK's σ and an empty-s branch were "
    "then removed (same numbers), and a test that no deprecated NumPy call is made was added: 9 "
    "equivalents became 1. After: a full run of the new code.",
    "cossim/paper/models.py": "before: the module and tests/paper/test_models.py as they were before the "
    "issue-13 tests (commit 07883c1), run in full.",
    "cossim/paper/remedies.py": "before: run after the one-line change as_matrix(..., allow_sparse=False) → "
    "as_dense_matrix (the same validation), with the tests of before.",
    "cossim/paper/cosine_model.py": "before: as for remedies (as_dense_matrix). The surviving mutants are "
    "iteration counts and Newton-step details of the trust-region solver: they change its result only "
    "by rounding, which no test with a derived tolerance can see.",
    "cossim/linalg/krylov.py": "before: the module with tests/linalg/test_krylov.py as it was before the "
    "issue-13 tests. mutmut's timeouts were lowered to 4 × (t + 5 s) for it: mutants that loop "
    "for ever now count as detected within seconds. σ = √θ with the noise floor then moved into one "
    "helper, tested at the floor, and an np.where that cannot change the Aitken test was removed (same "
    "numbers): 6 equivalents became 2; the after column reruns every mutant of the changed functions.",
    "cossim/beyond/diagnostic.py": "before: with diagnostic_figure, whose 188 mutants no selected test "
    "ran. The figure (plotting only) then moved to cossim/beyond/diagnostic_plot.py, out of the numeric "
    "modules, so the after column counts the numeric code only. The pair selection (_block_pairs) was "
    "then changed so that pairs tied at the n_pairs cut go to the smaller (i, j) (they were arbitrary), "
    "and 0 was dropped from integers(0, n) in _sample_users (the same draws). The m-th largest range "
    "was then taken by one ascending partition and the stable sort spelled stable=True (same "
    "numbers): 7 equivalents became 3. The after column reruns every mutant of the changed functions.",
    "cossim/paper/optim.py": "before: with tests/paper/test_optim.py as it was before the issue-13 tests. "
    "_minimize then got a docstring (no code change), so the after column reruns all its mutants.",
    "cossim/figure1/pipeline.py": "before: the module with tests/figure1/test_pipeline.py as it was before the "
    "issue-13 tests. ensure_ascii=True (json's default) was then dropped from figure1_json (the same bytes: "
    "figure1.json of three simulations compared by SHA-256), so the after column reruns all its mutants. "
    "Both runs selected only tests/figure1/test_{pipeline,readings,panels}.py (main's "
    "test_dask_input_is_checked failed mutmut's clean run then); the tests of cli and report that also "
    "call cossim.figure1 were not run, so the scores are what the module's own tests detect.",
    "cossim/figure1/readings.py": "before: the module with tests/figure1/test_readings.py as it was before the "
    "issue-13 tests; test selection as for pipeline.",
    "cossim/figure1/panels.py": "before: the module with tests/figure1/test_panels.py as it was before the "
    "issue-13 tests; test selection as for pipeline. The 20 mutants of _eq1_panel act only when the "
    "records are built at import, which mutmut's forked test processes never repeat; a test now calls "
    "_eq1_panel itself. truth_similarity's length became np.size(labels) and its cast "
    "np.asarray(..., dtype=np.float64) (the same arrays, dtypes and errors on 11 inputs); the after "
    "column reruns all its mutants.",
    "cossim/linalg/dask.py": "mutmut deselects the tests marked `cluster` (a LocalCluster per mutant is "
    "too slow); the others run on dask's synchronous scheduler. before: none of tests/linalg/test_dask.py "
    "(all its tests then needed the cluster), only the two synchronous dask tests of test_spectrum.py. "
    "after: with the synchronous-scheduler tests of test_dask.py.",
    "cossim/beyond/training.py": "before: full run with tests/beyond/test_training.py as it was before the issue-13 "
    "tests. block_lipschitz then validated through check_gram_factors (which also rejects a non-square G), the "
    "drift's NaN became np.nan, cosine_spread's shape check a set of shapes and item_item_cosine_diff's size "
    "len(S1) (same numbers, checked with np.array_equal against the old module): the after column reruns every "
    "mutant of the changed functions.",
    "cossim/beyond/negative_sampling.py": "before: full run with tests/beyond/test_negative_sampling.py as it was "
    "before the issue-13 tests. The validation was then split into _check_distributions, _check_factors and "
    "_check_pairs (fit_sgns validates q before computing the start), the einsum strings became sublists, "
    "square sizes len(C), and popularity_bias's head a stable=True sort with np.isin (same numbers, checked "
    "with np.array_equal against the old module): the after column reruns every mutant of the changed functions.",
    "cossim/beyond/normalised_training.py": "before: full run with tests/beyond/test_normalised_training.py as it "
    "was before the issue-13 tests. The least-squares start of the scale then moved into _scale_start (tested "
    "against the closed form), k is checked once, the scale is np.full(k, s) for both kinds, the einsum "
    "strings became sublists and the ridge shrinkage w / where(w + λ > 0, w + λ, ∞) (same numbers, checked "
    "with np.array_equal against the old module): the after column reruns every mutant of the changed functions.",
}


def configured_modules() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
    return list(config["only_mutate"])


def dotted(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def _meta(path: str) -> dict:
    return json.loads((ROOT / "mutants" / (path + ".meta")).read_text(encoding="utf-8"))


def _stored_baseline(path: str) -> dict:
    """The per-mutant verdicts of `path`'s full baseline run, from benchmarks/mutation_baseline.json."""
    stored = json.loads(BASELINE_JSON.read_text(encoding="utf-8")) if BASELINE_JSON.exists() else {}
    if path not in stored:
        sys.exit(f"--survivors: {path} has no stored baseline in {BASELINE_JSON.name}; run it in full first")
    return stored[path]


def _mutmut(names: list[str]) -> int:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    return subprocess.run(["mutmut", "run", "--max-children", "1", *names], cwd=ROOT, env=env).returncode


def _function_of(name: str) -> str:
    return name.rsplit(".", 1)[1].rsplit("__mutmut_", 1)[0]


def run_mutmut(path: str, *, survivors: bool = False) -> int:
    """``mutmut run`` on every mutant of one module, one worker; with `survivors`, only on those the
    stored baseline left undetected (message-only ones aside) and on every mutant of a function
    whose source changed since the baseline (mutmut renumbers those)."""
    if not survivors:
        return _mutmut([dotted(path) + ".*"])
    base = _stored_baseline(path)
    undetected = [name for name, code in base["exit_codes"].items() if code in SURVIVED | NO_TESTS]
    rows = {r["name"]: r for r in classify(path, baseline=base)} if (ROOT / "mutants" / (path + ".meta")).exists() \
        else {}
    names = [n for n in undetected if rows.get(n, {}).get("kind") != "message"]
    code = _mutmut(names or list(base["exit_codes"])[:1])  # (one mutant at least: mutmut generates them all)
    meta = _meta(path)  # mutmut has now generated this checkout's mutants and their function hashes
    changed = {f for f, h in meta["hash_by_function_name"].items() if base["hashes"].get(f) != h}
    rest = [n for n in meta["exit_code_by_key"] if _function_of(n) in changed and n not in names]
    return _mutmut(rest) if rest else code


def _functions(path: Path) -> dict[str, ast.FunctionDef]:
    """Top-level and method functions of the mutated copy, by name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name: node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


#: Validators of cossim._validation whose string arguments are argument names, used only
#: in the one-line error message.
VALIDATORS = {"as_matrix", "as_dense_matrix", "as_factor", "check_int", "check_real", "check_choice", "check_vector",
              "check_rank", "check_lambda", "_check_dtype", "check_labels", "check_scaling_vector",
              "_check_positive_int", "_check_positive_float"}

#: Validators whose name argument has a default, and its position.
NAME_POSITION = {"as_matrix": 1, "as_dense_matrix": 1, "check_rank": 2, "check_lambda": 1, "check_labels": 2,
                 "check_scaling_vector": 2}


class _BlankMessages(ast.NodeTransformer):
    """Replace message text by one token: strings under raise / warnings.warn, and the argument
    names passed to the validators (they appear only in the error message)."""

    def _blank(self, node):
        for sub in ast.walk(node):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                sub.value = "<message>"
            elif isinstance(sub, ast.JoinedStr):
                sub.values = [ast.Constant("<message>")]
        return node

    def visit_Raise(self, node):
        return self._blank(node)

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "warn" and node.args:
            node.args[0] = self._blank(node.args[0])
            # stacklevel only decides which caller the warning is reported at
            node.keywords = [kw for kw in node.keywords if kw.arg != "stacklevel"]
        if isinstance(func, ast.Name) and func.id in VALIDATORS:
            for arg in [*node.args[1:], *(kw.value for kw in node.keywords if kw.arg == "name")]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    arg.value = "<message>"
            # a validator whose name has a default: leaving the name out changes the message only
            pos = NAME_POSITION.get(func.id)
            if pos is not None and len(node.args) > pos and isinstance(node.args[pos], ast.Constant):
                del node.args[pos]
            node.keywords = [kw for kw in node.keywords if kw.arg != "name"]
        self.generic_visit(node)
        return node


def _normalised(fn: ast.FunctionDef) -> str:
    fn = ast.parse(ast.unparse(fn)).body[0]
    fn.name = "f"
    return ast.dump(_BlankMessages().visit(fn))


def _diff(orig: ast.FunctionDef, mutant: ast.FunctionDef) -> str:
    """The changed lines, as 'old  →  new' (several lines joined by ' / ', stripped)."""
    name = orig.name.removesuffix("__mutmut_orig")
    a, b = (ast.unparse(fn).replace(fn.name, name, 1).splitlines() for fn in (orig, mutant))
    minus = [line.strip() for line in difflib.ndiff(a, b) if line.startswith("- ")]
    plus = [line.strip()[2:].strip() for line in difflib.ndiff(a, b) if line.startswith("+ ")]
    return " / ".join(m[2:].strip() for m in minus) + "  →  " + " / ".join(plus)


def classify(path: str, root: Path = ROOT, baseline: dict | None = None) -> list[dict]:
    """Every mutant of one module: name, mutmut status, our class, and its diff.

    With `baseline` (the stored verdicts of a full run, see ``--survivors``), a mutant this checkout
    has not re-run takes the baseline's verdict if its function is unchanged since then.
    """
    meta = json.loads((root / "mutants" / (path + ".meta")).read_text(encoding="utf-8"))
    codes = meta["exit_code_by_key"]
    if baseline is not None:
        same = {f for f, h in meta["hash_by_function_name"].items() if baseline["hashes"].get(f) == h}
        codes = {name: baseline["exit_codes"].get(name) if code is None and _function_of(name) in same else code
                 for name, code in codes.items()}
    functions = _functions(root / "mutants" / path)
    rows = []
    for name, code in codes.items():
        local = name.rsplit(".", 1)[1]
        orig = functions[local.rsplit("__mutmut_", 1)[0] + "__mutmut_orig"]
        mutant = functions[local]
        status = ("killed" if code in KILLED else "timeout" if code in TIMEOUT
                  else "survived" if code in SURVIVED else "no tests" if code in NO_TESTS
                  else "not checked" if code is None else f"other ({code})")
        if _normalised(orig) == _normalised(mutant):
            kind = "message"
        elif name in EQUIVALENT and status in ("survived", "no tests"):
            kind = "equivalent"
        else:
            kind = "behaviour"
        rows.append({"name": name, "status": status, "kind": kind, "diff": _diff(orig, mutant)})
    return rows


def summarise(rows: list[dict]) -> dict:
    behaviour = [r for r in rows if r["kind"] == "behaviour"]
    detected = [r for r in behaviour if r["status"] in ("killed", "timeout")]
    count = {s.replace(" ", "_"): sum(r["status"] == s for r in rows)
             for s in ("killed", "timeout", "survived", "no tests")}
    return {
        "mutants": len(rows), **count,
        "not_checked_or_other": len(rows) - sum(count.values()),
        "message_only": sum(r["kind"] == "message" for r in rows),
        "message_only_survived": sum(r["kind"] == "message" and r["status"] in ("survived", "no tests")
                                     for r in rows),
        "equivalent": sum(r["kind"] == "equivalent" for r in rows),
        "behaviour_changing": len(behaviour),
        "behaviour_detected": len(detected),
        "score": round(100 * len(detected) / len(behaviour), 1) if behaviour else None,
    }


def _module_record(path: str, survivors: bool = False) -> dict:
    base = _stored_baseline(path) if survivors else None
    rows = classify(path, ROOT, base)
    pick = lambda statuses, kind: [{k: r[k] for k in ("name", "status", "diff")} for r in rows  # noqa: E731
                                   if r["status"] in statuses and r["kind"] == kind]
    today = dt.date.today().isoformat()
    return {
        "date": today,
        "how": (f"survivors-only rerun on {today} of the full run of {base['date']} (stored verdicts)"
                if survivors else f"full run on {today}"),
        "summary": summarise(rows),
        "surviving_behaviour_changing": pick(("survived", "no tests"), "behaviour"),
        "equivalent": [{"name": r["name"], "diff": r["diff"], "argument": EQUIVALENT[r["name"]]}
                       for r in rows if r["kind"] == "equivalent"],
        "timeouts": pick(("timeout",), "behaviour"),
    }


def _score_cell(summary: dict | None) -> str:
    if not summary:
        return "–"
    s = summary
    return f"{s['score']} % ({s['behaviour_detected']}/{s['behaviour_changing']})"


def write_markdown(results: dict) -> None:
    latest, before = results.get("latest", {}), results.get("baseline", {})
    lines = [
        "# Mutation testing results", "",
        "Written by `benchmarks/mutation.py` (issue 13); do not edit by hand. Commands, from the",
        "repository root:", "",
        "    nice -n 19 python benchmarks/mutation.py --baseline [module ...]   # full run, stored as 'before'",
        "    nice -n 19 python benchmarks/mutation.py --survivors [module ...]  # after new tests: re-run only",
        "                                                  # what the stored baseline left undetected",
        "    nice -n 19 python benchmarks/mutation.py [module ...]              # full run", "",
        "A survivors-only rerun is valid because tests were only added or strengthened since the",
        "baseline: a mutant a test killed then is still killed. Its per-mutant verdicts are stored in",
        "`benchmarks/mutation_baseline.json` with each function's source hash; a function whose source",
        "changed since is re-run in full. How each row was produced is in the column 'how'.", "",
        f"mutmut {results['mutmut']}, one worker, the tests in `[tool.mutmut]` of pyproject.toml",
        "(each module's own fast tests). Score = behaviour-changing mutants detected (a test fails",
        "or the mutant times out) / behaviour-changing mutants; mutants that only change the text of",
        "an error message, and surviving mutants argued equivalent below, are excluded.", "",
        "| module | how (before; after) | mutants | killed | timeouts | survived (no tests) "
        "| message-only (survived) | equivalent | before | after |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for path, rec in latest.items():
        s = rec["summary"]
        lines.append(
            f"| `{path}` | {before.get(path, {}).get('how', '–')}; {rec.get('how', rec['date'])} "
            f"| {s['mutants']} | {s['killed']} | {s['timeout']} "
            f"| {s['survived']} ({s['no_tests']}) "
            f"| {s['message_only']} ({s['message_only_survived']}) | {s['equivalent']} "
            f"| {_score_cell(before.get(path))} | {_score_cell(s)} |")
    missing = [m for m in configured_modules() if m not in latest]
    if missing:
        lines += ["", "Not yet measured: " + ", ".join(f"`{m}`" for m in missing) + "; `cossim/linalg/dask.py` is"
                  " not configured (its tests start a LocalCluster in every mutant's process)."]
    for path, rec in latest.items():
        lines += ["", f"## `{path}`", ""]
        if path in NOTES:
            lines += [NOTES[path], ""]
        for title, key in (("Surviving behaviour-changing mutants", "surviving_behaviour_changing"),
                           ("Equivalent survivors (excluded)", "equivalent"),
                           ("Timeouts (counted as detected)", "timeouts")):
            items = rec[key]
            lines.append(f"{title}: {len(items)}" + (":" if items else "."))
            if items:
                lines.append("")
            for item in items:
                why = f" — {item['argument']}" if "argument" in item else ""
                lines.append(f"- `{item['name'].rsplit('.', 1)[1]}`: `{item['diff']}`{why}")
            lines.append("")
    RESULTS_MD.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")


def record_module(path: str, *, baseline: bool, survivors: bool = False) -> None:
    """Add one module's results from mutants/ to the JSON and Markdown reports; with `baseline`, also
    store its summary as the "before" column and its per-mutant verdicts for ``--survivors``."""
    if not (ROOT / "mutants" / (path + ".meta")).exists():
        return
    record = _module_record(path, survivors)
    if record["summary"]["not_checked_or_other"] == record["summary"]["mutants"]:
        return  # generated but never run
    results = json.loads(RESULTS_JSON.read_text(encoding="utf-8")) if RESULTS_JSON.exists() else {}
    results["mutmut"] = version("mutmut")
    results.setdefault("latest", {})[path] = record
    if baseline:
        if record["summary"]["not_checked_or_other"]:
            sys.exit(f"--baseline: {path} has mutants not checked; run the module in full")
        results.setdefault("baseline", {})[path] = {**record["summary"], "how": record["how"]}
        stored = json.loads(BASELINE_JSON.read_text(encoding="utf-8")) if BASELINE_JSON.exists() else {}
        meta = _meta(path)
        stored[path] = {"date": record["date"], "hashes": meta["hash_by_function_name"],
                        "exit_codes": meta["exit_code_by_key"]}
        BASELINE_JSON.write_text(json.dumps(stored, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    RESULTS_JSON.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    write_markdown(results)
    s = record["summary"]
    print(f"{path}: {s['mutants']} mutants, score {_score_cell(s)}, "
          f"{len(record['surviving_behaviour_changing'])} behaviour-changing survivors", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="short module names (e.g. gram similarity); default: all")
    parser.add_argument("--report-only", action="store_true", help="do not run mutmut, only rewrite the report")
    parser.add_argument("--baseline", action="store_true", help="store this run as the 'before' column")
    parser.add_argument("--survivors", action="store_true",
                        help="re-run only the mutants the stored baseline (benchmarks/mutation_baseline.json) "
                             "left undetected, and those of functions changed since; the others keep its verdict")
    args = parser.parse_args(argv)
    paths = configured_modules()
    if args.modules:
        by_name = {Path(p).stem: p for p in paths}
        unknown = [m for m in args.modules if m not in by_name]
        if unknown:
            parser.error(f"unknown modules {unknown}; configured: {sorted(by_name)}")
        paths = [by_name[m] for m in args.modules]
    if args.baseline and args.survivors:
        parser.error("--baseline needs a full run; it cannot be combined with --survivors")
    for path in paths:  # one module at a time, in the order given: the report grows as they finish
        if not args.report_only:
            code = run_mutmut(path, survivors=args.survivors)
            if code != 0:
                print(f"mutmut run on {path} exited with {code}", file=sys.stderr)
        record_module(path, baseline=args.baseline, survivors=args.survivors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
