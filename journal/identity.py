"""A journal's identity, ``journal.yml`` at its root: title, description, language, author,
repository, site URL, comments and the plan (whose parts are the blog's categories). The engine,
the site's hooks, the tests and ``journal init`` read it from here; nothing else repeats it.

Every problem is reported at its line (``journal.yml:12: ...``) with what to write instead.
Left out: ``site_url`` follows from the repository (``https://OWNER.github.io/NAME/``);
``language`` is ``en``; ``comments: false``, or ids that are empty or still placeholders, mean a
site without comments (``Identity.comments`` is None and ``Identity.no_comments`` says why).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from . import frontmatter
from .errors import JournalError, Location, did_you_mean

FILE = "journal.yml"  # relative to the journal's root
KEYS = ("title", "description", "language", "author", "repository", "site_url", "comments", "plan")
REQUIRED = ("title", "description", "author", "repository", "plan")
AUTHOR_KEYS = ("name", "about", "avatar")  # avatar: optional, a path under posts/ or a URL
DEFAULT_AVATAR = "assets/avatar.svg"
COMMENT_KEYS = ("repo_id", "category", "category_id")
PART_KEYS = ("name", "summary", "steps")
STEP_KEYS = ("n", "title", "short")
# GitHub: an owner is letters, digits and single dashes; a repository name adds '.' and '_'.
REPOSITORY = re.compile(
    r"^([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})/([A-Za-z0-9._-]{1,100})$"
)
# giscus ids (from https://giscus.app): R_... for the repository, DIC_... for the category.
GISCUS_ID = {"repo_id": re.compile(r"^R_\w+$"), "category_id": re.compile(r"^DIC_\w+$")}
PLACEHOLDER = re.compile(r"example|\.\.\.|x{4,}|placeholder|changeme|todo", re.I)


@dataclass(frozen=True)
class Identity:
    """A journal's identity, validated; ``plan`` is the parts as written (each {name, summary,
    steps: [{n, title, short}]}, ``short`` filled from ``title`` when left out)."""

    title: str
    description: str
    language: str
    author_name: str
    author_about: str
    repository: str  # owner/name
    owner: str
    name: str
    site_url: str  # absolute, ending in "/"
    comments: dict | None  # giscus settings (repo, repo_id, category, category_id, ...) or None
    plan: list[dict]
    categories: list[str]  # the plan's parts' names, in order
    no_comments: str = ""  # why comments are off ("" when they are on)
    author_avatar: str = DEFAULT_AVATAR
    path: Path = field(default=Path(FILE), compare=False)

    @property
    def repo_url(self) -> str:
        return f"https://github.com/{self.repository}"

    @property
    def host(self) -> str:
        """The site's host name, as feeds' tag URIs use it."""
        return urlsplit(self.site_url).hostname or "localhost"

    @property
    def discussions_url(self) -> str:
        """Where the entries' comments are kept on GitHub (the comments category, if any)."""
        base = f"{self.repo_url}/discussions"
        category = (self.comments or {}).get("category")
        return f"{base}/categories/{category_slug(category)}" if category else base


def category_slug(name: str) -> str:
    """GitHub's URL slug of a discussion category: 'Show and tell' -> 'show-and-tell'."""
    return re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")


def default_site_url(owner: str, name: str) -> str:
    """Where GitHub Pages publishes OWNER/NAME: a user site (NAME = OWNER.github.io) at the
    host's root, any other repository under /NAME/. Hosts are lowercase."""
    host = f"{owner.lower()}.github.io"
    return f"https://{host}/" if name.lower() == host else f"https://{host}/{name}/"


class IdentityError(JournalError):
    """journal.yml's problems: the first is the error's message; ``problems`` holds them all,
    each (line, message, hint), for a linter to list."""

    def __init__(self, rel: str, problems: list[tuple[int, str, str]]):
        line, message, hint = problems[0]
        rest = "\n".join(f"{rel}:{ln}: {msg}" for ln, msg, _ in problems[1:])
        super().__init__(message, Location(rel, line), hint=hint, detail=rest)
        self.problems = problems


class _Problems:
    """Problems found in journal.yml, each at a line."""

    def __init__(self, rel: str):
        self.rel = rel
        self.found: list[tuple[int, str, str]] = []  # (line, message, hint)

    def add(self, node, message: str, hint: str = "") -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.found.append((line, message, hint))

    def error(self) -> IdentityError:
        return IdentityError(self.rel, self.found)


