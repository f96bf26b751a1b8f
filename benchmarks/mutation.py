"""Mutation testing of cossim's numeric modules (issue 13); not part of pytest.

Usage, from the repository root::

    nice -n 19 python benchmarks/mutation.py                 # every module, then the report
    nice -n 19 python benchmarks/mutation.py similarity gram # some modules (short names)
    nice -n 19 python benchmarks/mutation.py --survivors-of /tmp/old gram  # only an older run's survivors
    python benchmarks/mutation.py --report-only               # rewrite the report from mutants/

The modules, the tests that run and the timeouts are configured in pyproject.toml
([tool.mutmut]); this script runs ``mutmut run --max-children 1`` on the chosen modules
(one worker: the machine is shared), reads mutmut's per-mutant results from mutants/,
and writes benchmarks/mutation_results.json and benchmarks/mutation_results.md.

Each mutant is classified:

* **message**: the mutant differs from the original only in the text of an error
  message (a string inside a ``raise`` or a ``warnings.warn``, or the argument name
  passed to a validator of ``cossim._validation``, which only prints it). Such mutants are
  counted separately and excluded from the score; the error tests check the
  messages' key words instead.
* **equivalent**: a surviving mutant listed in EQUIVALENT below with a one-line
  argument why it cannot change any result; excluded from the score.
* everything else is **behaviour-changing**; the score is the share of them that
  some test kills (a failing test or a timeout).

``--baseline`` stores the run as the "before" column of the report (done once, before
the tests were strengthened).
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

#: mutmut's exit codes (mutmut/stats.py) grouped as this report counts them.
KILLED, TIMEOUT, SURVIVED, NO_TESTS = {1, 3}, {36, -24, 24, 152, 255}, {0}, {5, 33}

#: Surviving mutants argued equivalent: they cannot change any result of the module.
#: Keyed by mutmut's mutant name; the argument is one line.
_S, _P, _G, _D = "cossim.linalg.similarity.", "cossim.linalg.spectrum.", "cossim.linalg.gram.", "cossim.linalg.dense."
_EINSUM_CASE = "einsum accepts upper-case subscripts: the same contraction"
_MARGIN_UP = "a larger margin only adds float32 candidates, all re-scored in float64: same result, more work"
_FINFO_NONE = "NumPy 2.4 still reads finfo(None) as float64 (deprecated): the same eps"
_SVDS_OPERATOR = "svds wraps a sparse X in the same X @ v operator as aslinearoperator: the same iteration"
_DEFAULT_AXIS = "the default axis is -1, which is axis 1 of this 2-D array"
EQUIVALENT: dict[str, str] = {
    _S + "x__squared_row_norms__mutmut_18": _EINSUM_CASE,
    _S + "x__top_n_block__mutmut_36": _EINSUM_CASE,
    _S + "x__top_n_block__mutmut_18": _DEFAULT_AXIS,
    _S + "x__top_n_block__mutmut_73": _DEFAULT_AXIS,
    _S + "x__most_similar_first__mutmut_5": _DEFAULT_AXIS,
    _S + "x__top_n_block__mutmut_25": "an entry exactly at t - margin is > 2 rounding errors below the exact n-th "
                                      "largest, so it is never in the top n: dropping it changes nothing",
    _S + "x__top_n_block__mutmut_42": "every row of the block has at least n >= 1 candidates, so bincount already "
                                      "has length b",
    _S + "x__top_n_block__mutmut_61": "column indices (< 2^53) are exact in float64 and cast back into the int64 "
                                      "output",
    _S + "x__top_n_block__mutmut_63": "column indices (< 2^53) are exact in float64 and cast back into the int64 "
                                      "output",
    _S + "x_top_k_neighbours__mutmut_50": "a float64 candidate pass has a smaller error than the margin assumes: "
                                          "same candidates at least, same result",
    _S + "x_top_k_neighbours__mutmut_54": _MARGIN_UP,
    _S + "x_top_k_neighbours__mutmut_57": _MARGIN_UP,
    _S + "x_top_k_neighbours__mutmut_61": "half the margin, 2(k+4)u, still exceeds twice the float32 error bound "
                                          "(k+2)u of the docstring",
    _S + "x__most_similar_first__mutmut_10": "NumPy reads the sort kind case-insensitively: 'STABLE' is 'stable'",
    _S + "x_top_n_from_similarity__mutmut_5": "allow_sparse=None is falsy, exactly like False",
    _S + "x_top_n_from_similarity__mutmut_49": "None stored in a float array is NaN, which argsort(-S) puts last like "
                                               "-inf (S is validated finite)",
    _P + "x_orient_columns__mutmut_7": "np.array copies by default: copy=True is the default",
    _P + "x_orient_columns__mutmut_11": "the signs are exactly +1 or -1: dividing by them equals multiplying",
    _G + "x__gram__mutmut_4": "astype(None) is astype(float64)",
    _G + "x__gram__mutmut_91": "astype(None) is astype(float64)",
    _G + "x__gram__mutmut_14": "as_matrix makes sparse X float64, so the sparse product already is float64",
    _G + "x__gram__mutmut_16": "as_matrix makes sparse X float64, so the sparse product already is float64",
    _G + "x__gram__mutmut_33": "the order of the zero G only decides whether f2py copies it to Fortran order",
    _G + "x__gram__mutmut_36": "the order of the zero G only decides whether f2py copies it to Fortran order",
    _G + "x__gram__mutmut_38": "NumPy reads order='f' as 'F'",
    _G + "x__gram__mutmut_44": "rows = max(2, ...) differs from max(1, ...) only when p > 2^21 (a G of 35 TB)",
    _G + "x__gram__mutmut_64": "the block is converted to dtype on the next line anyway",
    _G + "x__gram__mutmut_75": "syrk's trans defaults to 0", _G + "x__gram__mutmut_82": "syrk's trans defaults to 0",
    _G + "x__gram__mutmut_76": "syrk's lower defaults to 0", _G + "x__gram__mutmut_83": "syrk's lower defaults to 0",
    _G + "x__gram__mutmut_84": "without overwrite_c syrk returns a new array with the same numbers",
    _G + "x__gram__mutmut_89": "overwrite_c is a flag: 2 is true like 1",
    _G + "x__eigh_top__mutmut_2": "G is square: shape[1] == shape[0]",
    _G + "x__eigh_top__mutmut_10": "scipy's default driver for a standard problem is 'evr'",
    _G + "x__eigh_top__mutmut_13": "scipy's default driver for a standard problem is 'evr'",
    _G + "x__eigh_top__mutmut_34": _FINFO_NONE,
    _D + "x__pad_svd__mutmut_3": "with V.shape[1] == k the padding branch appends no column and no zero",
    _D + "x__pad_svd__mutmut_23": _FINFO_NONE,
    _D + "x__pad_svd__mutmut_25": "s is never empty (X has at least one row and column), so s[0] exists",
    _D + "x__pad_svd__mutmut_27": "s is never empty (X has at least one row and column): the else value is unused",
    _D + "x__by_dense_svd__mutmut_7": "full_matrices=None is falsy, exactly like False",
    _D + "x__by_arpack__mutmut_14": "another fixed seed: still one deterministic start vector",
    _D + "x__by_arpack__mutmut_33": "svds's default solver is 'arpack'",
    _D + "x__by_arpack__mutmut_36": "with the default True svds also returns U, which is discarded",
    _D + "x__by_arpack__mutmut_20": _SVDS_OPERATOR, _D + "x__by_arpack__mutmut_21": _SVDS_OPERATOR,
    _D + "x__by_arpack__mutmut_22": _SVDS_OPERATOR,
    _D + "x__by_arpack__mutmut_46": "svds takes σ from a LAPACK SVD of X·V, never negative: the clip at 0 "
                                    "is a guard that cannot act",
    _P + "x_orient_columns__mutmut_3": "column_signs is float64, so V * signs is float64 whatever V's dtype",
    _P + "x_orient_columns__mutmut_6": "column_signs is float64, so V * signs is float64 whatever V's dtype",
}


def configured_modules() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
    return list(config["only_mutate"])


def dotted(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def run_mutmut(paths: list[str], *, survivors_of: Path | None = None) -> int:
    """``mutmut run`` on the mutants of the given module paths (or only those a run in `survivors_of`
    left undetected, message-only ones aside), one worker."""
    globs = [dotted(p) + ".*" for p in paths]
    if survivors_of is not None:  # undetected so far: by this checkout's last run, else by DIR's
        rows = [r for p in paths
                for r in (classify(p, ROOT, survivors_of) if (ROOT / "mutants" / (p + ".meta")).exists()
                          else classify(p, survivors_of))]
        globs = [r["name"] for r in rows if r["status"] in ("survived", "no tests") and r["kind"] != "message"]
        if not globs:
            return 0
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    return subprocess.run(["mutmut", "run", "--max-children", "1", *globs], cwd=ROOT, env=env).returncode


def _functions(path: Path) -> dict[str, ast.FunctionDef]:
    """Top-level and method functions of the mutated copy, by name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name: node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


