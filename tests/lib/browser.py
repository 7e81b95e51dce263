"""Headless Chromium driven over the DevTools protocol, for tests that look at a page as a
browser renders it (tests/http/test_docs.py).

Chromium runs with --remote-debugging-pipe: commands go to its fd 3 and answers and events come
from its fd 4, NUL-terminated JSON, so nothing but the standard library is needed (no websocket,
no chromedriver). Every request the page makes is recorded, and the network outside loopback is
made unreachable: a proxy that refuses (loopback bypasses proxies) and a resolver that resolves
nothing but 127.0.0.1.
"""

import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time


def find_chromium():
    """The Chromium binary, or None."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def chromium_installable():
    """Whether apt has a chromium package to install (scripts/deps.sh test installs it)."""
    if not shutil.which("apt-cache"):
        return False
    out = subprocess.run(["apt-cache", "policy", "chromium"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("Candidate:"):
            return line.split(":", 1)[1].strip() not in ("", "(none)")
    return False


class BrowserError(AssertionError):
    pass


class Browser:
    """One Chromium process; use as a context manager. open(url) loads a page in a new tab."""

    def __init__(self, binary, timeout=30.0):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="brisk-chromium-")
        self._next_id = 0
        self._buf = b""
        # High fds first, so that the dup2 to 3 and 4 below cannot overwrite one another.
        cmd_r, cmd_w = (self._high(fd) for fd in os.pipe())
        out_r, out_w = (self._high(fd) for fd in os.pipe())
        argv = [
            binary, "--headless", "--disable-gpu", "--remote-debugging-pipe",
            f"--user-data-dir={self.profile}", "--no-first-run", "--no-default-browser-check",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-extensions", "--proxy-server=http://127.0.0.1:9",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "about:blank",
        ]
        if os.geteuid() == 0:
            argv.insert(2, "--no-sandbox")  # Chromium's sandbox refuses to run as root
        self.log_path = os.path.join(self.profile, "chromium.log")
        log = os.open(self.log_path, os.O_WRONLY | os.O_CREAT, 0o600)
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
            (os.POSIX_SPAWN_DUP2, log, 1), (os.POSIX_SPAWN_DUP2, log, 2),
            (os.POSIX_SPAWN_DUP2, cmd_r, 3), (os.POSIX_SPAWN_DUP2, out_w, 4),
        ]
        try:
            self.pid = os.posix_spawn(binary, argv, os.environ, file_actions=actions)
        finally:
            for fd in (cmd_r, out_w, log):
                os.close(fd)
        self._w, self._r = cmd_w, out_r

    @staticmethod
    def _high(fd):
        high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(fd)
        return high

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.pid is None:
            return
        try:
            self._send("Browser.close", {}, None)
        except OSError:
            pass
        deadline = time.monotonic() + 10
        while os.waitpid(self.pid, os.WNOHANG) == (0, 0):
            if time.monotonic() > deadline:
                os.kill(self.pid, 9)
                os.waitpid(self.pid, 0)
                break
            time.sleep(0.05)
        self.pid = None
        os.close(self._w)
        os.close(self._r)
        shutil.rmtree(self.profile, ignore_errors=True)

    # ---- the protocol ----------------------------------------------------------------------

    def _send(self, method, params, session):
        self._next_id += 1
        msg = {"id": self._next_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        return self._next_id

    def _read(self, deadline):
        """The next message, or None when `deadline` passed."""
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._r], [], [], left)[0]:
                return None
            chunk = os.read(self._r, 1 << 16)
            if not chunk:
                raise BrowserError(f"chromium exited; its log:\n{self.log()}")
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None, events=None):
        """Sends a command and returns its result; events read meanwhile go to `events`."""
        want = self._send(method, params or {}, session)
        deadline = time.monotonic() + self.timeout
        while True:
            msg = self._read(deadline)
            if msg is None:
                raise BrowserError(f"no answer to {method} within {self.timeout} s")
            if msg.get("id") == want:
                if "error" in msg:
                    raise BrowserError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg and events is not None:
                events.append(msg)

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    # ---- pages -----------------------------------------------------------------------------

    def open(self, url):
        """Loads `url` in a new tab and returns its Page."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session)
        for domain in ("Network", "Runtime", "Page"):
            page.call(f"{domain}.enable")
        page.call("Page.navigate", {"url": url})
        return page


class Page:
    """A tab: its requests, its errors, and JavaScript evaluated in it."""

    def __init__(self, browser, session):
        self.browser = browser
        self.session = session
        self.events = []

    def call(self, method, params=None):
        return self.browser.call(method, params, self.session, self.events)

    def evaluate(self, expression):
        """The value of `expression` (JSON-serialisable), evaluated in the page."""
        res = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in res:
            raise BrowserError(f"{expression}: {res['exceptionDetails']}")
        return res["result"].get("value")

    def wait_for(self, expression, timeout=30.0, settle=0.5):
        """Evaluates `expression` until it gives a truthy value that stays the same for
        `settle` s (the page has finished rendering it); returns it, or the last value when
        `timeout` passed."""
        deadline = time.monotonic() + timeout
        last, since = None, None
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value and value == last:
                if time.monotonic() - since >= settle:
                    return value
            else:
                last, since = value, time.monotonic()
            time.sleep(0.1)
        return last

    def requested_urls(self):
        """Every URL the page asked for, in order (its document, scripts, fetches...)."""
        return [e["params"]["request"]["url"] for e in self.events
                if e.get("method") == "Network.requestWillBeSent"]

    def failed_requests(self):
        """(url, error) of the requests that failed."""
        ids = {e["params"]["requestId"]: e["params"]["request"]["url"] for e in self.events
               if e.get("method") == "Network.requestWillBeSent"}
        return [(ids.get(e["params"]["requestId"]), e["params"].get("errorText")) for e in self.events
                if e.get("method") == "Network.loadingFailed"]

    def errors(self):
        """Uncaught exceptions and console.error messages of the page."""
        out = []
        for e in self.events:
            if e.get("method") == "Runtime.exceptionThrown":
                d = e["params"]["exceptionDetails"]
                out.append(d.get("exception", {}).get("description") or d.get("text"))
            elif e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] == "error":
                out.append(" ".join(str(a.get("value", a.get("description"))) for a in e["params"]["args"]))
        return out
