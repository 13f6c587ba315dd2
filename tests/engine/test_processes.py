"""How a run's process is started, isolated, limited and ended, through the real runner: a fixed
environment that is part of the cache key, nothing a run starts outliving it, a memory limit,
crashes that name the snippet's line, and fresh state in every forked run."""

import io
import os
import random
import re

import pytest

from journal import directives, launch, runner
from journal.progress import Reporter
from journal.project import Journal

PROBE_ENV = """\
import os


def main():
    return {"keys": sorted(os.environ), "home_is_cwd": os.environ["HOME"] == os.getcwd()}
"""


def results(site, text, **journal_options):
    site.entry("index.md", text)
    journal = Journal(site.root, cache_dir=None, **journal_options)
    return journal.run_all([journal.parse_file(site.root / "posts/index.md")])


def test_a_run_sees_the_fixed_environment_not_the_callers(site, monkeypatch):
    monkeypatch.setenv("JOURNAL_TEST_SECRET", "stale")
    site.snippet("env.py", PROBE_ENV)
    (result,) = results(site, "# T\n\n::run e env.py\n").values()
    assert set(result.values["keys"]) == set(runner.ENVIRONMENT) | {"MATPLOTLIBRC"}
    assert result.values["home_is_cwd"] is True


def test_the_run_environment_is_part_of_the_cache_key(site, monkeypatch):
    site.snippet("env.py", PROBE_ENV)
    key = Journal(site.root).environment_key  # the part of every run's key the machine adds
    assert Journal(site.root).environment_key == key
    monkeypatch.setitem(runner.ENVIRONMENT, "OMP_NUM_THREADS", "2")
    assert Journal(site.root).environment_key != key


# Each way a run can leave a process behind: a child holding the output pipe, a daemon in a
# session of its own with its output closed, and a double fork. MARK finds them in /proc.
LEAVER = """\
import os
import subprocess
import time

MARK = "{mark}"


def main():
    subprocess.Popen(["sleep", MARK + "1"])  # inherits stdout and stderr
    subprocess.Popen(
        ["sleep", MARK + "2"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execvp("sleep", ["sleep", MARK + "3"])
        os._exit(0)
    time.sleep(0.3)
    {end}
"""
ENDS = {
    "returns": "return {'started': 3}",
    "raises": "raise RuntimeError('after starting three')",
    "exits": "os._exit(0)",
    "times out": "time.sleep(60)",
}


def left_running(mark: str) -> list[str]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().split(b"\0")
        except OSError:
            continue
        if len(cmd) > 1 and cmd[1].decode(errors="replace").startswith(mark):
            found.append(pid)
    return found


@pytest.mark.parametrize("end", sorted(ENDS))
def test_nothing_a_run_starts_outlives_it(site, end):
    """Whatever the run holds open, it ends when its function does: a run that waited for its
    children would time out instead (30 s, or 3 s for the one that sleeps)."""
    mark = f"{random.randrange(10**6, 10**7)}.5"
    site.snippet("leaver.py", LEAVER.format(mark=mark, end=ENDS[end]))
    timeout = 3 if end == "times out" else 30
    outcome = results(site, f"# T\n\n::run r leaver.py timeout={timeout} inputs=none\n")
    result = outcome[("posts/index.md", "r")]
    if end == "returns":
        assert result.values == {"started": 3}
    elif end == "times out":
        assert "timed out after 3 s" in str(result)
    else:
        assert isinstance(result, Exception) and "timed out" not in str(result)
    assert left_running(mark) == []


def test_nothing_outlives_a_run_without_the_fork_server(site, monkeypatch):
    monkeypatch.setenv("JOURNAL_FORKSERVER", "off")
    mark = f"{random.randrange(10**6, 10**7)}.5"
    site.snippet("leaver.py", LEAVER.format(mark=mark, end=ENDS["returns"]))
    outcome = results(site, "# T\n\n::run r leaver.py timeout=60 inputs=none\n")
    assert outcome[("posts/index.md", "r")].values == {"started": 3}  # not timed out
    assert left_running(mark) == []


def test_a_run_over_its_memory_limit_fails_naming_the_run_and_the_limit(site):
    big = "import numpy as np\n\n\ndef main():\n    a = np.empty(2**27)  # 1 GiB\n"
    for name in ("big.py", "big2.py"):  # identical runs would execute once
        site.snippet(name, big + f"    return {{'n': a.size, 'name': {name!r}}}\n")
    site.snippet("huge.py", "def main():\n    data = bytearray(6 * 2**30)\n    return {}\n")
    outcome = results(
        site,
        "# T\n\n::run small big.py memory=256M\n\n::run fits big2.py memory=1.5G\n\n"
        "::run default huge.py\n",
    )
    small = str(outcome[("posts/index.md", "small")])
    assert "posts/index.md:3: run 'small' ran out of memory: it may use at most 256M" in small
    assert "in snippets/big.py:5" in small
    assert outcome[("posts/index.md", "fits")].values == {"n": 2**27, "name": "big2.py"}
    default = str(outcome[("posts/index.md", "default")])
    assert f"run 'default' ran out of memory: it may use at most {runner.DEFAULT_MEMORY}" in default
    assert "in snippets/huge.py:2" in default
    # a size that is not one is an error of the entry, found when it is read, before any run
    entry = directives.parse("# T\n\n::run bad big.py memory=lots\n", "x.md", strict=False)
    assert [str(p).split("\n")[0] for p in entry.problems] == ["x.md:3: memory=lots is not a size"]