#: Validators of cossim._validation whose string arguments are argument names, used only
#: in the one-line error message.
VALIDATORS = {"as_matrix", "as_factor", "check_int", "check_real", "check_choice", "check_vector",
              "check_rank", "check_lambda", "_check_dtype", "check_labels", "check_scaling_vector"}

#: Validators whose name argument has a default, and its position.
NAME_POSITION = {"as_matrix": 1, "check_rank": 2, "check_lambda": 1, "check_labels": 2,
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


def classify(path: str, root: Path = ROOT, earlier: Path | None = None) -> list[dict]:
    """Every mutant of one module: name, mutmut status, our class, and its diff.

    With `earlier` (another checkout's finished run on the same source), a mutant not re-run
    here takes that run's verdict: only its survivors are re-run after tests are added.
    """
    meta = json.loads((root / "mutants" / (path + ".meta")).read_text(encoding="utf-8"))
    codes = meta["exit_code_by_key"]
    if earlier is not None:
        before = json.loads((earlier / "mutants" / (path + ".meta")).read_text(encoding="utf-8"))
        codes = {name: before["exit_code_by_key"][name] if code is None else code for name, code in codes.items()}
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


def _module_record(path: str, earlier: Path | None = None) -> dict:
    rows = classify(path, ROOT, earlier)
    pick = lambda statuses, kind: [{k: r[k] for k in ("name", "status", "diff")} for r in rows  # noqa: E731
                                   if r["status"] in statuses and r["kind"] == kind]
    return {
        "date": dt.date.today().isoformat(),
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
        "Written by `benchmarks/mutation.py` (issue 13); do not edit by hand. Command, from the",
        "repository root:", "", f"    {results['command']}", "",
        f"mutmut {results['mutmut']}, one worker, the tests in `[tool.mutmut]` of pyproject.toml",
        "(each module's own fast tests). Score = behaviour-changing mutants detected (a test fails",
        "or the mutant times out) / behaviour-changing mutants; mutants that only change the text of",
        "an error message, and surviving mutants argued equivalent below, are excluded.", "",
        "| module | date | mutants | killed | timeouts | survived (no tests) | message-only (survived) "
        "| equivalent | before | after |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for path, rec in latest.items():
        s = rec["summary"]
        lines.append(
            f"| `{path}` | {rec['date']} | {s['mutants']} | {s['killed']} | {s['timeout']} "
            f"| {s['survived']} ({s['no_tests']}) "
            f"| {s['message_only']} ({s['message_only_survived']}) | {s['equivalent']} "
            f"| {_score_cell(before.get(path))} | {_score_cell(s)} |")
    missing = [m for m in configured_modules() if m not in latest]
    if missing:
        lines += ["", "Not yet measured: " + ", ".join(f"`{m}`" for m in missing) + "; `cossim/linalg/dask.py` is"
                  " not configured (its tests start a LocalCluster in every mutant's process)."]
    for path, rec in latest.items():
        lines += ["", f"## `{path}`", ""]
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


def record_module(path: str, *, baseline: bool, earlier: Path | None = None) -> None:
    """Add one module's results from mutants/ to the JSON and Markdown reports."""
    if not (ROOT / "mutants" / (path + ".meta")).exists():
        return
    record = _module_record(path, earlier)
    if record["summary"]["not_checked_or_other"] == record["summary"]["mutants"]:
        return  # generated but never run
    results = json.loads(RESULTS_JSON.read_text(encoding="utf-8")) if RESULTS_JSON.exists() else {}
    results["command"] = ("nice -n 19 python benchmarks/mutation.py [module ...]" if earlier is None else
                          f"nice -n 19 python benchmarks/mutation.py --survivors-of {earlier} [module ...]")
    results["mutmut"] = version("mutmut")
    results.setdefault("latest", {})[path] = record
    if baseline:
        results.setdefault("baseline", {})[path] = record["summary"]
    RESULTS_JSON.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    write_markdown(results)
    s = record["summary"]
    print(f"{path}: {s['mutants']} mutants, score {_score_cell(s)}, "
          f"{len(record['surviving_behaviour_changing'])} behaviour-changing survivors", flush=True)


def store_baseline(root: Path, paths: list[str]) -> None:
    """The 'before' column from a finished run in another checkout's mutants/ directory."""
    results = json.loads(RESULTS_JSON.read_text(encoding="utf-8")) if RESULTS_JSON.exists() else {}
    for path in paths:
        if (root / "mutants" / (path + ".meta")).exists():
            summary = summarise(classify(path, root))
            if summary["not_checked_or_other"] == 0:
                results.setdefault("baseline", {})[path] = summary
    RESULTS_JSON.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if results.get("latest"):
        write_markdown(results)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="short module names (e.g. gram similarity); default: all")
    parser.add_argument("--report-only", action="store_true", help="do not run mutmut, only rewrite the report")
    parser.add_argument("--baseline", action="store_true", help="store this run as the 'before' column")
    parser.add_argument("--survivors-of", type=Path, metavar="DIR",
                        help="re-run only the mutants a finished run in DIR (e.g. a copy of this checkout "
                             "before tests were added) left undetected; the others keep that run's verdict")
    parser.add_argument("--baseline-from", type=Path, metavar="DIR",
                        help="store the results in DIR/mutants (a run on an older checkout) as 'before'")
    args = parser.parse_args(argv)
    paths = configured_modules()
    if args.modules:
        by_name = {Path(p).stem: p for p in paths}
        unknown = [m for m in args.modules if m not in by_name]
        if unknown:
            parser.error(f"unknown modules {unknown}; configured: {sorted(by_name)}")
        paths = [by_name[m] for m in args.modules]
    if args.baseline_from:
        store_baseline(args.baseline_from, paths)
        return 0
    for path in paths:  # one module at a time, in the order given: the report grows as they finish
        if not args.report_only:
            code = run_mutmut([path], survivors_of=args.survivors_of)
            if code != 0:
                print(f"mutmut run on {path} exited with {code}", file=sys.stderr)
        record_module(path, baseline=args.baseline, earlier=args.survivors_of)
    return 0


if __name__ == "__main__":
    sys.exit(main())
