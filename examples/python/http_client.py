#!/usr/bin/env python3
"""Run every golden input through `yuma serve --http` and check the outputs against the expected files.

    npm ci                                  # builds dist/ (once)
    python3 examples/python/http_client.py  # [golden-dir] [--threads N] [--url URL --token T]

Standard library only. Without --url it starts the server itself on loopback (any free port,
a random bearer token in a temporary file), POSTs every input to /v1/epoch from a few threads
at once, sends them all again as one batch to /v1/epochs, checks that a wrong token gets 401,
reads /healthz and /metrics, and stops the server with SIGTERM (graceful: exit code 0).
Exit code 0 when every output equals its expected file.
"""

import sys

sys.dont_write_bytecode = True  # run from a clone: leave no __pycache__ behind

import argparse
import os
import secrets
import time
from concurrent.futures import ThreadPoolExecutor

from stdio_client import COMMAND, REPO, load_cases
from yuma_serve import HttpClient, HttpServer, YumaError


def check(client, cases, trace, clients):
    failed = 0

    def one(case):
        name, inp, expected = case
        try:
            return name, client.epoch(inp, trace=trace) == expected, None
        except YumaError as e:
            return name, False, e

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as ex:
        for name, ok, err in ex.map(one, cases):
            if not ok:
                print("FAIL {}: {}".format(name, err or "the output differs from the expected file"))
                failed += 1
    one_by_one = time.perf_counter() - t0

    t0 = time.perf_counter()
    outputs = client.epochs([inp for _, inp, _ in cases], trace=trace)
    batch = time.perf_counter() - t0
    for (name, _, expected), out in zip(cases, outputs):
        if out != expected:
            print("FAIL {} (batch): the output differs from the expected file".format(name))
            failed += 1
    return failed, one_by_one, batch


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("golden", nargs="?", default=os.path.join(REPO, "test", "fixtures", "golden", "edge"))
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--clients", type=int, default=4, help="concurrent requests (default 4)")
    ap.add_argument("--url", help="use a running server instead of starting one")
    ap.add_argument("--token", help="its bearer token (with --url)")
    args = ap.parse_args()
    cases = load_cases(args.golden)
    if not cases:
        sys.exit("no NAME.input.json files in {}".format(args.golden))
    trace = all("trace" in expected for _, _, expected in cases)

    if args.url:
        failed, t1, tb = check(HttpClient(args.url, token=args.token), cases, trace, args.clients)
        code = 0
    else:
        token = secrets.token_urlsafe(24)
        server = HttpServer(command=COMMAND, threads=args.threads, token=token)
        try:
            client = HttpClient(server.url, token=token)
            failed, t1, tb = check(client, cases, trace, args.clients)
            try:
                HttpClient(server.url, token="wrong").healthz()
                print("FAIL: a wrong token was accepted")
                failed += 1
            except YumaError as e:
                if e.status != 401:
                    print("FAIL: a wrong token got {} instead of 401".format(e.status))
                    failed += 1
            health = client.healthz()
            assert health["status"] == "ok", health
            metrics = client.metrics()
            served = sum(
                float(line.split()[-1])
                for line in metrics.splitlines()
                if line.startswith("yuma_serve_epochs_total{") and 'result="ok"' in line
            )
            print("http: {} epochs served, /healthz {}".format(int(served), health))
        finally:
            code = server.stop()

    total = 2 * len(cases)
    print(
        "http: {} of {} outputs equal the expected files ({} requests, {} at a time, in {:.0f} ms; one batch of {} in {:.0f} ms); server exit {}".format(
            total - failed, total, len(cases), args.clients, t1 * 1000, len(cases), tb * 1000, code
        )
    )
    sys.exit(0 if failed == 0 and code == 0 else 1)


if __name__ == "__main__":
    main()