def _mapping(node, where: str, problems: _Problems, known: tuple[str, ...]) -> dict:
    """A mapping node's keys -> (key node, value node); unknown keys reported."""
    if not isinstance(node, yaml.MappingNode):
        problems.add(node, f"{where} must be a mapping of `key: value` lines")
        return {}
    out = {}
    for key, value in node.value:
        name = key.value if isinstance(key, yaml.ScalarNode) else None
        if name not in known:
            hint = did_you_mean(str(name), known) or f"the keys are: {', '.join(known)}"
            problems.add(key, f"{where}: unknown key {name!r}", hint)
            continue
        if name in out:
            problems.add(key, f"{where}: {name!r} is given twice")
            continue
        out[name] = (key, value)
    return out


def _text(node, where: str, problems: _Problems, empty_ok: bool = False) -> str:
    """A scalar node's text (YAML's own reading, so `n: 3` stays a number elsewhere)."""
    if not isinstance(node, yaml.ScalarNode) or node.tag == "tag:yaml.org,2002:null":
        if empty_ok and (node is None or node.tag == "tag:yaml.org,2002:null"):
            return ""
        problems.add(node, f"{where} must be a text")
        return ""
    text = str(node.value).strip()
    if not text and not empty_ok:
        problems.add(node, f"{where} is empty")
    return text


def _plan(node, problems: _Problems) -> list[dict]:
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        problems.add(node, "plan must be a list of parts, each with a name, a summary and steps")
        return []
    parts: list[dict] = []
    names: dict[str, int] = {}
    numbers: dict[int, tuple[str, int]] = {}  # step number -> (its part, its line)
    for part_node in node.value:
        keys = _mapping(part_node, "a part of the plan", problems, PART_KEYS)
        for key in PART_KEYS:
            if key not in keys and isinstance(part_node, yaml.MappingNode):
                problems.add(part_node, f"a part of the plan has no {key}:")
        name = _text(keys["name"][1], "a part's name", problems) if "name" in keys else ""
        where = f"part {name!r}" if name else "a part of the plan"
        if name in names:
            problems.add(keys["name"][1], f"{where} appears twice (line {names[name]})")
        elif name:
            names[name] = keys["name"][1].start_mark.line + 1
        summary = (
            _text(keys["summary"][1], f"{where}: summary", problems) if "summary" in keys else ""
        )
        steps: list[dict] = []
        steps_node = keys["steps"][1] if "steps" in keys else None
        if "steps" in keys and (
            not isinstance(steps_node, yaml.SequenceNode) or not steps_node.value
        ):
            problems.add(steps_node, f"{where}: steps must be a list of {{n, title, short}}")
        elif steps_node is not None:
            for step_node in steps_node.value:
                step_keys = _mapping(step_node, f"a step of {where}", problems, STEP_KEYS)
                if not step_keys:
                    continue
                if "n" not in step_keys or "title" not in step_keys:
                    problems.add(step_node, f"a step of {where} needs n: and title:")
                    continue
                n_node = step_keys["n"][1]
                n = yaml.safe_load(n_node.value) if isinstance(n_node, yaml.ScalarNode) else None
                if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                    problems.add(n_node, f"n: {n_node.value!r} must be a whole number, 0 or more")
                    continue
                if n in numbers:
                    other, line = numbers[n]
                    problems.add(
                        n_node,
                        f"step {n} is in two parts: {other!r} (line {line}) and {name!r}"
                        if other != name
                        else f"step {n} appears twice in part {name!r} (line {line})",
                        "give every step its own number",
                    )
                    continue
                numbers[n] = (name, n_node.start_mark.line + 1)
                title = _text(step_keys["title"][1], f"step {n}: title", problems)
                short = (
                    _text(step_keys["short"][1], f"step {n}: short", problems)
                    if "short" in step_keys
                    else title
                )
                steps.append({"n": n, "title": title, "short": short})
        parts.append({"name": name, "summary": summary, "steps": steps})
    return parts


