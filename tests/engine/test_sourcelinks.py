"""Links to the published commit: from GITHUB_SHA, else the root's git HEAD, else none."""

import subprocess

from journal.sourcelinks import Commit, published_commit

SHA = "0123456789abcdef0123456789abcdef01234567"


def test_blob_links_name_the_commit_file_and_lines():
    c = Commit("someone/journal", SHA)
    assert (
        c.blob("snippets/qr.py") == f"https://github.com/someone/journal/blob/{SHA}/snippets/qr.py"
    )
    assert c.blob("snippets/qr.py", 3, 9).endswith(f"/blob/{SHA}/snippets/qr.py#L3-L9")
    assert c.blob("snippets/qr.py", 3, 3).endswith("qr.py#L3")
    assert (
        c.raw("snippets/qr.py")
        == f"https://raw.githubusercontent.com/someone/journal/{SHA}/snippets/qr.py"
    )


def test_without_a_commit_there_is_no_link(tmp_path, monkeypatch):
    monkeypatch.delenv("GITHUB_SHA", raising=False)
    c = published_commit(tmp_path, "someone/journal")
    assert c.sha is None and c.blob("a.py", 1, 2) is None and c.raw("a.py") is None


def test_the_head_of_the_journals_own_checkout(tmp_path, monkeypatch):
    monkeypatch.delenv("GITHUB_SHA", raising=False)
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    (tmp_path / "a.py").write_text("x = 1\n")
    subprocess.run([*git, "add", "a.py"], check=True)
    subprocess.run([*git, "commit", "-qm", "a"], check=True)
    head = subprocess.run(
        [*git, "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    assert published_commit(tmp_path, "o/n").sha == head
    # a journal in a subfolder of another repository gets no links: its paths would be wrong
    (tmp_path / "sub").mkdir()
    assert published_commit(tmp_path / "sub", "o/n").sha is None
    # in GitHub Actions the workflow's commit wins
    monkeypatch.setenv("GITHUB_SHA", SHA.upper())
    assert published_commit(tmp_path, "o/n").sha == SHA
