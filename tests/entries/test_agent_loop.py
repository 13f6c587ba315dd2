"""Entry 14, "How a coding agent's loop works": the action parser against the json module and
every kind of malformed reply, the sandbox's timeout against real process groups (no process
survives), the step limit counted exactly, the scripted transcript replayed in a fresh sandbox and
the tests it fixes run independently with unittest, and the numbers the entry quotes."""

import inspect
import json
import subprocess
import sys
import time

import numpy as np
import pytest
from agent_loop import (
    MAX_OBSERVATION,
    BadAction,
    ScriptedModel,
    act,
    agent,
    clip,
    inside,
    parse_action,
    run_command,
)
from agent_runs import BUGGY, FIXED, MALFORMED, REREAD, SCRIPT, TEST, alive, write_files

ENTRY = "posts/entries/coding-agent-loop.md"


@pytest.fixture(scope="session")
def runs(entry_runs):
    return entry_runs(ENTRY)


# ---------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    "action",
    [
        {"tool": "run", "cmd": "ls -l"},
        {"tool": "read", "path": "a b/ü.py"},
        {"tool": "write", "path": "x.py", "content": 'print("```")\n\t'},
        {"tool": "finish", "message": ""},
    ],
)
def test_a_well_formed_action_parses_to_what_json_reads(action):
    reply = act("Some reasoning, with ``` inline.", **action)
    assert parse_action(reply) == action == json.loads(json.dumps(action))


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ("no block at all", "found 0"),
        (act("a", tool="run", cmd="ls") + act("b", tool="run", cmd="ls"), "found 2"),
        ('```json\n{"tool": "run", "cmd": "ls",}\n```', "not valid JSON"),
        ('```json\n["run", "ls"]\n```', "unknown tool"),
        (act("x", tool="delete", path="a"), "unknown tool"),
        (act("x", tool="write", path="a"), "content"),
        (act("x", tool="run", cmd=3), "cmd"),
    ],
)
def test_every_malformed_reply_is_a_bad_action_with_a_reason(reply, message):
    with pytest.raises(BadAction, match=message):
        parse_action(reply)


# ---------------------------------------------------------------- the sandbox


def test_run_command_returns_exit_code_and_interleaved_output(tmp_path):
    code, out, seconds = run_command("echo one; echo two >&2; exit 3", str(tmp_path), timeout=5)
    assert code == 3 and out == "one\ntwo\n" and seconds < 5


def test_a_hanging_command_is_killed_with_its_whole_process_group(tmp_path):
    start = time.perf_counter()
    code, _, _ = run_command("sleep 30 & echo $! > pid; sleep 30", str(tmp_path), timeout=0.3)
    elapsed = time.perf_counter() - start
    assert code is None and 0.3 <= elapsed < 10
    child = int((tmp_path / "pid").read_text())
    deadline = time.monotonic() + 2
    while alive(child) and time.monotonic() < deadline:  # SIGKILL is delivered asynchronously
        time.sleep(0.01)
    assert not alive(child)


def test_alive_tells_a_running_process_from_a_finished_one():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert alive(proc.pid)
    finally:
        proc.kill()
        proc.wait()
    assert not alive(proc.pid)


def test_paths_cannot_leave_the_sandbox(tmp_path):
    sandbox = tmp_path / "box"
    sandbox.mkdir()
    (sandbox / "link").symlink_to(tmp_path)
    assert inside(str(sandbox), "a/b.py") == str(sandbox / "a" / "b.py")
    for path in ("../x", "/etc/passwd", "link/x", "a/../../x"):
        with pytest.raises(BadAction, match="outside the sandbox"):
            inside(str(sandbox), path)


def test_clip_keeps_head_and_tail():
    text = "".join(chr(65 + i % 26) for i in range(10_000))
    out = clip(text)
    half = MAX_OBSERVATION // 2
    assert out.startswith(text[:half]) and out.endswith(text[-half:])
    assert f"[... {10_000 - 2 * half} characters cut ...]" in out
    assert clip("short") == "short"


# ---------------------------------------------------------------- the loop


@pytest.mark.parametrize("max_steps", [0, 1, 2, 5, 9])
def test_the_step_limit_is_honoured_exactly(tmp_path, max_steps):
    write_files(str(tmp_path), {"mathx.py": BUGGY})
    model = ScriptedModel([REREAD])
    outcome, messages = agent(model, "Fix it.", str(tmp_path), max_steps=max_steps)
    assert outcome == "step limit" and model.calls == max_steps
    assert len(messages) == 2 + 2 * max_steps


@pytest.mark.parametrize(("finish_at", "max_steps"), [(1, 1), (3, 3), (3, 10)])
def test_finish_ends_the_loop_at_once(tmp_path, finish_at, max_steps):
    replies = [REREAD] * (finish_at - 1) + [act("", tool="finish", message="")]
    write_files(str(tmp_path), {"mathx.py": BUGGY})
    model = ScriptedModel(replies)
    outcome, messages = agent(model, "Fix it.", str(tmp_path), max_steps=max_steps)
    assert outcome == "finished" and model.calls == finish_at
    assert len(messages) == 2 + 2 * finish_at - 1


