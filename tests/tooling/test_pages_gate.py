"""The Pages workflow publishes only what passed (issue 11, item 14): its build job needs a test job
that runs the whole suite and ``journal check`` on the same commit, and its deploy job needs the
build. Read from the YAML offline; actionlint and zizmor check the same file in test_github.py."""

from __future__ import annotations

from test_github import steps_using, workflow


def needs(job: dict) -> list[str]:
    value = job.get("needs", [])
    return [value] if isinstance(value, str) else list(value)


def test_deploy_needs_the_build_which_needs_the_tests():
    jobs = workflow("pages.yml")["jobs"]
    assert needs(jobs["deploy"]) == ["build"]
    assert needs(jobs["build"]) == ["test"]
    assert needs(jobs["test"]) == []
    # nothing runs past a failure: no job or step asks to run anyway
    for name in ("test", "build", "deploy"):
        assert "always()" not in str(jobs[name].get("if", "")), name
        assert not jobs[name].get("continue-on-error"), name
        for step in jobs[name].get("steps", []):
            assert not step.get("continue-on-error"), (name, step)
            assert "always()" not in str(step.get("if", "")), (name, step)


def test_the_test_job_runs_the_suite_and_journal_check_on_the_published_commit():
    wf = workflow("pages.yml")
    job = wf["jobs"]["test"]
    runs = [step["run"].strip() for step in job["steps"] if "run" in step]
    assert runs == ["make test", ".venv/bin/journal check"]
    for checkout in steps_using(job, "actions/checkout") + steps_using(
        wf["jobs"]["build"], "actions/checkout"
    ):
        assert "ref" not in checkout.get("with", {})  # both check out the pushed commit
    assert job["if"] == wf["jobs"]["build"]["if"] == "github.ref == 'refs/heads/main'"
    # the browser tests drive Chrome as in tests.yml; the suite itself needs Node (npm ci)
    assert (
        job["env"]["JOURNAL_CHROMIUM"]
        == workflow("tests.yml")["jobs"]["test"]["env"]["JOURNAL_CHROMIUM"]
    )
    assert steps_using(job, "actions/setup-node")
