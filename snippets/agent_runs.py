"""The agent loop at work: a scripted transcript that turns a failing test green, the loop's
limits (malformed actions, the step limit, a command that hangs), and how its context grows."""

import inspect
import os
import re
import subprocess
import tempfile
import time

import matplotlib.pyplot as plt
import numpy as np
from agent_loop import ACTION_BLOCK, ScriptedModel, act, agent, run_command

# --8<-- [start:task]
BUGGY = '''def median(xs):
    """The middle value of a non-empty list of numbers."""
    xs = sorted(xs)
    return xs[len(xs) // 2]
'''
FIXED = '''def median(xs):
    """The middle value of a non-empty list of numbers."""
    xs = sorted(xs)
    mid = len(xs) // 2
    return xs[mid] if len(xs) % 2 else (xs[mid - 1] + xs[mid]) / 2
'''
TEST = """import unittest
from mathx import median

class TestMedian(unittest.TestCase):
    def test_odd(self):
        self.assertEqual(median([3, 1, 2]), 2)

    def test_even(self):
        self.assertEqual(median([4, 1, 3, 2]), 2.5)

if __name__ == "__main__":
    unittest.main()
"""
TESTS = "python -m unittest -q"
FIX = "Even lengths must average the two middle values."
SCRIPT = [
    act("First, see what fails.", tool="run", cmd=TESTS),
    # a slip a language model makes: a trailing comma, which JSON does not allow
    'Read it.\n```json\n{"tool": "read", "path": "mathx.py",}\n```',
    act("Read the module.", tool="read", path="mathx.py"),
    act(FIX, tool="write", path="mathx.py", content=FIXED),
    act("Run the tests again.", tool="run", cmd=TESTS),
    act("Both tests pass.", tool="finish", message="median averages the middle pair"),
]
# --8<-- [end:task]

UNITTEST_TIME = re.compile(r"(Ran \d+ tests? in )\d+\.\d+s")  # unittest's wall time, on the page
TIMEOUT = 0.3  # seconds a command may run
WINDOW = 8  # messages of history a windowed loop keeps, besides the system prompt and task
HANG = "sleep 30 & echo $! > child.pid; wait"  # a command that starts a child and waits on it


def write_files(root, files):
    """Put the given files (name -> text) into a directory."""
    for name, text in files.items():
        with open(os.path.join(root, name), "w") as f:
            f.write(text)


