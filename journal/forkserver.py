"""A fork server (a zygote): one interpreter that imports numpy and matplotlib once, then forks
a clean child for each run, so a run pays neither interpreter start nor those imports.

Started by ``runner.py`` as ``python forkserver.py SOCKET`` in the run environment (one BLAS
thread and the hash seed are set before numpy loads). It writes ``ready`` on stdout once its
imports are done, and exits, stopping every run, when its stdin closes (the build is over).

Per run, the runner connects to SOCKET and sends one JSON line ``{"spec": ..., "stdout": ...,
"stderr": ...}``; the server forks a child that calls ``worker.run`` and answers ``{"pid": N}``,
then ``{"status": S}`` (the exit code, or minus the signal) once the child has ended and
everything it left behind has been stopped. ``{"signal": N}`` from the runner signals the run's
process group (a stack dump on SIGUSR1, SIGKILL at a timeout). Runs never see the server's
state: the server itself runs no snippet, so every child starts from the same imports.
"""

import gc
import importlib
import json
import os
import select
import signal
import socket
import sys

if __package__:  # imported as journal.forkserver (a test, a tool), not run
    from . import worker
else:
    import worker

    del sys.modules["worker"]  # a snippet named worker.py must still find its own

# What nearly every run imports. scikit-learn is left out: few runs use it, and importing it
# (about half a second) would delay every build's first run; importing it while idle would make
# a run that arrives meanwhile wait.
PRELOAD = ("numpy", "matplotlib", "matplotlib.pyplot")


def preload(name):
    """Import a library every child then has; one that is not installed is left out."""
    try:
        importlib.import_module(name)
    except ImportError:
        pass


def child(request, open_fds):
    """In the forked child: a session of its own, stdio on the run's files, then the run."""
    status = 70
    try:
        os.setsid()
        for fd in open_fds:
            os.close(fd)
        for target, path, flags in (
            (0, os.devnull, os.O_RDONLY),
            (1, request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
            (2, request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
        ):
            fd = os.open(path, flags, 0o644)
            os.dup2(fd, target)
            os.close(fd)
        with open(request["spec"]) as f:
            spec = json.load(f)
        status = worker.run(spec)
    finally:
        os._exit(status)


class Server:
    """The loop: accept runs, fork them, report how they ended."""

    def __init__(self, path):
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(64)
        self.poller = select.poll()
        self.poller.register(0, select.POLLIN)  # stdin: EOF when the build is over
        self.poller.register(self.listener, select.POLLIN)
        self.conns = {}  # fd -> [socket, pending bytes, run pid or None]
        self.runs = {}  # pidfd -> (pid, connection fd)

    def send(self, fd, message):
        try:
            self.conns[fd][0].sendall(json.dumps(message).encode() + b"\n")
        except OSError:
            pass

    def serve(self):
        while True:
            for fd, _ in self.poller.poll():
                if fd == 0:
                    if not os.read(0, 4096):
                        return self.shutdown()
                elif fd == self.listener.fileno():
                    conn, _ = self.listener.accept()
                    self.conns[conn.fileno()] = [conn, b"", None]
                    self.poller.register(conn, select.POLLIN)
                elif fd in self.runs:
                    self.ended(fd)
                elif fd in self.conns:
                    self.receive(fd)

    def receive(self, fd):
        conn, pending, pid = self.conns[fd]
        data = conn.recv(65536)
        if not data:  # the runner went away: so does its run
            for pidfd, (run_pid, run_fd) in list(self.runs.items()):
                if run_fd == fd:
                    self.runs[pidfd] = (run_pid, None)
                    self.kill(run_pid)
            return self.drop(fd)
        *lines, self.conns[fd][1] = (pending + data).split(b"\n")
        for line in lines:
            message = json.loads(line)
            if "spec" in message and pid is None:
                pid = self.start(fd, message)
            elif "signal" in message and pid is not None:
                self.kill(pid, message["signal"])

    def drop(self, fd):
        self.poller.unregister(fd)
        self.conns.pop(fd)[0].close()

    def start(self, fd, request):
        open_fds = [self.listener.fileno(), *self.conns, *self.runs]
        pid = os.fork()
        if pid == 0:
            child(request, open_fds)
        pidfd = os.pidfd_open(pid)
        self.runs[pidfd] = (pid, fd)
        self.poller.register(pidfd, select.POLLIN)
        self.conns[fd][2] = pid
        self.send(fd, {"pid": pid})
        return pid

    @staticmethod
    def kill(pid, sig=signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def ended(self, pidfd):
        """A run's process ended: stop what it left, reap it, tell its runner."""
        pid, fd = self.runs.pop(pidfd)
        self.poller.unregister(pidfd)
        os.close(pidfd)
        self.kill(pid)  # its process group, if it died before stopping it (pid not reaped yet)
        _, status = os.waitpid(pid, 0)
        # A run's descendants come here (a subreaper) only when the run's own process died:
        # every child that is not a live run is one of those.
        worker.stop_descendants(keep={p for p, _ in self.runs.values()})
        if fd is not None:
            self.send(fd, {"status": os.waitstatus_to_exitcode(status)})
            self.drop(fd)

    def shutdown(self):
        for pid, _ in self.runs.values():
            self.kill(pid)
        worker.stop_descendants()
        folder = os.path.dirname(self.listener.getsockname())
        for name in os.listdir(folder):  # the socket, the figure settings, the log
            os.unlink(os.path.join(folder, name))
        os.rmdir(folder)


def main(path):
    worker.become_subreaper()
    worker.write_rc(os.path.dirname(path))  # before matplotlib reads its settings
    for name in PRELOAD:
        preload(name)
    gc.freeze()  # children's collections skip (and so do not copy) the preloaded objects' pages
    server = Server(path)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    server.serve()


if __name__ == "__main__":
    main(sys.argv[1])
