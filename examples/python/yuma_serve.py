"""Minimal clients for `yuma serve` (standard library only, Python 3.8+).

    from yuma_serve import StdioClient, HttpServer, HttpClient

    with StdioClient() as yuma:                       # runs `node dist/cli/main.js serve --stdio`
        out = yuma.epoch(input_doc, trace=True)       # one yuma-epoch/1 input (a dict) -> output dict
        outs = yuma.epochs([doc1, doc2])              # a batch, run on the worker pool

    with HttpServer(token="s3cret") as server:        # runs `serve --http --port 0`, reads the port
        client = HttpClient(server.url, token="s3cret")
        out = client.epoch(input_doc)

A server error reply ({"id", "error": {"code", "message", "field"}}) raises YumaError.
u64 amounts stay decimal strings, as in the yuma-epoch/1 format.
"""

import json
import os
import queue
import re
import signal
import subprocess
import tempfile
import threading
import urllib.error
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.path.join(REPO, "dist", "cli", "main.js")
NODE = os.environ.get("NODE", "node")


class YumaError(Exception):
    """An error reply: .code, .message, .field (the JSON path of the bad value), .status (HTTP)."""

    def __init__(self, error, status=None):
        self.code = error.get("code")
        self.message = error.get("message")
        self.field = error.get("field", "")
        self.status = status
        where = " at " + self.field if self.field else ""
        super().__init__("{}{}: {}".format(self.code, where, self.message))


def _check_built():
    if not os.path.exists(CLI):
        raise SystemExit("{} is missing: run `npm ci` (or `npm run build`) in {}".format(CLI, REPO))


class StdioClient:
    """`yuma serve --stdio` as a subprocess: one JSON line per request, replies in order.

    request()/epoch()/epochs() send one request and wait for its reply. To keep the pool busy,
    pipeline: send() many requests (from one thread), then receive() the replies in order.
    """

    def __init__(self, threads=None, extra_args=()):
        _check_built()
        args = [NODE, CLI, "serve", "--stdio", "--quiet"]
        if threads is not None:
            args += ["--threads", str(threads)]
        self.proc = subprocess.Popen(
            args + list(extra_args), stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=REPO
        )
        self._next_id = 0

    def send(self, request):
        """Writes one request (a dict) as a JSON line; returns its id (set here when absent)."""
        if "id" not in request:
            self._next_id += 1
            request = dict(request, id=self._next_id)
        self.proc.stdin.write(json.dumps(request, separators=(",", ":")).encode() + b"\n")
        self.proc.stdin.flush()
        return request["id"]

    def receive(self):
        """The next reply (a dict), in request order; raises EOFError if the server is gone."""
        line = self.proc.stdout.readline()
        if not line:
            raise EOFError("the yuma server closed its output (exit code {})".format(self.proc.poll()))
        return json.loads(line)

    def request(self, request):
        sent = self.send(request)
        reply = self.receive()
        if reply.get("id") != sent:
            raise RuntimeError("reply id {!r} for request {!r}".format(reply.get("id"), sent))
        if "error" in reply:
            raise YumaError(reply["error"])
        return reply

    def epoch(self, input_doc, trace=False):
        return self.request(dict(input_doc, trace=trace))["output"]

    def epochs(self, input_docs, trace=False):
        return self.request({"epochs": list(input_docs), "trace": trace})["outputs"]

    def close(self, timeout=30):
        """End of input: the server finishes what it has read, then exits."""
        if self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()
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


class HttpServer:
    """`yuma serve --http --port 0` as a subprocess on loopback; .url once it listens."""

    def __init__(self, threads=None, token=None, extra_args=(), start_timeout=60):
        _check_built()
        args = [NODE, CLI, "serve", "--http", "--host", "127.0.0.1", "--port", "0"]
        if threads is not None:
            args += ["--threads", str(threads)]
        self._token_file = None
        if token is not None:
            fd, self._token_file = tempfile.mkstemp(prefix="yuma-token-")
            with os.fdopen(fd, "w") as f:
                f.write(token + "\n")
            args += ["--token-file", self._token_file]
        self.proc = subprocess.Popen(args + list(extra_args), stderr=subprocess.PIPE, cwd=REPO)
        lines = queue.Queue()

        def pump():  # keep reading stderr so the server never blocks on it
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
                raise RuntimeError("the yuma server did not start within {} s".format(start_timeout))
            if line is None:
                raise RuntimeError("the yuma server exited (code {}) before listening".format(self.proc.wait()))
            m = re.search(r"listening on (http://\S+)", line)
            if m:
                self.url = m.group(1)

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
            if self._token_file:
                os.unlink(self._token_file)
                self._token_file = None

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
