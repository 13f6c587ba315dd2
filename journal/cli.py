"""The ``journal`` command: start a journal or an entry, lint the journal, preview it, build it.

journal init my-journal                # a new journal: asks for its title, author, repository...
journal new "Attention from scratch"   # a draft entry, its snippet and its test
journal check                          # every problem as file:line: message
journal preview                        # http://127.0.0.1:8000, re-runs what you change
journal build                          # the published site in site/ (drafts left out)
journal freeze autograd-from-scratch   # measure its frozen runs again, into frozen/
journal prune --dry-run                # what the cache holds that no run can use any more
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from . import check, scaffold
from .errors import JournalError


def _root(args) -> Path:
    try:
        return check.find_root(args.root)
    except FileNotFoundError as exc:
        sys.exit(f"journal: {exc}; run it inside the journal or pass --root")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write YYYY-MM-DD") from None


def cmd_new(args) -> int:
    root = _root(args)
    try:
        files = scaffold.write(
            root,
            args.title,
            slug=args.slug,
            category=args.category,
            date=args.date,
            curriculum=args.curriculum,
            tags=tuple(args.tag or ()),
        )
    except scaffold.ScaffoldError as exc:
        print(f"journal new: {exc}", file=sys.stderr)
        return 2
    print(f"created the draft entry {files.entry}")
    print(f"        its snippet     {files.snippet}")
    print(f"        its test        {files.test}")
    print()
    print("Preview it (drafts show only in the preview) and edit; the page follows your saves:")
    print("    .venv/bin/journal preview     (or: make preview, which rebuilds every page)")
    print("When it is ready: set draft: false, then")
    print(f"    journal check && .venv/bin/pytest {files.test}")
    return 0


def cmd_init(args) -> int:
    from . import init

    given = {
        "title": args.title,
        "author": args.author,
        "about": args.about,
        "description": args.description,
        "repository": args.repository,
        "plan": args.plan,
        "comments": None if args.comments is None else ("yes" if args.comments else "no"),
    }
    try:
        init.run(args.dir, given, yes=args.yes, engine=args.engine)
    except (init.InitError, JournalError) as exc:
        print(f"journal init: {exc}", file=sys.stderr)
        return 2
    except (EOFError, KeyboardInterrupt):
        print("\njournal init: stopped; nothing was written", file=sys.stderr)
        return 130
    return 0


def cmd_check(args) -> int:
    root = _root(args)
    checker = check.Checker(root)
    problems = checker.run()
    for problem in problems:
        print(problem)
    for note in checker.notes:
        print(f"journal check: note: {note}", file=sys.stderr)
    snippets = len(list(checker.snippets_dir.glob("*.py")))
    summary = (
        f"{len(checker.entries)} entries, {snippets} snippets, {len(checker.tests)} test files"
    )
    if problems:
        print(f"journal check: {len(problems)} problems ({summary})", file=sys.stderr)
        return 1
    print(f"journal check: no problems ({summary})", file=sys.stderr)
    return 0


def _mkdocs(root: Path, words: list[str]) -> int:
    """Become ``mkdocs WORDS`` in ``root`` (so signals reach it directly; on Windows, wait for it)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", *words]
    sys.stdout.flush()
    if os.name == "posix":
        os.chdir(root)
        os.execve(sys.executable, command, env)
    try:
        return subprocess.call(command, cwd=root, env=env)
    except KeyboardInterrupt:
        return 130


def cmd_preview(args) -> int:
    root = _root(args)
    words = ["serve", "--dev-addr", f"{args.host}:{args.port}"]
    if args.open:
        words.append("--open")
    if not args.full:
        # Rebuild only the pages whose entry, or whose snippets, changed: the journal's adapter
        # marks entries whose snippets were saved (mkdocs alone would miss them).
        words.append("--dirty")
    return _mkdocs(root, words + list(args.mkdocs_args))


def cmd_build(args) -> int:
    root = _root(args)
    words = ["build", "--strict"]
    if args.site_dir:
        words += ["--site-dir", str(Path(args.site_dir).resolve())]
    return _mkdocs(root, words + list(args.mkdocs_args))


def _journal(root: Path, reporter=None):
    from .progress import Reporter
    from .project import Journal

    cache_dir = os.environ.get("JOURNAL_CACHE_DIR") or ".cache/journal"
    return Journal(root, cache_dir=cache_dir, reporter=reporter or Reporter())


def cmd_freeze(args) -> int:
    root = _root(args)
    try:
        outcome = _journal(root).freeze(args.runs)
    except JournalError as exc:
        print(f"journal freeze: {exc}", file=sys.stderr)
        return 2
    failed = [err for err in outcome.values() if isinstance(err, JournalError)]
    for err in failed:
        print(f"journal freeze: {err}", file=sys.stderr)
    frozen = [f"{path}:{name}" for (path, name), r in outcome.items() if r not in failed]
    if frozen:
        print(f"froze {len(frozen)} run(s): {', '.join(frozen)}; commit frozen/ with the change")
    return 1 if failed else 0


