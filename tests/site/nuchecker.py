"""The Nu Html Checker (vnu, npm ``vnu-jar``, pinned in package.json) over a built site.

One Java process checks every page of a folder (the checker takes seconds to start). Messages that
Material for MkDocs' own templates cause, and that the journal does not control, are listed in
KNOWN with the reason; every other error fails the test that asks.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

# (start of the message, why it is left): both come from templates of the pinned Material.
KNOWN = {
    "Attribute “autocomplete” is only allowed when the input type is": (
        "Material's base.html puts autocomplete=off on its hidden checkbox toggles (drawer, "
        "search) so that Firefox does not restore an open drawer after a reload"
    ),
    "The value of the “for” attribute of the “label” element must be the ID of a non-hidden": (
        "Material's toc.html labels the table of contents for a '__toc' toggle that its "
        "nav-item.html writes only for pages in the navigation, which blog posts are not"
    ),
}


@dataclass(frozen=True)
class Message:
    page: str  # relative to the checked folder
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.page}:{self.line}: {self.text}"


def available() -> str:
    """Why the checker cannot run here ('' if it can)."""
    if not VNU_JAR.is_file():
        return f"{VNU_JAR.relative_to(ROOT)} is missing: run npm ci"
    if shutil.which("java") is None:
        return "no java on PATH (the checker needs Java 11 or newer)"
    return ""


def check(folder: Path) -> list[Message]:
    """Every error vnu reports for the HTML pages under ``folder``, KNOWN ones left out."""
    done = subprocess.run(
        [
            "java",
            "-Xss4m",
            "-jar",
            str(VNU_JAR),
            "--format",
            "json",
            "--skip-non-html",
            str(folder),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    try:
        report = json.loads(done.stderr)
    except json.JSONDecodeError:
        raise AssertionError(f"vnu did not report JSON:\n{done.stderr[-2000:]}") from None
    found = []
    for m in report["messages"]:
        if m["type"] == "info" and m.get("subType") != "warning":
            continue
        if any(m["message"].startswith(known) for known in KNOWN):
            continue
        path = Path(unquote(urlsplit(m.get("url", "")).path))
        page = path.relative_to(folder).as_posix() if path.is_relative_to(folder) else str(path)
        found.append(Message(page, m.get("lastLine", 0), f"{m['type']}: {m['message']}"))
    return found


def pages_checked(folder: Path) -> int:
    return len(list(folder.rglob("*.html")))