def alive(pid):
    """Whether a process is still running (a zombie waiting to be reaped counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def gone_soon(pid, seconds=1.0):
    """Whether a process killed a moment ago has finished exiting within ``seconds``: SIGKILL
    is delivered at once, but the kernel takes a moment to end the process (on a busy machine,
    long enough for a check made straight after the kill to still see it running)."""
    deadline = time.perf_counter() + seconds
    while alive(pid) and time.perf_counter() < deadline:
        time.sleep(0.01)
    return not alive(pid)


def short(message):
    """A one-line label for a message in the timeline."""
    text = message["content"]
    if message["role"] == "assistant":
        if '"tool": "run"' in text:
            return "run: " + text.split('"cmd": "')[1].split('"')[0]
        if '"tool": "write"' in text:
            return "write mathx.py"
        if '"tool": "finish"' in text:
            return "finish"
        return "read mathx.py" + ("  (malformed)" if ",}" in text else "")
    if message["role"] == "tool":
        first = text.splitlines()[0] if text else ""
        if first.startswith("error"):
            return "error: not valid JSON"
        if first.startswith("exit code"):
            return f"{first}: " + text.strip().splitlines()[-1]
        return first[:40]
    return {"system": "system prompt", "user": "task"}[message["role"]]


def main():
    """The scripted transcript, from a failing test to a passing one."""
    with tempfile.TemporaryDirectory(prefix="sandbox-") as sandbox:
        write_files(sandbox, {"mathx.py": BUGGY, "test_mathx.py": TEST})
        before = run_command(TESTS, sandbox, timeout=10)[0]
        model = ScriptedModel(SCRIPT)
        outcome, messages = agent(model, "The tests fail. Fix mathx.py.", sandbox, max_steps=10)
        after = run_command(TESTS, sandbox, timeout=10)[0]
        with open(os.path.join(sandbox, "mathx.py")) as f:
            final = f.read()
    for m in messages[1:]:  # the transcript, each action block shown as one line
        text = ACTION_BLOCK.sub(lambda block: "action: " + block.group(1), m["content"])
        text = UNITTEST_TIME.sub(r"\1…s", text)  # a clock reading: builds would differ
        print(f"[{m['role']}] " + text.rstrip().replace("\n", "\n    "))
    tool_messages = [
        UNITTEST_TIME.sub(r"\1…s", m["content"]) for m in messages if m["role"] == "tool"
    ]
    context = np.array(model.context_chars)  # (calls,) characters the model was handed
    draw_timeline(messages)
    return {
        "outcome": outcome,
        "calls": model.calls,
        "n_messages": len(messages),
        "exit_before": before,
        "exit_after": after,
        "fixed": final == FIXED,
        "n_errors": sum(t.startswith("error:") for t in tool_messages),
        "error_message": next(t for t in tool_messages if t.startswith("error:")),
        "first_observation": tool_messages[0],
        "last_observation": tool_messages[-1],
        "context_chars": context.tolist(),
        "context_first": int(context[0]),
        "context_last": int(context[-1]),
        "chars_sent": int(context.sum()),
        "reused_share": context[:-1].sum() / context[1:].sum(),  # prefixes already seen
        "transcript_chars": sum(len(m["content"]) for m in messages),
        "loop_lines": len(inspect.getsource(agent).splitlines()),  # the whole agent function
    }


# --8<-- [start:malformed]
MALFORMED = [
    "I will just describe the fix.",  # no action at all
    act("Two at once.", tool="read", path="mathx.py") + act("", tool="run", cmd="ls"),
    'Broken.\n```json\n{"tool": "run", "cmd": "ls"\n```',  # not JSON
    act("Delete it.", tool="delete", path="mathx.py"),  # no such tool
    act("Write what?", tool="write", path="mathx.py"),  # a missing argument
    act("Escape.", tool="read", path="../../etc/passwd"),  # outside the sandbox
    act("Read a ghost.", tool="read", path="nothing.py"),  # no such file
    act("Give up politely.", tool="finish", message="done"),
]
# --8<-- [end:malformed]
REREAD = act("Once more.", tool="read", path="mathx.py")  # a model stuck in a rut


# --8<-- [start:naive]
def naive_timeout(sleep=0.6):
    """Obvious but wrong: on timeout, kill the shell, then read the rest of the output."""
    cmd = f"sleep {sleep} & echo $! > child.pid; wait"
    with tempfile.TemporaryDirectory(prefix="sandbox-") as cwd:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, shell=True, cwd=cwd, stdout=subprocess.PIPE)
        try:
            proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()  # the shell only: its child runs on, holding the pipe open
            with open(os.path.join(cwd, "child.pid")) as f:
                child = int(f.read())
            orphan_alive = alive(child)
            proc.communicate()  # blocks until the orphan exits and the pipe closes
        return time.perf_counter() - start, orphan_alive, sleep


# --8<-- [end:naive]


def timeouts():
    """How long the two timeouts took, in wall time: a frozen run, as it depends on the machine."""
    with tempfile.TemporaryDirectory(prefix="sandbox-") as sandbox:
        hang = ScriptedModel(
            [act("Wait.", tool="run", cmd=HANG), act("", tool="finish", message="")]
        )
        start = time.perf_counter()
        agent(hang, "Wait for it.", sandbox, max_steps=5, timeout=TIMEOUT)
        hang_seconds = time.perf_counter() - start
    naive_seconds, orphan_alive, sleep = naive_timeout()
    print(f"timeout {TIMEOUT} s, killing the process group: {hang_seconds:.2f} s")
    print(
        f"timeout {TIMEOUT} s, killing only the shell:    {naive_seconds:.2f} s (child sleeps {sleep} s)"
    )
    return {
        "timeout": TIMEOUT,
        "hang_seconds": hang_seconds,
        "naive_seconds": naive_seconds,
        "naive_sleep": sleep,
        "naive_orphan_alive": orphan_alive,
    }


def limits():
    """Malformed actions, the step limit, a hanging command and context growth, measured."""
    v = {}
    with tempfile.TemporaryDirectory(prefix="sandbox-") as sandbox:
        write_files(sandbox, {"mathx.py": BUGGY})

        outcome, messages = agent(ScriptedModel(MALFORMED), "Try it all.", sandbox, max_steps=20)
        errors = [m["content"] for m in messages if m["role"] == "tool"]
        v.update(bad_outcome=outcome, n_bad=len(errors), errors=errors)
        print("\n".join(errors))

        for max_steps in (0, 1, 3, 30):
            stuck = ScriptedModel([REREAD])
            outcome, messages = agent(stuck, "Fix it.", sandbox, max_steps=max_steps)
            v[f"limit_{max_steps}"] = [outcome, stuck.calls, len(messages)]
            print(f"max_steps = {max_steps:2d}: {outcome}, {stuck.calls} model calls")

        windowed = ScriptedModel([REREAD])
        agent(windowed, "Fix it.", sandbox, max_steps=30, window=WINDOW)

        hang = ScriptedModel(
            [act("Wait.", tool="run", cmd=HANG), act("", tool="finish", message="")]
        )
        _, messages = agent(hang, "Wait for it.", sandbox, max_steps=5, timeout=TIMEOUT)
        v["hang_observation"] = messages[3]["content"]
        with open(os.path.join(sandbox, "child.pid")) as f:
            v["child_alive"] = not gone_soon(int(f.read()))
        print(f"hanging command: {v['hang_observation'].strip()}")

    _, v["naive_orphan_alive"], v["naive_sleep"] = naive_timeout()  # its time: see timeouts()
    print(f"killing only the shell: orphan running: {v['naive_orphan_alive']}")

    full, part = np.array(stuck.context_chars), np.array(windowed.context_chars)  # (30,) each
    v.update(
        timeout=TIMEOUT,
        stuck_calls=stuck.calls,
        stuck_context=full.tolist(),
        stuck_context_first=int(full[0]),
        stuck_context_last=int(full[-1]),
        stuck_chars_sent=int(full.sum()),
        window=WINDOW,
        windowed_context=part.tolist(),
        windowed_context_last=int(part[-1]),
        windowed_chars_sent=int(part.sum()),
        window_saving=full.sum() / part.sum(),
    )
    draw_context(full, part)
    return v


def draw_timeline(messages):
    """A sequence diagram: one lane per party, one arrow per message, its label on the right."""
    lanes = {"user": 0, "agent loop": 1, "model": 2, "sandbox": 3}
    origin = {"system": "user", "user": "user", "assistant": "model", "tool": "sandbox"}
    colours = {"system": "C7", "user": "C7", "assistant": "C0", "tool": "C2"}
    n = len(messages)
    fig, ax = plt.subplots(figsize=(6.4, 0.3 * n + 0.6), num="timeline")
    for name, x in lanes.items():
        ax.plot([x, x], [-0.6, n - 0.4], color="0.6", lw=0.8, zorder=0)
        ax.text(x, -0.9, name, ha="center", va="bottom", fontsize=8, weight="bold")
    grey = {"arrowstyle": "->", "color": "0.7", "lw": 0.8}
    for i, m in enumerate(messages):
        loop, src = lanes["agent loop"], lanes[origin[m["role"]]]
        error = m["role"] == "tool" and m["content"].startswith("error")
        colour = "C3" if error else colours[m["role"]]
        if error:  # made by the loop's parser: the sandbox never saw it
            ax.plot([loop], [i], "o", color=colour, ms=5)
        else:
            if m["role"] in ("assistant", "tool"):  # the request that this message answers
                ax.annotate("", (src, i - 0.22), (loop, i - 0.22), arrowprops=grey)
            arrow = {"arrowstyle": "->", "color": colour, "lw": 1.3}
            ax.annotate("", (loop, i + 0.05), (src, i + 0.05), arrowprops=arrow)
        ax.text(3.2, i, short(m), va="center", fontsize=7, color=colour, family="monospace")
        ax.text(-0.3, i, str(i), va="center", ha="right", fontsize=7, color="0.4")
    ax.set_xlim(-0.5, 5.6)
    ax.set_ylim(n - 0.3, -1.0)
    ax.axis("off")


def draw_context(full, windowed):
    """Context per call and everything the model has read, for a session that never finishes."""
    calls = np.arange(1, len(full) + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(6.4, 2.4), num="context")
    for ctx, label, colour in ((full, "whole history", "C0"), (windowed, f"last {WINDOW}", "C1")):
        ax1.plot(calls, ctx / 1e3, "o-", ms=2.5, color=colour, label=label)
        ax2.plot(calls, np.cumsum(ctx) / 1e3, "o-", ms=2.5, color=colour, label=label)
    ax1.set_xlabel("model call")
    ax1.set_ylabel("context handed to the model\n(thousand characters)")
    ax2.set_xlabel("model call")
    ax2.set_ylabel("characters read so far\n(thousands)")
    ax1.legend(frameon=False)
    fig.tight_layout()


if __name__ == "__main__":
    print(main())
    print({k: v for k, v in limits().items() if not k.endswith("context")})
