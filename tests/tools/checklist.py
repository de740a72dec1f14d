"""Shared by the Python test drivers (tests/e2e, tests/browser, tests/ci): a tally of checks, and
servers of the project's own that say where they listen on loopback.

    sys.path.insert(0, str(ROOT / "tests" / "tools"))
    from checklist import Server, check, finish
"""
import queue
import subprocess
import threading

results = {"passed": 0, "failed": 0}


def check(condition, what):
    """Count one check; print WHAT when it fails. Returns CONDITION."""
    if condition:
        results["passed"] += 1
    else:
        results["failed"] += 1
        print(f"FAILED: {what}", flush=True)
    return condition


def finish():
    """Print the tally; the exit code: 0 only when something was checked and nothing failed."""
    print(f"{results['passed']} passed, {results['failed']} failed")
    return 0 if results["failed"] == 0 and results["passed"] > 0 else 1


class Server:
    """A server whose first LINES stdout lines say where it listens ("... listening on
    HOST:PORT"): their URLs are in `urls` (the first also in `url`). A server that says nothing
    within TIMEOUT seconds is stopped, and so is one that says something else."""

    def __init__(self, argv, lines=1, timeout=600):
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
        # Lines are read on a thread, so that waiting for one can time out (a select() on the
        # pipe would miss a line already read into the stream's buffer with the one before).
        said = queue.Queue()
        threading.Thread(target=lambda: [said.put(x) for x in self.proc.stdout], daemon=True).start()
        self.urls = []
        for _ in range(lines):
            try:
                line = said.get(timeout=timeout).strip()
            except queue.Empty:
                line = ""
            if " listening on " not in " " + line:
                self.stop()
                raise RuntimeError(f"{argv[0]}: no 'listening on' line (got {line!r})")
            self.urls.append("http://" + line.rsplit("listening on ", 1)[1])
        self.url = self.urls[0]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
