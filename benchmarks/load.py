"""Pages under load: the app served by gunicorn on 127.0.0.1, loaded by wrk with a logged-in session.

Only loopback addresses are used and every load is bounded in time. The server runs as it does in
production behind a TLS-terminating load balancer: DEBUG off, the proxy's ``X-Forwarded-Proto: https``
header trusted (``SECURE_PROXY_SSL_HEADER=1``), so requests count as HTTPS and the session cookie is the
secure one. Only GET requests are sent, so no CSRF token is needed after the login.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ---------------------------------------------------------------------------------------------------------
# gunicorn


class Server:
    """``gunicorn config.wsgi`` with ``workers`` sync workers on a free loopback port, as the Dockerfile runs it."""

    def __init__(self, *, workers: int, env: dict[str, str], log: Path):
        self.workers = workers
        self.env = env
        self.log = log
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            self.host,
            "--workers",
            str(self.workers),
            "--access-logfile",
            "-",
            "--timeout",
            "60",
        ]
        self._log_file = self.log.open("a")
        self.process = subprocess.Popen(  # noqa: S603 (our own fixed command line)
            command, cwd=ROOT, env=self.env, stdout=self._log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log}")
            try:
                status, _, _ = request(self.host, "GET", "/healthz")
            except OSError:
                status = None
            if status == 200 and len(self.worker_pids()) == self.workers:
                return self
            time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError(f"gunicorn did not answer /healthz within 60 s; see {self.log}")

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_file.close()

    def worker_pids(self) -> list[int]:
        """The worker processes: children of the gunicorn master."""
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def peak_worker_rss_kib(self) -> int:
        """The largest peak resident set size (VmHWM) among the workers."""
        peaks = []
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
            if match:
                peaks.append(int(match.group(1)))
        return max(peaks, default=0)


# ---------------------------------------------------------------------------------------------------------
# CPU time, which other work on the machine changes far less than wall-clock time

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User plus system CPU seconds used so far by each of ``pids`` that still exists."""
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / _TICKS  # utime and stime, fields 14 and 15
    return used


def database_backends(dbname: str) -> list[int]:
    """The PostgreSQL server processes connected to ``dbname`` (their command line names the database)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if command.startswith("postgres:") and f" {dbname} " in command:
            pids.append(int(entry.name))
    return pids


class CpuMeter:
    """CPU seconds spent by the web workers and their database connections between ``start`` and ``stop``."""

    def __init__(self, server: Server, dbname: str):
        self.server = server
        self.dbname = dbname

    def _now(self) -> dict[int, float]:
        return cpu_seconds(self.server.worker_pids() + database_backends(self.dbname))

    def start(self) -> None:
        self._start = self._now()

    def stop(self) -> float:
        end = self._now()
        return sum(used - self._start.get(pid, 0.0) for pid, used in end.items())


# ---------------------------------------------------------------------------------------------------------
# HTTP with the standard library (no redirects followed, cookies handled by hand)


def request(host: str, method: str, path: str, *, headers: dict[str, str] | None = None, body: str | None = None):
    connection = http.client.HTTPConnection(host, timeout=60)
    try:
        connection.request(method, path, body=body, headers={**PROXY_HEADERS, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def _cookies(headers) -> dict[str, str]:
    jar = SimpleCookie()
    for value in headers.get_all("Set-Cookie") or []:
        jar.load(value)
    return {name: morsel.value for name, morsel in jar.items()}


def login(host: str, username: str, password: str) -> str:
    """Sign in through the login form, as a browser does; returns the ``Cookie`` header for the session."""
    status, headers, body = request(host, "GET", "/accounts/login/")
    if status != 200:
        raise RuntimeError(f"the login page answered {status}")
    cookies = _cookies(headers)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if token is None or "csrftoken" not in cookies:
        raise RuntimeError("no CSRF token on the login page")
    form = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token.group(1).decode()})
    status, headers, _ = request(
        host,
        "POST",
        "/accounts/login/",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken']}",
            "Origin": f"https://{host}",
            "Referer": f"https://{host}/accounts/login/",
        },
        body=form,
    )
    session = _cookies(headers).get("sessionid")
    if status != 302 or not session:
        raise RuntimeError(f"logging in failed (status {status})")
    return f"sessionid={session}"


def check_page(host: str, path: str, cookie: str | None) -> int:
    """Fetch a page once and return its size; anything but 200 (a redirect to the login, say) is an error."""
    status, _, body = request(host, "GET", path, headers={"Cookie": cookie} if cookie else None)
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}, not 200")
    return len(body)


# ---------------------------------------------------------------------------------------------------------
# wrk

_LUA = """
local paths = {%(paths)s}
local headers = {%(headers)s}
local threads = 0
setup = function(thread)
  thread:set("offset", threads * 7919)
  threads = threads + 1
end
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[((counter + offset) %% #paths) + 1], headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%%d duration_us=%%d status_errors=%%d socket_errors=%%d p50_us=%%d p95_us=%%d p99_us=%%d\\n",
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def wrk(host: str, paths: list[str], *, cookie: str | None, threads: int, connections: int, seconds: int) -> LoadResult:
    """Closed-loop load for ``seconds``: ``connections`` connections cycling through ``paths``."""
    headers = dict(PROXY_HEADERS)
    if cookie:
        headers["Cookie"] = cookie
    script = _LUA % {
        "paths": ", ".join(_lua_string(path) for path in paths),
        "headers": ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items()),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        completed = subprocess.run(  # noqa: S603
            [  # noqa: S607 (wrk from the PATH, as installed by the Debian package)
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "30s",
                "-s",
                handle.name,
                f"http://{host}",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 60,
        )
    finally:
        os.unlink(handle.name)
    return parse_wrk(completed.stdout)


_BENCH_LINE = re.compile(r"^BENCH (.+)$", re.MULTILINE)


def parse_wrk(output: str) -> LoadResult:
    """Read the summary line the Lua ``done`` hook prints (wrk's own text gives no p95)."""
    match = _BENCH_LINE.search(output)
    if match is None:
        raise RuntimeError(f"no summary in the wrk output:\n{output}")
    values = {key: int(value) for key, value in (item.split("=") for item in match.group(1).split())}
    return LoadResult(
        requests=values["requests"],
        seconds=values["duration_us"] / 1e6,
        p50_ms=values["p50_us"] / 1000,
        p95_ms=values["p95_us"] / 1000,
        p99_ms=values["p99_us"] / 1000,
        errors=values["status_errors"] + values["socket_errors"],
    )
