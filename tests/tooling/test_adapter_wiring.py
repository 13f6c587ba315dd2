"""The MkDocs adapter has one error policy: every problem of the content the engine reports
(front matter, directives, runs, notebooks, rendered pages, glimpses) goes through
``JournalPlugin._fail``, which reports it (a build stops at the end of the stage, in
``_stop_if_failed``; the preview shows it in the page). Only the configuration (on_config and
what it calls) stops a build anywhere else."""

from __future__ import annotations

import ast
from pathlib import Path

from journal import frontmatter

ADAPTER = Path(__file__).resolve().parents[2] / "journal" / "adapters" / "mkdocs_plugin.py"
CONFIGURATION = {"on_config", "apply_identity", "_translated"}  # journal.yml, mkdocs.yml


def functions(tree: ast.Module):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            yield node


def test_a_build_stops_for_content_in_one_place():
    tree = ast.parse(ADAPTER.read_text(encoding="utf-8"))
    stopping = set()
    for fn in functions(tree):
        for node in ast.walk(fn):
            call = node.exc if isinstance(node, ast.Raise) else None
            if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "PluginError":
                stopping.add(fn.name)
    assert stopping == {"_stop_if_failed"} | CONFIGURATION


def test_rendering_and_reading_report_through_fail():
    tree = ast.parse(ADAPTER.read_text(encoding="utf-8"))
    reporting = set()
    for fn in functions(tree):
        for node in ast.walk(fn):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "_fail":
                reporting.add(fn.name)
    # nothing catches a JournalError from rendering: render returns the page's problems
    catching = {
        fn.name
        for fn in functions(tree)
        for node in ast.walk(fn)
        if isinstance(node, ast.ExceptHandler) and "JournalError" in ast.unparse(node.type or node)
    }
    assert {"on_files", "on_page_markdown", "_glimpses"} <= reporting
    assert "on_page_markdown" not in catching and "on_files" not in catching


def test_the_adapter_only_wires_mkdocs_events():
    """Executing notebooks, making their pages and naming published files are the engine's
    (journal/publish.py): the adapter hashes, times and converts nothing itself."""
    tree = ast.parse(ADAPTER.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported |= {f"{node.module or ''}:{alias.name}" for alias in node.names}
    assert not {"hashlib", "time", "re", "nbformat", "yaml"} & imported
    assert not {":notebook", "..:notebook", "results:RunResult", "..results:RunResult"} & imported


def test_the_front_matter_check_the_build_runs_is_the_cores():
    text = "---\ntitle: T\ndate: 2026-13-01\n---\n\nBody\n"
    err = frontmatter.first_problem(text, "posts/e.md")
    assert (str(err.where), err.message) == (
        "posts/e.md:3",
        "date: 2026-13-01 is not a date (month must be in 1..12; write YYYY-MM-DD)",
    )
    assert frontmatter.first_problem("---\ntitle: T\n---\nBody\n", "posts/e.md") is None
