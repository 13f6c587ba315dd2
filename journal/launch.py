"""How a run's process starts: forked by the fork server (Linux), else a fresh interpreter.

Both give the run a process of its own, never reused. The fork server is started on the first
run that executes and lives as long as this process (a whole build, or the whole preview); it
is replaced when what it has loaded changed (the worker, the fork server, the run environment,
the installed libraries, the project's lock file), so a long preview never runs snippets in a
stale one. ``JOURNAL_FORKSERVER=off`` starts a fresh interpreter per run instead.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import threading
from pathlib import Path

WORKER = Path(__file__).with_name("worker.py")
FORKSERVER = Path(__file__).with_name("forkserver.py")
READY_TIMEOUT = 120.0  # seconds the fork server may take to import its libraries
LIBRARIES = Path(sysconfig.get_paths()["purelib"])  # site-packages: changes when pip installs


class Fresh:
    """A run in a new interpreter (``python worker.py SPEC``), in a process group of its own."""

    def __init__(self, spec_file: Path, out_dir: Path, cwd: str, env: dict[str, str]):
        with (
            open(out_dir / "stdout.txt", "wb") as out,
            open(out_dir / "stderr.txt", "wb") as err,
        ):
            self.proc = subprocess.Popen(
                [sys.executable, "-X", "utf8", str(WORKER), str(spec_file)],
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )

    def wait(self, timeout: float) -> int | None:
        """The exit status (negative: the signal), or None if it is still running."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def signal(self, sig: int) -> None:
        if self.proc.returncode is None:
            self.proc.send_signal(sig)

    def close(self) -> None:
        """Stop the run's process group (what a worker that died left behind) and reap it."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()


class Forked:
    """A run forked by the fork server; it reports how the run ended over a socket."""

    def __init__(self, server: Server, spec_file: Path, out_dir: Path):
        self.server = server
        self.status: int | None = None
        self.buffer = b""
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.sock.connect(server.path)
            self._send(
                {
                    "spec": str(spec_file),
                    "stdout": str(out_dir / "stdout.txt"),
                    "stderr": str(out_dir / "stderr.txt"),
                }
            )
            reply = self._receive(READY_TIMEOUT)
            if reply is None or "pid" not in reply:
                raise RuntimeError("the fork server did not start the run")
        except BaseException:
            self.sock.close()
            raise

    def _send(self, message: dict) -> None:
        self.sock.sendall(json.dumps(message).encode() + b"\n")

    def _receive(self, timeout: float) -> dict | None:
        self.sock.settimeout(timeout)
        while b"\n" not in self.buffer:
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                return None
            if not data:  # the server is gone: the run with it
                return {"status": -signal.SIGKILL}
            self.buffer += data
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def wait(self, timeout: float) -> int | None:
        if self.status is None:
            reply = self._receive(timeout)
            if reply is not None:
                self.status = reply["status"]
        return self.status

    def signal(self, sig: int) -> None:
        if self.status is None:
            self._send({"signal": int(sig)})

    def close(self) -> None:
        try:
            if self.status is None:
                self.signal(signal.SIGKILL)
                self.wait(30.0)
        except OSError:
            pass
        finally:
            self.sock.close()
            self.server.release()


class Server:
    """A running fork server and the number of runs it is serving."""

    def __init__(self, stamp: str, env: dict[str, str]):
        self.stamp = stamp
        self.folder = tempfile.mkdtemp(prefix="journal-forkserver-")
        self.path = os.path.join(self.folder, "socket")
        self.active = 0
        self.retired = False
        self.lock = threading.Lock()
        log = open(os.path.join(self.folder, "server.log"), "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-X", "utf8", str(FORKSERVER), self.path],
            cwd=self.folder,
            env={**env, "HOME": self.folder},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            start_new_session=True,  # a Ctrl-C in the terminal reaches the build, not the runs
        )
        log.close()
        ready = self.proc.stdout.readline()
        self.proc.stdout.close()
        if ready != b"ready\n":
            self.close()
            raise RuntimeError("the fork server did not start")

    def acquire(self) -> bool:
        with self.lock:
            if self.retired or self.proc.poll() is not None:
                return False
            self.active += 1
            return True

    def release(self) -> None:
        with self.lock:
            self.active -= 1
            done = self.retired and self.active == 0
        if done:
            self.close()

    def retire(self) -> None:
        """Serve no new run; stop once the runs it serves have ended."""
        with self.lock:
            self.retired = True
            idle = self.active == 0
        if idle:
            self.close()

    def close(self) -> None:
        """Closing its stdin stops it, and every run it still serves."""
        try:
            self.proc.stdin.close()
            self.proc.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


_server: Server | None = None
_server_lock = threading.Lock()


def enabled() -> bool:
    return (
        sys.platform.startswith("linux")
        and hasattr(os, "pidfd_open")
        and os.environ.get("JOURNAL_FORKSERVER", "").lower() not in {"0", "off", "false", "no"}
    )


def stamp(root: Path, fingerprint: str) -> str:
    """What the fork server has loaded: the run's process (fingerprint), the installed
    libraries (site-packages changes when one is installed or removed) and the lock file."""
    parts = [fingerprint]
    for path in (LIBRARIES, root / "requirements.lock"):
        try:
            st = path.stat()
            parts.append(f"{path}:{st.st_mtime_ns}:{st.st_size}")
        except OSError:
            parts.append(f"{path}:-")
    return "\0".join(parts)


def server(current_stamp: str, env: dict[str, str]) -> Server | None:
    """The fork server for ``current_stamp``, started if needed; None if it cannot start."""
    global _server
    with _server_lock:
        if _server is not None and _server.stamp == current_stamp and _server.acquire():
            return _server
        if _server is not None:
            _server.retire()
            _server = None
        try:
            _server = Server(current_stamp, env)
        except (OSError, RuntimeError):
            return None
        _server.acquire()
        return _server


def stop(at_once: bool = False) -> None:
    """Stop the fork server (at exit; tests call it too): once its runs have ended, or
    ``at_once``, ending them (the preview shutting down: journal/background.py)."""
    global _server
    with _server_lock:
        if _server is not None:
            if at_once:
                _server.close()
            else:
                _server.retire()
            _server = None


atexit.register(stop)


def start(
    spec_file: Path, out_dir: Path, cwd: str, env: dict[str, str], current_stamp: str
) -> Fresh | Forked:
    """Start the run described by ``spec_file``; its stdout and stderr go to ``out_dir``."""
    if enabled():
        srv = server(current_stamp, env)
        if srv is not None:
            try:
                return Forked(srv, spec_file, out_dir)
            except (OSError, RuntimeError):
                srv.release()
    return Fresh(spec_file, out_dir, cwd, env)