def test_malformed_actions_become_observations_and_the_loop_goes_on(tmp_path):
    write_files(str(tmp_path), {"mathx.py": BUGGY})
    outcome, messages = agent(ScriptedModel(MALFORMED), "Try.", str(tmp_path), max_steps=20)
    tool = [m["content"] for m in messages if m["role"] == "tool"]
    assert outcome == "finished" and len(tool) == len(MALFORMED) - 1
    assert all(t.startswith("error: ") for t in tool)
    assert (tmp_path / "mathx.py").read_text() == BUGGY  # nothing was changed or deleted
    assert str(tmp_path) not in "".join(tool)  # paths come back relative


def test_the_window_keeps_system_task_and_the_last_messages(tmp_path):
    write_files(str(tmp_path), {"mathx.py": BUGGY})
    seen = []
    agent(lambda m: seen.append(m) or REREAD, "Fix it.", str(tmp_path), max_steps=7, window=4)
    assert [len(m) for m in seen] == [2, 4, 6, 6, 6, 6, 6]
    assert all(m[0]["role"] == "system" and m[1]["role"] == "user" for m in seen)


def test_the_unit_tests_fail_before_and_pass_after_the_fix(tmp_path):
    """Independent of the agent: run the sandbox's tests directly, before and after."""
    write_files(str(tmp_path), {"mathx.py": BUGGY, "test_mathx.py": TEST})
    cmd = [sys.executable, "-m", "unittest", "-q"]
    assert subprocess.run(cmd, cwd=tmp_path, capture_output=True).returncode == 1
    write_files(str(tmp_path), {"mathx.py": FIXED})
    assert subprocess.run(cmd, cwd=tmp_path, capture_output=True).returncode == 0


# ---------------------------------------------------------------- the entry's numbers


def test_entry_transcript_turns_the_test_green(runs, tmp_path):
    v = runs["transcript"].values
    assert v["outcome"] == "finished" and v["fixed"] is True
    assert v["exit_before"] == 1 and v["exit_after"] == 0
    assert v["calls"] == len(SCRIPT) == 6 and v["n_messages"] == 2 + 2 * 6 - 1
    assert v["n_errors"] == 1 and v["error_message"].startswith(
        "error: the action is not valid JSON"
    )
    assert (
        "FAILED (failures=1)" in v["first_observation"]
        and "AssertionError: 3 != 2.5" in v["first_observation"]
    )
    assert v["last_observation"].startswith("exit code 0") and v[
        "last_observation"
    ].rstrip().endswith("OK")
    # replayed here, in another sandbox, the model is handed exactly the same context lengths
    write_files(str(tmp_path), {"mathx.py": BUGGY, "test_mathx.py": TEST})
    model = ScriptedModel(SCRIPT)
    agent(model, "The tests fail. Fix mathx.py.", str(tmp_path), max_steps=10)
    assert model.context_chars == v["context_chars"]
    ctx = np.array(v["context_chars"])
    assert v["context_first"] == ctx[0] and v["context_last"] == ctx[-1]
    assert v["chars_sent"] == ctx.sum()
    assert v["reused_share"] == pytest.approx(ctx[:-1].sum() / ctx[1:].sum(), rel=1e-12)
    assert 0.5 < v["reused_share"] < 1
    assert {"timeline"} <= set(runs["transcript"].figures)
    lines = inspect.getsource(agent).splitlines()
    assert v["loop_lines"] == len(lines) and lines[0].startswith("def agent(")


def test_entry_limits(runs):
    v = runs["limits"].values
    assert v["bad_outcome"] == "finished" and v["n_bad"] == len(MALFORMED) - 1 == 7
    assert all(e.startswith("error: ") for e in v["errors"])
    for n in (0, 1, 3, 30):
        assert v[f"limit_{n}"] == ["step limit", n, 2 + 2 * n]
    assert v["stuck_calls"] == 30
    # the timeout: cut off at TIMEOUT, nothing left running; the naive kill waits for the orphan
    assert v["timeout"] == 0.3
    assert v["hang_observation"].startswith("timed out after 0.3 s, killed")
    assert v["child_alive"] is False
    assert v["naive_orphan_alive"] is True and v["naive_sleep"] == 0.6


def test_entry_timeouts(runs):
    """The frozen timing run: the group kill returns at the timeout, the naive one waits."""
    t = runs["timeouts"].values
    assert t["timeout"] == 0.3 and t["naive_sleep"] == 0.6 and t["naive_orphan_alive"] is True
    assert 0.3 <= t["hang_seconds"] < t["naive_seconds"]
    assert t["naive_seconds"] >= t["naive_sleep"] - 0.02


def test_entry_context_grows_linearly_and_its_total_quadratically(runs):
    v = runs["limits"].values
    full = np.array(v["stuck_context"])
    step = np.diff(full)
    assert len(full) == 30 and (step == step[0]).all() and step[0] > 0  # the same bytes per call
    n = len(full)
    closed = n * full[0] + step[0] * n * (n - 1) // 2  # sum of an arithmetic series
    assert v["stuck_chars_sent"] == full.sum() == closed
    assert v["stuck_context_first"] == full[0] and v["stuck_context_last"] == full[-1]
    part = np.array(v["windowed_context"])
    assert v["window"] == 8 and (part[: v["window"] // 2] == full[: v["window"] // 2]).all()
    assert (part[v["window"] // 2 :] == part[-1]).all()  # flat once the window is full
    assert v["windowed_context_last"] == part[-1] and v["windowed_chars_sent"] == part.sum()
    assert v["window_saving"] == pytest.approx(full.sum() / part.sum(), rel=1e-12)
    assert v["window_saving"] > 2
    assert "context" in runs["limits"].figures
