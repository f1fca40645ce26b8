"""A client for `yuma serve` (yuma-engine), standard library only, Python 3.8+.

Copy this one file next to your code (it is also shipped in the npm package, at
node_modules/yuma-engine/examples/python/yuma_serve.py) and import it:

    from yuma_serve import Yuma, YumaError

    with Yuma() as yuma:                          # one warm `yuma serve --stdio` for the block
        out = yuma.epoch(input_doc)               # one yuma-epoch/1 input (a dict) -> output (a dict)
        outs = yuma.epochs([doc_a, doc_b])        # a batch, run on the server's worker pool
        traced = yuma.epoch(input_doc, trace=True)

    out = run_epoch(input_doc)                    # one-shot: starts a server, runs, stops it

Which program runs: `command` (a list, e.g. ["node", "/path/to/yuma-engine/dist/cli/main.js"])
when given; otherwise `yuma` when it is on PATH (a global install), otherwise `npx --no yuma`
in the working directory (`cwd`, default the current one: a project that ran
`npm install yuma-engine`; `--no` keeps npx from fetching anything).

Errors: an error reply raises YumaError (.code, .message, .field = the JSON path of the bad
value, .status over HTTP); a server that could not start or has gone raises YumaServerError.
u64 amounts stay decimal strings, as in the yuma-epoch/1 format.

Over HTTP: `HttpServer(...)` starts `yuma serve --http` on loopback (any free port) and
`HttpClient(url, token=...)` talks to any running server:

    with HttpServer(token="s3cret") as server:
        out = HttpClient(server.url, token="s3cret").epoch(input_doc)
"""

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import urllib.error
import urllib.request

__all__ = [
    "Yuma",
    "StdioClient",
    "HttpServer",
    "HttpClient",
    "YumaError",
    "YumaServerError",
    "default_command",
    "run_epoch",
    "run_epochs",
]


class YumaError(Exception):
    """An error reply: .code, .message, .field (the JSON path of the bad value), .status (HTTP)."""

    def __init__(self, error, status=None):
        self.code = error.get("code")
        self.message = error.get("message")
        self.field = error.get("field", "")
        self.status = status
        where = " at " + self.field if self.field else ""
        super().__init__("{}{}: {}".format(self.code, where, self.message))


class YumaServerError(RuntimeError):
    """The server could not be started, or it stopped answering."""


def default_command():
    """`yuma` when it is on PATH, else `npx --no yuma` (the project's local install)."""
    yuma = shutil.which("yuma")
    if yuma:
        return [yuma]
    npx = shutil.which("npx")
    if npx:
        return [npx, "--no", "yuma"]
    raise YumaServerError(
        "cannot find yuma-engine's CLI: `yuma` is not on PATH and there is no `npx`; "
        "install yuma-engine (npm install yuma-engine) or pass command=[...]"
    )


def _start(command, args, cwd, **popen):
    cmd = list(command) if command is not None else default_command()
    try:
        return subprocess.Popen(cmd + args, cwd=cwd, **popen)
    except OSError as e:
        raise YumaServerError("cannot start {}: {}".format(" ".join(cmd), e)) from None


