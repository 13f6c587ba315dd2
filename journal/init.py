"""``journal init DIR``: a new journal, complete and green from its first commit.

It asks once for what a journal needs (title, author and a line about them, the GitHub repository,
the plan, comments on or off); every answer is also a flag, so it runs without a terminal (in CI a
missing answer is an error naming its flag). It writes the tree under ``templates/journal/``: the
identity (journal.yml), the site's settings, a home page, a roadmap, one opening entry with its
snippet and tests, the workflows and forms, the locks and the Makefile. Nothing of the engine is
copied: the new journal depends on this package at an exact version (``ENGINE_PIN``), and the
site's hooks, theme overrides and assets come with it. It never writes into a non-empty folder.

Template files are copied as they are, except for ``@@name@@`` fields; a name starting ``dot-``
becomes ``.name`` (package data keeps no hidden files well).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import SOURCE, __version__, identity
from .errors import JournalError
from .scaffold import module_name, slugify

TEMPLATE = Path(__file__).parent / "templates" / "journal"
ENTRY_TEMPLATE = "posts/entries/opening.md"  # renamed to the opening step's slug
FIELD = re.compile(r"@@([a-z_]+)@@")
ENGINE_PIN = f"learning-journal @ git+{SOURCE}@v{__version__}"

LOCK_NOTE = (
    "# The pins learning-journal {version} is tested with, as `journal init` wrote them; `make lock`\n"
    "# re-resolves them from pyproject.toml.\n"
)
DEFAULT_PLAN = [
    {
        "name": "Getting started",
        "summary": "Why this journal, and the habits every later entry leans on.",
        "steps": [
            {"n": 0, "title": "Why I am keeping this journal", "short": "why"},
            {"n": 1, "title": "The first thing I built and measured", "short": "first build"},
        ],
    },
    {
        "name": "Going further",
        "summary": "The next topics, one entry each; rename them as the plan becomes clear.",
        "steps": [
            {"n": 2, "title": "A first deeper dive", "short": "deeper"},
            {"n": 3, "title": "Putting the pieces together", "short": "together"},
        ],
    },
]


class InitError(Exception):
    """An answer or a folder ``journal init`` cannot use; the message says what to do."""


@dataclass(frozen=True)
class Question:
    key: str
    flag: str
    prompt: str
    default: Callable[[dict], str] | None  # from the answers so far; None: must be answered


QUESTIONS = (
    Question("title", "--title", "Title of the journal", None),
    Question("author", "--author", "Your name, as the entries' author", None),
    Question(
        "about",
        "--about",
        "One line about you (home page, author card, feeds)",
        lambda a: "Learning in public, one entry at a time",
    ),
    Question(
        "description",
        "--description",
        "One sentence about the journal (search results, feeds)",
        lambda a: (
            f"{a['author']} learns in public; every number here is computed by the code "
            "shown beside it."
        ),
    ),
    Question("repository", "--repository", "GitHub repository, as owner/name", None),
    Question(
        "plan",
        "--plan",
        "Plan: 'default', or the path of a YAML file of parts and steps",
        lambda a: "default",
    ),
    Question(
        "comments",
        "--comments/--no-comments",
        "Comments through GitHub Discussions (giscus)? [y/n]",
        lambda a: "y",
    ),
)


def check_answer(key: str, value: str) -> str:
    """The answer cleaned, or InitError saying what is wrong with it."""
    value = value.strip()
    if key == "comments":
        word = value.lower()
        if word in ("y", "yes", "true", "on"):
            return "yes"
        if word in ("n", "no", "false", "off"):
            return "no"
        raise InitError(f"comments: answer y or n, not {value!r}")
    if not value:
        raise InitError(f"{key} is empty")
    if "\n" in value or len(value) > 160:
        raise InitError(f"{key} must be one line of at most 160 characters")
    if key == "repository":
        value = re.sub(r"^(https?://)?github\.com/|\.git$", "", value).strip("/")
        if not identity.REPOSITORY.match(value):
            raise InitError(
                f"repository {value!r} is not a GitHub owner/name: write it as on GitHub, "
                "e.g. octocat/learning-journal"
            )
    if key == "plan" and value != "default" and not Path(value).expanduser().is_file():
        raise InitError(f"plan: {value} is not a file; give a YAML file or 'default'")
    return value


def gather(given: dict, *, yes: bool, interactive: bool, ask=input, say=print) -> dict:
    """Every answer: from ``given`` (the flags), else the default with ``yes``, else asked when
    ``interactive``; a missing answer without a terminal is an InitError naming its flag."""
    answers: dict[str, str] = {}
    missing = []
    for q in QUESTIONS:
        value = given.get(q.key)
        if value is not None:
            answers[q.key] = check_answer(q.key, value)
            continue
        default = q.default(answers) if q.default else None
        if yes and default is not None:
            answers[q.key] = check_answer(q.key, default)
            continue
        if not interactive:
            missing.append(q)
            answers[q.key] = default or ""
            continue
        while True:
            shown = f" [{default}]" if default is not None and q.key != "comments" else ""
            reply = ask(f"{q.prompt}{shown}: ").strip()
            if not reply and default is not None:
                reply = default
            try:
                answers[q.key] = check_answer(q.key, reply)
                break
            except InitError as err:
                say(f"  {err}")
    if missing:
        flags = ", ".join(q.flag for q in missing)
        need = [q.flag for q in missing if q.default is None]
        hint = f"; {', '.join(need)} must be given" if need else ""
        rest = "" if len(need) == len(missing) else "; --yes takes the defaults of the others"
        raise InitError(
            f"no terminal to ask on, and no answer for: {flags}. Pass them as flags{hint}{rest} "
            f"(journal init --help lists them)"
        )
    return answers


def read_plan(path: str) -> list[dict]:
    """The parts of a plan file: a list of parts, or a mapping with ``plan:`` (as in
    journal.yml) or ``parts:``; checked by the same reader as journal.yml."""
    if path == "default":
        return DEFAULT_PLAN
    file = Path(path).expanduser()
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise InitError(f"--plan {path}: cannot be read as YAML ({err})") from None
    if isinstance(data, dict):
        data = data.get("plan", data.get("parts"))
    if not isinstance(data, list) or not data:
        raise InitError(
            f"--plan {path}: expected a list of parts (or plan: followed by one), each "
            "{name, summary, steps: [{n, title, short}]}"
        )
    try:
        parsed = identity.parse(journal_yml(_stub_answers(), data), identity.FILE).plan
    except JournalError as err:
        raise InitError(
            f"--plan {path}: {err.message}" + (f" ({err.hint})" if err.hint else "")
        ) from None
    return parsed


def _stub_answers() -> dict:
    return {
        "title": "t",
        "description": "d",
        "author": "a",
        "about": "a",
        "comments": "no",
        "repository": "owner/name",
    }


def _q(text: str) -> str:
    """A YAML scalar for any one-line text (JSON's double-quoted strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def plan_yaml(parts: list[dict]) -> str:
    lines = []
    for part in parts:
        lines += [
            f"  - name: {_q(part['name'])}",
            f"    summary: {_q(part['summary'])}",
            "    steps:",
        ]
        for s in part["steps"]:
            short = s.get("short") or s["title"]
            lines.append(
                f"      - {{n: {int(s['n'])}, title: {_q(s['title'])}, short: {_q(short)}}}"
            )
    return "\n".join(lines)


def comments_yaml(on: bool) -> str:
    if not on:
        return "comments: false"
    return (
        "comments:\n"
        '  repo_id: ""            # data-repo-id from https://giscus.app (R_...)\n'
        "  category: Comments\n"
        '  category_id: ""        # data-category-id from https://giscus.app (DIC_...)'
    )


def journal_yml(answers: dict, parts: list[dict]) -> str:
    owner, name = answers["repository"].split("/")
    return (
        "# journal.yml: this journal's identity. The engine, the site, the tests and `journal init`\n"
        "# read it (the engine checks it and says journal.yml:LINE when something is wrong).\n"
        f"title: {_q(answers['title'])}\n"
        f"description: {_q(answers['description'])}\n"
        "language: en\n"
        "author:\n"
        f"  name: {_q(answers['author'])}\n"
        f"  about: {_q(answers['about'])}\n"
        f"repository: {answers['repository']} # GitHub owner/name\n"
        f"# site_url: {identity.default_site_url(owner, name)}  # the default, from repository\n"
        '# Comments through GitHub Discussions (giscus), in the repository\'s "Comments" category.\n'
        "# While the ids are empty (or with `comments: false`) the site builds without comments and\n"
        '# the build log says so once. README.md, "Comments", says where the ids come from.\n'
        f"{comments_yaml(answers['comments'] == 'yes')}\n"
        "# The plan: parts in the order they are learnt; their names are the blog's categories. An\n"
        "# entry's `curriculum: N` front matter says which step it covers; the roadmap page is drawn\n"
        "# from both, and `journal check` reports an entry whose category is not its step's part.\n"
        "plan:\n"
        f"{plan_yaml(parts)}\n"
    )


def fields(answers: dict, parts: list[dict], engine: str, today: dt.date) -> dict[str, str]:
    owner, name = answers["repository"].split("/")
    first_part = parts[0]
    first = first_part["steps"][0]
    slug = slugify(first["title"])[:60].strip("-") or "first-entry"
    if slug[0].isdigit():
        slug = "entry-" + slug
    return {
        "title": answers["title"],
        "title_yaml": _q(answers["title"]),
        "description": answers["description"],
        "description_yaml": _q(answers["description"]),
        "author": answers["author"],
        "author_yaml": _q(answers["author"]),
        "about_yaml": _q(answers["about"]),
        "about": answers["about"],
        "repository": answers["repository"],
        "owner": owner,
        "name": name,
        "site_url": identity.default_site_url(owner, name),
        "preview_path": "/" if name.lower() == f"{owner.lower()}.github.io" else f"/{name}/",
        "project": module_name(slugify(name) or "journal"),
        "engine": engine,
        "engine_version": __version__,
        "source": SOURCE,
        "category_yaml": _q(first_part["name"]),
        "entry_title_yaml": _q(first["title"]),
        "entry_title": first["title"],
        "curriculum": str(int(first["n"])),
        "slug": slug,
        "date": today.isoformat(),
    }


def _field(values: dict, m: re.Match, path: Path) -> str:
    if m.group(1) not in values:
        raise KeyError(f"{path}: unknown field @@{m.group(1)}@@")
    return values[m.group(1)]


def render(answers: dict, engine: str = ENGINE_PIN, today: dt.date | None = None) -> dict[str, str]:
    """Every file of the new journal: relative path -> text."""
    parts = read_plan(answers["plan"])
    values = fields(answers, parts, engine, today or dt.datetime.now(dt.UTC).date())
    out = {"journal.yml": journal_yml(answers, parts)}
    for path in sorted(TEMPLATE.rglob("*")):
        rel = path.relative_to(TEMPLATE).as_posix()
        if not path.is_file() or any(
            p.startswith(".") or p == "__pycache__" for p in rel.split("/")
        ):
            continue  # caches that tools leave (a template's dotfiles are named dot-*)
        if rel == ENTRY_TEMPLATE:
            rel = f"posts/entries/{values['slug']}.md"
        rel = "/".join("." + p[4:] if p.startswith("dot-") else p for p in rel.split("/"))

        text = FIELD.sub(lambda m, path=path: _field(values, m, path), path.read_text("utf-8"))
        if rel.startswith("requirements") and rel.endswith(".lock"):
            text = LOCK_NOTE.format(version=__version__) + text
        out[rel] = text
    identity.parse(out["journal.yml"])  # what the engine will read: valid, or a bug here
    return out


def check_target(target: Path) -> None:
    """Refuse a folder that exists and holds anything (journal init never overwrites)."""
    if target.exists() and not target.is_dir():
        raise InitError(f"{target} is a file; give the path of a new (or empty) folder")
    if target.is_dir():
        inside = sorted(p.name for p in target.iterdir())
        if inside:
            shown = ", ".join(inside[:5]) + (", ..." if len(inside) > 5 else "")
            raise InitError(
                f"{target} is not empty ({len(inside)} items: {shown}); journal init never "
                "overwrites: give a new folder's path, or move those files away first"
            )


def write(target: Path, files: dict[str, str]) -> list[str]:
    """Write ``files`` under ``target`` (which check_target accepted); the paths written."""
    target.mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8", newline="\n") as f:
            f.write(text)
        if rel == ".ci/run":
            path.chmod(0o755)
    return sorted(files)


SUMMARY = (
    ("journal.yml", "the identity: title, author, repository, site URL, plan, comments"),
    ("mkdocs.yml", "the site: theme, blog, the journal plugin (no identity in it)"),
    ("README.md", "how to preview, test and publish; where the comments' ids go"),
    ("posts/", "home page, roadmap, tags and the opening entry"),
    ("snippets/", "the opening entry's code"),
    ("tests/", "the entry's claim; the site builds strictly and `journal check` passes"),
    (".github/", "tests and Pages workflows, Dependabot, the discussion and errata forms"),
    ("Makefile", "make preview, make test, make build, make lock"),
    ("pyproject.toml", "the engine, pinned: "),
    ("requirements*.lock", "hash-checked pins of everything else (the engine's own)"),
    (".ci/run", "what CI runs"),
)


def summary(target: Path, written: list[str], engine: str, answers: dict) -> str:
    """What was written and what to do next."""
    owner, name = answers["repository"].split("/")
    lines = [f"journal init: wrote {len(written)} files into {target}/", ""]
    for prefix, what in SUMMARY:
        n = sum(1 for w in written if w.startswith(prefix.replace("*", "").rstrip("/")))
        label = prefix if n <= 1 else f"{prefix} ({n} files)"
        lines.append(f"  {label:<28} {what}{engine if prefix == 'pyproject.toml' else ''}")
    entry = next(w for w in written if w.startswith("posts/entries/"))
    site = identity.default_site_url(owner, name)
    lines += [
        "",
        f"The opening entry, {entry}, runs snippets/dice.py and quotes what it computed.",
        "",
        "Next:",
        f"  cd {target}",
        "  make test      # installs .venv from the locks, then lint, the tests and a strict build",
        "  make preview   # serves the journal with live reload",
        "  git init -b main && git add -A && git commit -m 'journal init'",
        f"  git remote add origin https://github.com/{owner}/{name}.git && git push -u origin main",
        "On GitHub: Settings > Pages > Source: GitHub Actions; the site appears at",
        f"  {site}",
    ]
    if answers["comments"] == "yes":
        lines.append(
            'Comments stay off until journal.yml has the giscus ids: README.md, "Comments".'
        )
    return "\n".join(lines)


def command_line(target: Path, answers: dict) -> str:
    """The same init without questions (for a script, or to do it again)."""
    words = ["journal", "init", str(target)]
    for q in QUESTIONS:
        if q.key == "comments":
            words.append("--comments" if answers[q.key] == "yes" else "--no-comments")
        else:
            words += [q.flag, answers[q.key]]
    return " ".join(_shell(w) for w in words)


def _shell(word: str) -> str:
    return word if re.fullmatch(r"[\w@%+=:,./-]+", word) else "'" + word.replace("'", "'\\''") + "'"


def run(
    target: Path,
    given: dict,
    *,
    yes: bool,
    engine: str | None = None,
    interactive: bool | None = None,
    ask=input,
    say=print,
) -> list[str]:
    """The whole command: check the folder, gather the answers, write, report."""
    target = Path(target)
    check_target(target)
    if interactive is None:
        interactive = sys.stdin.isatty() and os.environ.get("CI", "") not in ("true", "1")
    answers = gather(given, yes=yes, interactive=interactive, ask=ask, say=say)
    engine = engine or ENGINE_PIN
    files = render(answers, engine)
    check_target(target)  # again: the questions took time
    written = write(target, files)
    if interactive:
        say("")
    say(summary(target, written, engine, answers))
    if interactive and any(given.get(q.key) is None for q in QUESTIONS):
        say(f"\nThe same without questions:\n  {command_line(target, answers)}")
    return written