def _comments(node, repository: str, problems: _Problems) -> tuple[dict | None, str]:
    """giscus settings, or None and why there are none."""
    if node is None or node.tag == "tag:yaml.org,2002:null":
        return None, f"{FILE} has no comments: block"
    if isinstance(node, yaml.ScalarNode):
        value = yaml.safe_load(node.value) if node.tag != "tag:yaml.org,2002:str" else node.value
        if value is False:
            return None, f"{FILE} says comments: false"
        problems.add(node, "comments must be false or a mapping (repo_id, category, category_id)")
        return None, ""
    keys = _mapping(node, "comments", problems, COMMENT_KEYS)
    values = {
        k: _text(keys[k][1], f"comments.{k}", problems, empty_ok=True) if k in keys else ""
        for k in COMMENT_KEYS
    }
    for key, pattern in GISCUS_ID.items():
        value = values[key]
        if not value or PLACEHOLDER.search(value):
            return None, (
                f"{FILE}: comments.{key} is {'empty' if not value else 'a placeholder'} (get the "
                f"ids for {repository} at https://giscus.app)"
            )
        if not pattern.match(value):
            problems.add(
                keys[key][1],
                f"comments.{key}: {value!r} is not a giscus id",
                f"copy data-{key.replace('_', '-')} from https://giscus.app for {repository}",
            )
            return None, ""
    settings = {"repo": repository, **values}
    settings["category"] = settings["category"] or "Comments"
    return settings, ""


def parse(text: str, rel: str = FILE) -> Identity:
    """The identity in ``text`` (journal.yml's content); raises JournalError at the first
    problem's line, the others listed in its detail."""
    problems = _Problems(rel)
    try:
        root = frontmatter.compose(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise JournalError(
            f"not valid YAML: {getattr(err, 'problem', None) or err}", Location(rel, line)
        ) from None
    if root is None:
        raise JournalError("is empty", Location(rel, 1), hint=f"it needs: {', '.join(REQUIRED)}")
    keys = _mapping(root, FILE, problems, KEYS)
    for key in REQUIRED:
        if key not in keys and isinstance(root, yaml.MappingNode):
            problems.add(root, f"no {key}:", f"{FILE} needs: {', '.join(REQUIRED)}")
    if problems.found and not keys:
        raise problems.error()

    def text_of(key: str) -> str:
        return _text(keys[key][1], key, problems) if key in keys else ""

    title, description = text_of("title"), text_of("description")
    language = text_of("language") if "language" in keys else "en"
    author_name = author_about = avatar = ""
    if "author" in keys:
        author = _mapping(keys["author"][1], "author", problems, AUTHOR_KEYS)
        for key in AUTHOR_KEYS[:2]:
            if key not in author and isinstance(keys["author"][1], yaml.MappingNode):
                problems.add(keys["author"][1], f"author has no {key}:")
        author_name = _text(author["name"][1], "author.name", problems) if "name" in author else ""
        author_about = (
            _text(author["about"][1], "author.about", problems) if "about" in author else ""
        )
        avatar = _text(author["avatar"][1], "author.avatar", problems) if "avatar" in author else ""
    repository, owner, name = text_of("repository"), "", ""
    if repository:
        match = REPOSITORY.match(repository)
        if match:
            owner, name = match.groups()
        else:
            problems.add(
                keys["repository"][1],
                f"repository: {repository!r} is not a GitHub owner/name",
                "write it as on GitHub, e.g. octocat/learning-journal (no URL, no .git)",
            )
    site_url = text_of("site_url") if "site_url" in keys else ""
    if site_url:
        parts = urlsplit(site_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.add(
                keys["site_url"][1],
                f"site_url: {site_url!r} is not an http(s) address",
                "leave it out to publish at https://OWNER.github.io/NAME/",
            )
        site_url = site_url.rstrip("/") + "/"
    elif owner:
        site_url = default_site_url(owner, name)
    plan = _plan(keys["plan"][1], problems) if "plan" in keys else []
    comments, no_comments = _comments(
        keys["comments"][1] if "comments" in keys else None, repository, problems
    )
    if problems.found:
        raise problems.error()
    if comments is not None:
        comments["discussions_url"] = (
            f"https://github.com/{repository}/discussions/categories/"
            f"{category_slug(comments['category'])}"
        )
    return Identity(
        title=title,
        description=description,
        language=language,
        author_name=author_name,
        author_about=author_about,
        repository=repository,
        owner=owner,
        name=name,
        site_url=site_url,
        comments=comments,
        plan=plan,
        categories=[p["name"] for p in plan],
        no_comments=no_comments,
        author_avatar=avatar or DEFAULT_AVATAR,
        path=Path(rel),
    )


def load(root: Path) -> Identity:
    """The identity of the journal rooted at ``root`` (its journal.yml)."""
    path = Path(root) / FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise JournalError(
            f"{path} is missing: a journal's title, author, repository and plan live there",
            hint="`journal init DIR` writes one; see README.md",
        ) from None
    except (OSError, UnicodeDecodeError) as err:
        raise JournalError(f"{path}: cannot be read ({err})") from None
    ident = parse(text, FILE)
    return ident