CRASHES = {
    "segv.py": "import ctypes\n\n\ndef main():\n    x = 1\n    ctypes.string_at(0)\n",
    "exits.py": "import os\n\n\ndef helper():\n    pass\n\n\ndef main():\n    os._exit(0)\n",
    "killed.py": "import os\nimport signal\n\n\ndef main():\n    os.kill(os.getpid(), signal.SIGKILL)\n",
    "listy.py": "def main():\n    return [1, 2]\n",
    "odd.py": "\n\ndef main():\n    return {'v': object()}\n",
}


def test_crashes_name_the_snippet_line_or_the_functions_def(site):
    for name, text in CRASHES.items():
        site.snippet(name, text)
    outcome = results(site, "# T\n\n" + "".join(f"::run {n[:-3]} {n}\n\n" for n in CRASHES))
    where = {name: str(err).splitlines()[1] for (_, name), err in outcome.items()}
    assert where == {
        "segv": "  in snippets/segv.py:6",  # the faulting line, from the fault handler
        "exits": "  in snippets/exits.py:8",  # os._exit: the def line of main
        "killed": "  in snippets/killed.py:5",
        "listy": "  in snippets/listy.py:1",
        "odd": "  in snippets/odd.py:3",
    }
    assert "died (signal SIGSEGV)" in str(outcome[("posts/index.md", "segv")])
    assert "Segmentation fault" in str(outcome[("posts/index.md", "segv")])


def test_a_traceback_starts_at_the_snippet_with_relative_paths(site):
    site.snippet("bad.py", "def helper(x):\n    return 1 / x\n\n\ndef main():\n    helper(0)\n")
    (err,) = results(site, "# T\n\n::run b bad.py\n").values()
    assert err.detail.splitlines() == [
        "Traceback (most recent call last):",
        '  File "snippets/bad.py", line 6, in main',
        "    helper(0)",
        '  File "snippets/bad.py", line 2, in helper',
        "    return 1 / x",
        "           ~~^~~",
        "ZeroDivisionError: division by zero",
    ]


DIRTY = """\
import os
import sys

import matplotlib.pyplot as plt
import numpy as np


def main():
    np.set_printoptions(precision=2)
    np.seterr(all="raise")
    plt.rcParams["lines.linewidth"] = 7
    plt.figure()
    plt.figure()
    os.environ["LEAKED"] = "1"
    sys.modules["numpy"].LEAKED = True
    return {"ppid": os.getppid()}
"""
CLEAN = """\
import os

import matplotlib.pyplot as plt
import numpy as np


def main():
    return {
        "ppid": os.getppid(),
        "precision": np.get_printoptions()["precision"],
        "divide": np.geterr()["divide"],
        "linewidth": plt.rcParams["lines.linewidth"],
        "figsize": list(plt.rcParams["figure.figsize"]),
        "fignums": plt.get_fignums(),
        "number": plt.figure().number,
        "env": "LEAKED" in os.environ,
        "module": hasattr(np, "LEAKED"),
        "cwd_empty": os.listdir(".") == [],
    }
"""


def test_a_forked_run_sees_nothing_an_earlier_run_changed(site):
    site.snippet("dirty.py", DIRTY)
    site.snippet("clean.py", CLEAN)
    outcome = results(site, "# T\n\n::run d dirty.py\n\n::run c clean.py\n", jobs=1)
    dirty, clean = outcome[("posts/index.md", "d")], outcome[("posts/index.md", "c")]
    assert clean.values == {
        "ppid": dirty.values["ppid"],  # forked by the same server, one after the other
        "precision": 8,
        "divide": "warn",
        "linewidth": 1.5,
        "figsize": [3.5, 2.5],  # the journal's figure settings
        "fignums": [],
        "number": 1,
        "env": False,
        "module": False,
        "cwd_empty": True,
    }
    assert dirty.values["ppid"] != os.getpid()


def test_a_changed_lock_file_is_never_served_by_an_old_fork_server(site):
    site.snippet("parent.py", "import os\n\n\ndef main():\n    return {'ppid': os.getppid()}\n")
    (first,) = results(site, "# T\n\n::run p parent.py\n").values()
    (again,) = results(site, "# T\n\n::run p parent.py\n").values()
    assert again.values == first.values  # the same server, still warm
    (site.root / "requirements.lock").write_text("numpy==0\n")
    (after,) = results(site, "# T\n\n::run p parent.py\n").values()
    assert after.values != first.values
    assert not os.path.exists(f"/proc/{first.values['ppid']}")  # the old one has stopped
    launch.stop()


def test_a_long_run_shows_its_latest_line_while_it_runs(site, monkeypatch):
    monkeypatch.setattr(runner, "PROGRESS_AFTER", 0.5)
    monkeypatch.setenv("COLUMNS", "200")  # the live line is cut to the terminal's width
    site.snippet(
        "train.py",
        "import time\n\n\ndef main():\n    for step in range(1, 10):\n"
        "        print(f'step {step} loss {1 / step:.2f}')\n        time.sleep(0.3)\n",
    )
    stream = io.StringIO()
    results(site, "# T\n\n::run t train.py\n", reporter=Reporter(stream, live=True))
    shown = stream.getvalue()
    steps = re.findall(r"posts/index.md:3 t: step (\d) loss ([\d.]+)\r", shown)
    assert steps and all(float(loss) == round(1 / int(step), 2) for step, loss in steps)
    assert shown.index("t: step") < shown.index("executed")
