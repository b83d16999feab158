"""The pages suite over HTTP: gunicorn (2 sync workers) on 127.0.0.1, a signed-in cookie, and wrk.

``Server`` starts ``gunicorn -w 2 -b 127.0.0.1:PORT APP`` (the app: ``mediation:create_app()``;
the bare page: ``bench.bare_app:create_app()``) with the database's environment and stops it by
its process id. :func:`sign_in` signs in once as a browser does (GET ``/login``, the form's CSRF
token, POST) and returns the session cookie; every request of wrk then carries it, with the same
User-Agent (Flask-Login's session protection hashes the address and the agent: a different agent
would make every response rewrite the cookie). :func:`wrk` runs ``wrk -t2 -c8 -dNs --latency``
with ``bench/wrk_report.lua``, whose ``done`` prints the requests, errors and latency percentiles
(p50, p75, p90, p95, p99) as JSON.
"""
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WRK = os.environ.get('BENCH_WRK', '/usr/bin/wrk')
LUA = Path(__file__).resolve().parent / 'wrk_report.lua'
USER_AGENT = 'mediation-bench (wrk)'
WORKERS = 2
WRK_THREADS = 2
WRK_CONNECTIONS = 8


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Server:
    """A gunicorn serving ``app`` (a WSGI factory spec) with ``env``; a context manager."""

    def __init__(self, app: str, env: dict, log_path: Path):
        self.app, self.env, self.log_path = app, env, Path(log_path)
        self.port = free_port()
        self.base = f'http://127.0.0.1:{self.port}'
        self.process = None

    @property
    def command(self) -> list:
        return [sys.executable, '-m', 'gunicorn', '-w', str(WORKERS), '-b', f'127.0.0.1:{self.port}',
                '--log-level', 'warning', self.app]

    def __enter__(self):
        self.log = self.log_path.open('ab')
        self.process = subprocess.Popen(self.command, env=self.env, cwd=ROOT, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_until_listening()
        except BaseException:  # __exit__ is not called when __enter__ fails: stop it here
            self.stop()
            raise
        return self

    def _wait_until_listening(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f'gunicorn {self.app} exited ({self.process.returncode}); see {self.log_path}')
            try:
                with socket.create_connection(('127.0.0.1', self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f'gunicorn {self.app} did not start; see {self.log_path}')

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        """Stop the arbiter and its workers (their own process group, by the arbiter's id)."""
        try:
            if self.process is not None and self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGTERM)
                try:
                    self.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait()
            if self.process is not None:
                try:  # a worker the arbiter left behind (it was killed, or died first)
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        finally:
            self.log.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _opener(jar=None):
    handlers = [_NoRedirect()]
    if jar is not None:
        handlers.append(urllib.request.HTTPCookieProcessor(jar))
    return urllib.request.build_opener(*handlers)


def fetch(url: str, cookie: str = '', data: dict = None, opener=None):
    """(status, headers, body text) of one request, redirects not followed."""
    headers = {'User-Agent': USER_AGENT}
    if cookie:
        headers['Cookie'] = cookie
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers)
    try:
        with (opener or _opener()).open(request, timeout=120) as response:
            return response.status, response.headers, response.read().decode('utf-8')
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode('utf-8', 'replace')


def sign_in(base: str, username: str, password: str, first_page: str = '/') -> str:
    """Sign in through the login form (its CSRF token included); the ``Cookie`` header to send afterwards.

    Then ``first_page`` is opened until the session cookie stops changing: sign-in clears the session,
    and the first page after it stores a new CSRF token in it, as a browser keeps it.
    """
    jar = http.cookiejar.CookieJar()
    opener = _opener(jar)
    status, _headers, page = fetch(f'{base}/login', opener=opener)
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    if status != 200 or not match:
        raise RuntimeError(f'no sign-in form at {base}/login ({status})')
    status, _headers, page = fetch(f'{base}/login', data={'csrf_token': match.group(1), 'username': username,
                                                          'password': password}, opener=opener)
    if status != 302:
        raise RuntimeError(f'sign-in as {username} failed ({status}): {page[:500]}')
    for _ in range(3):
        status, headers, _body = fetch(base + first_page, opener=opener)
        if status != 200:
            raise RuntimeError(f'{base}{first_page} after sign-in: {status}')
        if not headers.get('Set-Cookie'):
            break
    else:
        raise RuntimeError(f'{base}{first_page} sets a new session cookie on every request')
    return '; '.join(f'{cookie.name}={cookie.value}' for cookie in jar)


def check_page(url: str, cookie: str, must_contain=()) -> dict:
    """One request before the load: 200, no new cookie (the session stays as it is), the expected text."""
    status, headers, page = fetch(url, cookie)
    if status != 200:
        raise RuntimeError(f'{url}: {status} {page[:300]}')
    missing = [text for text in must_contain if text not in page]
    if missing:
        raise RuntimeError(f'{url}: the page lacks {missing}')
    return {'bytes': len(page.encode()), 'sets_cookie': bool(headers.get('Set-Cookie')),
            'rows': len(set(re.findall(r'href="/cases/(\d+)"', page)))}


def wrk(url: str, cookie: str, duration: float, headers: dict = None) -> dict:
    """``wrk -t2 -c8 -d{duration}s --latency`` of ``url``: requests/s, latency percentiles (seconds), errors."""
    command = [WRK, f'-t{WRK_THREADS}', f'-c{WRK_CONNECTIONS}', f'-d{duration:g}s', '--latency', '--timeout', '30s',
               '-s', str(LUA), '-H', f'User-Agent: {USER_AGENT}']
    if cookie:
        command += ['-H', f'Cookie: {cookie}']
    for name, value in (headers or {}).items():
        command += ['-H', f'{name}: {value}']
    completed = subprocess.run(command + [url], capture_output=True, text=True)
    if completed.returncode:
        raise RuntimeError(f'wrk failed: {completed.stderr}')
    line = next((line for line in completed.stdout.splitlines() if line.startswith('{"requests"')), None)
    if line is None:
        raise RuntimeError(f'wrk printed no summary:\n{completed.stdout}')
    found = json.loads(line)
    seconds = found['duration_us'] / 1e6
    latency = {name: value / 1e6 for name, value in found['latency_us'].items()}
    errors = found['errors']
    return {'requests': found['requests'], 'seconds': seconds, 'rps': found['requests'] / seconds,
            'latency': latency, 'errors': errors, 'failed': sum(errors.values()), 'bytes': found['bytes']}