def cmd_prune(args) -> int:
    root = _root(args)
    journal = _journal(root)
    before = journal.cache.size()
    removed, size = journal.prune(dry_run=args.dry_run)
    verb = "would remove" if args.dry_run else "removed"
    for path in removed:
        print(f"{verb} {path.relative_to(journal.cache.root)}")
    print(
        f"journal prune: {verb} {len(removed)} item(s), {size / 1e6:.1f} MB; the cache held "
        f"{before / 1e6:.1f} MB, {(before - size) / 1e6:.1f} MB after ({journal.cache.root})"
    )
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="journal",
        description="Write, check, preview and build the learning journal.",
        epilog="Run 'journal COMMAND --help' for a command's options.",
    )
    top.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def common(p):
        p.add_argument(
            "--root", type=Path, help="the journal's folder (default: the one holding mkdocs.yml)"
        )

    ini = sub.add_parser(
        "init",
        help="start a new journal in a new folder",
        description="Write a complete new journal into DIR (which must not exist, or be empty): "
        "journal.yml (its identity), mkdocs.yml, README.md, posts/ with an opening entry, "
        "snippets/, tests/, .github/, the locks, Makefile. Asks for each answer not given as a "
        "flag; without a terminal, a missing answer is an error (--yes takes the defaults).",
    )
    ini.add_argument("dir", type=Path, help="the new journal's folder")
    ini.add_argument("--title", help='the journal\'s title, e.g. "Learning Rust in public"')
    ini.add_argument("--author", help="your name, as the entries' author")
    ini.add_argument("--about", help="one line about you (home page, author card, feeds)")
    ini.add_argument(
        "--description", help="one sentence about the journal (default: from --author)"
    )
    ini.add_argument("--repository", help="the GitHub repository it will live in, as owner/name")
    ini.add_argument(
        "--plan",
        help="'default' (two parts of two steps, to rename) or a YAML file: a list of parts, "
        "each {name, summary, steps: [{n, title, short}]}; the parts are the categories",
    )
    ini.add_argument(
        "--comments",
        action=argparse.BooleanOptionalAction,
        help="comments through GitHub Discussions and giscus (default: on, inactive until "
        "journal.yml has the ids README.md explains how to get)",
    )
    ini.add_argument(
        "-y", "--yes", action="store_true", help="take the default of every answer not given"
    )
    ini.add_argument(
        "--engine",
        help="the engine's requirement written into pyproject.toml (default: "
        "learning-journal @ git+SOURCE@vVERSION, this engine's version)",
    )
    ini.set_defaults(func=cmd_init)

    new = sub.add_parser(
        "new",
        help="start a draft entry with its snippet and test",
        description="Create posts/entries/SLUG.md (a draft with complete front matter), "
        "snippets/SLUG.py (a section and a figure to start from) and "
        "tests/entries/test_SLUG.py. Refuses titles whose slug is taken or unusable.",
    )
    new.add_argument("title", help='the entry\'s title, e.g. "Attention from scratch"')
    new.add_argument("--slug", help="the URL slug (default: from the title)")
    new.add_argument(
        "--category",
        metavar="CATEGORY",
        help="one of the plan's parts in journal.yml (default: its first part)",
    )
    new.add_argument("--date", type=_date, help="YYYY-MM-DD (default: today, UTC)")
    new.add_argument(
        "--curriculum",
        type=int,
        help="the entry's number in the plan (default: the first unwritten step of the "
        "category's part in journal.yml's plan; a number from another part is refused)",
    )
    new.add_argument("--tag", action="append", help="a tag (repeat for more)")
    common(new)
    new.set_defaults(func=cmd_new)

    chk = sub.add_parser(
        "check",
        help="lint the whole journal",
        description="Print every problem as file:line: message and exit 1 if there is any: "
        "front matter, directives, missing snippets and sections, alt text, figures above "
        "the excerpt separator, orphan or untested snippets, quoted values no test asserts.",
    )
    common(chk)
    chk.set_defaults(func=cmd_check)

    pre = sub.add_parser(
        "preview",
        help="serve the journal with live reload (mkdocs serve)",
        description="Build the journal, drafts included, and serve it; saving an entry or a "
        "snippet re-runs only the runs that depend on it and reloads the page. Extra "
        "arguments after -- go to mkdocs serve (--full -- --strict stops on any warning, "
        "as make preview does).",
    )
    pre.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    pre.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    pre.add_argument("--open", action="store_true", help="open the page in a browser")
    pre.add_argument(
        "--full",
        action="store_true",
        help="rebuild the whole site on every save (slower; by default only the pages whose "
        "entry or snippets changed are rebuilt, which may leave other pages' lists stale "
        "until the next full build)",
    )
    pre.add_argument("mkdocs_args", nargs="*", help=argparse.SUPPRESS)
    common(pre)
    pre.set_defaults(func=cmd_preview)

    bld = sub.add_parser(
        "build",
        help="build the published site (mkdocs build --strict)",
        description="Build the site as it is published: drafts left out, any problem fatal. "
        "Extra arguments after -- go to mkdocs build.",
    )
    bld.add_argument("-d", "--site-dir", help="where to write the site (default: site/)")
    bld.add_argument("mkdocs_args", nargs="*", help=argparse.SUPPRESS)
    common(bld)
    bld.set_defaults(func=cmd_build)

    frz = sub.add_parser(
        "freeze",
        help="measure frozen runs again and write their results to frozen/",
        description="Execute the frozen runs of the entries named by their slug (SLUG: all its "
        "frozen runs; SLUG:RUN: one run) and write their results, with where and when they "
        "were measured, under frozen/SLUG/RUN/ for you to commit. Builds and tests never "
        "execute a frozen run; they fail when what it depends on changed since.",
    )
    frz.add_argument("runs", nargs="+", metavar="SLUG[:RUN]")
    common(frz)
    frz.set_defaults(func=cmd_freeze)

    prn = sub.add_parser(
        "prune",
        help="remove from the cache what no current run can use",
        description="Remove stored results, produced files and executed notebooks that no "
        "current run or notebook can hit (the state of the files now decides), and leftovers "
        "of interrupted builds. Prints each item and the sizes.",
    )
    prn.add_argument(
        "-n", "--dry-run", action="store_true", help="only print what would be removed"
    )
    common(prn)
    prn.set_defaults(func=cmd_prune)
    return top


def _version() -> str:
    from . import __version__

    return __version__


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
