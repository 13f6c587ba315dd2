"""The loop inside a coding agent: ask the model, parse one action, run it in a sandbox, observe.

The model is any function from the message history to a reply; here a scripted one stands in
for a language model, so every run is reproducible. The shape follows ReAct (Yao et al., 2023,
"ReAct: Synergizing Reasoning and Acting in Language Models") and the agent-computer interfaces
of SWE-agent (Yang et al., 2024): a reply holds one action, the sandbox's answer comes back as
the next message, and the loop stops on "finish" or at a step limit.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time

SYSTEM = (
    "You fix code in a sandbox. Reply with your reasoning, then exactly one action as a "
    '```json block: {"tool": "run", "cmd": ...}, {"tool": "read", "path": ...}, '
    '{"tool": "write", "path": ..., "content": ...} or {"tool": "finish", "message": ...}.'
)
TOOLS = {"run": ["cmd"], "read": ["path"], "write": ["path", "content"], "finish": ["message"]}
MAX_OBSERVATION = 2000  # characters of output an observation keeps (head and tail)


# --8<-- [start:parse]
ACTION_BLOCK = re.compile(r"```json\s*\n(.*?)\n```", re.DOTALL)


class BadAction(Exception):
    """A reply the loop cannot act on; its message goes back to the model."""


def parse_action(reply):
    """The one action in a reply, as a dict; BadAction says what is wrong with it."""
    blocks = ACTION_BLOCK.findall(reply)
    if len(blocks) != 1:
        raise BadAction(f"expected one ```json action block, found {len(blocks)}")
    try:
        action = json.loads(blocks[0])
    except json.JSONDecodeError as e:
        raise BadAction(f"the action is not valid JSON: {e}") from None
    if not isinstance(action, dict) or action.get("tool") not in TOOLS:
        raise BadAction(f"unknown tool; use one of {', '.join(TOOLS)}")
    missing = [k for k in TOOLS[action["tool"]] if not isinstance(action.get(k), str)]
    if missing:
        raise BadAction(f"{action['tool']} needs the string {', '.join(missing)}")
    return action


# --8<-- [end:parse]


# --8<-- [start:sandbox]
def run_command(cmd, cwd, timeout):
    """Run a shell command in its own process group; on timeout, kill the whole group.

    Returns (exit code or None on timeout, combined output, seconds taken).
    """
    path = os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]
    env = {**os.environ, "PATH": path}
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        shell=True,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # one stream, in the order it was written
        start_new_session=True,  # a new process group: its id is proc.pid
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
        code = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the shell and everything it started
        out, _ = proc.communicate()  # returns at once: nobody holds the pipe any more
        code = None
    return code, out.decode(errors="replace"), time.perf_counter() - start


def inside(sandbox, path):
    """The absolute path of a file in the sandbox; refuses paths that lead out of it."""
    root = os.path.realpath(sandbox)
    full = os.path.realpath(os.path.join(root, path))  # symlinks and .. resolved
    if os.path.commonpath([full, root]) != root:
        raise BadAction(f"{path} is outside the sandbox")
    return full


def clip(text, limit=MAX_OBSERVATION):
    """Keep the head and the tail of a long output: errors tend to be at the end."""
    if len(text) <= limit:
        return text
    half = limit // 2
    cut = len(text) - 2 * half
    return f"{text[:half]}\n[... {cut} characters cut ...]\n{text[-half:]}"


def execute(action, sandbox, timeout):
    """Carry out one parsed action; what happens comes back as text for the model."""
    tool = action["tool"]
    if tool == "run":
        code, out, _ = run_command(action["cmd"], sandbox, timeout)
        for prefix in {sandbox, os.path.realpath(sandbox)}:
            out = out.replace(prefix + os.sep, "")  # paths relative to the sandbox
        killed = f"timed out after {timeout} s, killed"
        status = killed if code is None else f"exit code {code}"
        return f"{status}\n{clip(out)}"
    path = inside(sandbox, action["path"])
    if tool == "read":
        with open(path) as f:
            return clip(f.read())
    with open(path, "w") as f:  # write
        f.write(action["content"])
    return f"wrote {len(action['content'])} characters to {action['path']}"


# --8<-- [end:sandbox]


# --8<-- [start:loop]
def agent(model, task, sandbox, max_steps, timeout=2.0, window=None):
    """Query, parse one action, run it, observe; until "finish" or max_steps calls.

    window: if set, the model sees the system prompt, the task and only the last window
    messages. Returns (outcome, messages): outcome is "finished" or "step limit".
    """
    messages = [{"role": "system", "content": SYSTEM}]
    messages.append({"role": "user", "content": task})
    for _ in range(max_steps):
        context = messages if window is None else messages[:2] + messages[2:][-window:]
        reply = model(context)  # the only place the model is consulted
        messages.append({"role": "assistant", "content": reply})
        try:
            action = parse_action(reply)
            if action["tool"] == "finish":
                return "finished", messages
            observation = execute(action, sandbox, timeout)
        except BadAction as e:  # a malformed action is an observation, not a crash
            observation = f"error: {e}"
        except OSError as e:  # a missing file, say: also just news for the model
            observation = f"error: {e.strerror}: {os.path.relpath(e.filename, sandbox)}"
        messages.append({"role": "tool", "content": observation})
    return "step limit", messages


# --8<-- [end:loop]


# --8<-- [start:scripted]
class ScriptedModel:
    """Stands in for a language model: the next canned reply; records its input."""

    def __init__(self, replies):
        self.replies = list(replies)
        self.calls = 0
        self.context_chars = []  # characters of history it was handed, call by call

    def __call__(self, messages):
        self.context_chars.append(sum(len(m["content"]) for m in messages))
        reply = self.replies[min(self.calls, len(self.replies) - 1)]  # the last repeats
        self.calls += 1
        return reply


def act(thought, **action):
    """A reply as a model writes it: some reasoning, then one action block."""
    return f"{thought}\n```json\n{json.dumps(action)}\n```"


# --8<-- [end:scripted]


def main():
    import tempfile

    with tempfile.TemporaryDirectory() as sandbox:
        model = ScriptedModel(
            [act("Look around.", tool="run", cmd="ls"), act("Done.", tool="finish", message="ok")]
        )
        outcome, messages = agent(model, "List the files.", sandbox, max_steps=5)
    print(outcome, "after", model.calls, "model calls;", len(messages), "messages")


if __name__ == "__main__":
    main()