class Yuma:
    """`yuma serve --stdio` as a subprocess: one JSON line per request, replies in request order.

    Yuma(command=None, threads=None, args=(), cwd=None). epoch()/epochs() send one request and
    wait for its reply. To keep the server's pool busy, pipeline: send() many requests (from one
    thread) and receive() the replies, which come back in the order sent. close() (or the end
    of the `with` block) lets the server finish what it read and exit.
    """

    def __init__(self, command=None, threads=None, args=(), cwd=None):
        serve = ["serve", "--stdio", "--quiet"]
        if threads is not None:
            serve += ["--threads", str(threads)]
        self.proc = _start(command, serve + list(args), cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._next_id = 0

    def send(self, request):
        """Writes one request (a dict) as a JSON line; returns its id (set here when absent)."""
        if "id" not in request:
            self._next_id += 1
            request = dict(request, id=self._next_id)
        try:
            self.proc.stdin.write(json.dumps(request, separators=(",", ":")).encode() + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            raise YumaServerError("the yuma server is gone (exit code {})".format(self.proc.poll())) from None
        return request["id"]

    def receive(self):
        """The next reply (a dict), in request order."""
        line = self.proc.stdout.readline()
        if not line:
            raise YumaServerError("the yuma server closed its output (exit code {})".format(self.proc.wait()))
        return json.loads(line)

    def request(self, request):
        """Sends one request and returns its reply; an error reply raises YumaError."""
        sent = self.send(request)
        reply = self.receive()
        if reply.get("id") != sent:
            raise YumaServerError("reply id {!r} for request {!r}".format(reply.get("id"), sent))
        if "error" in reply:
            raise YumaError(reply["error"])
        return reply

    def epoch(self, input_doc, trace=False):
        """The output document (a dict) of one yuma-epoch/1 input document."""
        return self.request(dict(input_doc, trace=trace))["output"]

    def epochs(self, input_docs, trace=False):
        """The output documents of a batch, in input order (all or nothing)."""
        return self.request({"epochs": list(input_docs), "trace": trace})["outputs"]

    def close(self, timeout=30):
        """End of input: the server answers what it has read, then exits; returns its exit code."""
        if self.proc.stdin and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self.proc.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            self.close()
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


StdioClient = Yuma  # the earlier name


def run_epoch(input_doc, trace=False, command=None, cwd=None):
    """One epoch on a server started for it (pays the start-up: prefer Yuma() for many)."""
    with Yuma(command=command, cwd=cwd) as yuma:
        return yuma.epoch(input_doc, trace=trace)


def run_epochs(input_docs, trace=False, command=None, threads=None, cwd=None):
    """A batch of epochs on a server started for it; outputs in input order."""
    with Yuma(command=command, threads=threads, cwd=cwd) as yuma:
        return yuma.epochs(input_docs, trace=trace)


class HttpServer:
    """`yuma serve --http --port 0` as a subprocess on loopback; .url once it listens.

    HttpServer(command=None, threads=None, token=None, args=(), cwd=None, start_timeout=60);
    stop() (or the end of the `with` block) sends SIGTERM: in-flight requests finish first.
    """

    def __init__(self, command=None, threads=None, token=None, args=(), cwd=None, start_timeout=60):
        serve = ["serve", "--http", "--host", "127.0.0.1", "--port", "0"]
        if threads is not None:
            serve += ["--threads", str(threads)]
        self._token_file = None
        if token is not None:
            fd, self._token_file = tempfile.mkstemp(prefix="yuma-token-")
            with os.fdopen(fd, "w") as f:
                f.write(token + "\n")
            serve += ["--token-file", self._token_file]
        try:
            self.proc = _start(command, serve + list(args), cwd, stderr=subprocess.PIPE)
        except YumaServerError:
            self._remove_token()
            raise
        lines = queue.Queue()

        def pump():  # keep reading stderr so that the server never blocks on it
            for raw in self.proc.stderr:
                lines.put(raw.decode(errors="replace").rstrip("\n"))
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        self.url = None
        while self.url is None:
            try:
                line = lines.get(timeout=start_timeout)
            except queue.Empty:
                self.stop()
                raise YumaServerError("the yuma server did not start within {} s".format(start_timeout)) from None
            if line is None:
                code = self.stop()
                raise YumaServerError("the yuma server exited (code {}) before listening".format(code))
            m = re.search(r"listening on (http://\S+)", line)
            if m:
                self.url = m.group(1)

    def _remove_token(self):
        if self._token_file:
            os.unlink(self._token_file)
            self._token_file = None

    def stop(self, timeout=30):
        """SIGTERM: the server finishes in-flight requests and exits; returns its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()
        finally:
            self._remove_token()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class HttpClient:
    """POST /v1/epoch, POST /v1/epochs, GET /healthz and /metrics with urllib."""

    def __init__(self, url, token=None, timeout=120):
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if self.token is not None:
            req.add_header("Authorization", "Bearer " + self.token)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.read()
        except urllib.error.HTTPError as e:
            payload = e.read()
            try:
                error = json.loads(payload)["error"]
            except (ValueError, KeyError, TypeError):
                error = {"code": "http_{}".format(e.code), "message": payload.decode(errors="replace")}
            raise YumaError(error, status=e.code) from None

    def epoch(self, input_doc, trace=False):
        """The output document (a dict) of one epoch."""
        return json.loads(self._call("POST", "/v1/epoch", dict(input_doc, trace=trace)))

    def epochs(self, input_docs, trace=False):
        """The output documents of a batch, in input order (run on the server's pool)."""
        return json.loads(self._call("POST", "/v1/epochs", {"epochs": list(input_docs), "trace": trace}))["outputs"]

    def healthz(self):
        return json.loads(self._call("GET", "/healthz"))

    def metrics(self):
        return self._call("GET", "/metrics").decode()
