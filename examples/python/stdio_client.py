#!/usr/bin/env python3
"""Run every golden input through `yuma serve --stdio` and check the outputs against the expected files.

    npm ci                                   # builds dist/ (once)
    python3 examples/python/stdio_client.py  # [golden-dir] [--threads N]

Standard library only. The server runs as a subprocess and stays warm: the requests are
pipelined (a writer thread sends them all while the main thread reads the replies, which come
back in request order), then the same inputs go once more as one batch request.
Exit code 0 when every output equals its expected file.
"""

import sys

sys.dont_write_bytecode = True  # run from a clone: leave no __pycache__ behind

import argparse
import glob
import json
import os
import threading
import time

from yuma_serve import Yuma, YumaError

# this repository's built CLI (run from a clone); an installed package would use Yuma() alone
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.path.join(REPO, "dist", "cli", "main.js")
COMMAND = [os.environ.get("NODE", "node"), CLI]


def load_cases(directory):
    cases = []
    for path in sorted(glob.glob(os.path.join(directory, "*.input.json"))):
        name = os.path.basename(path)[: -len(".input.json")]
        with open(path) as f:
            inp = json.load(f)
        with open(os.path.join(directory, name + ".expected.json")) as f:
            expected = json.load(f)
        cases.append((name, inp, expected))
    return cases


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("golden", nargs="?", default=os.path.join(REPO, "test", "fixtures", "golden", "edge"))
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    cases = load_cases(args.golden)
    if not cases:
        sys.exit("no NAME.input.json files in {}".format(args.golden))
    # the expected files hold the trace (raw I32F32 intermediates): ask for it
    trace = all("trace" in expected for _, _, expected in cases)

    failed = 0
    if not os.path.exists(CLI):
        sys.exit("{} is missing: run `npm ci` (or `npm run build`) in {}".format(CLI, REPO))
    with Yuma(command=COMMAND, threads=args.threads) as yuma:
        yuma.epoch(cases[0][1])  # the server is up and warm: time from here
        t0 = time.perf_counter()

        def send_all():
            for name, inp, _ in cases:
                yuma.send(dict(inp, id=name, trace=trace))

        writer = threading.Thread(target=send_all)
        writer.start()
        for name, _, expected in cases:
            reply = yuma.receive()
            if reply.get("id") != name:
                print("FAIL {}: got the reply for {!r}".format(name, reply.get("id")))
                failed += 1
            elif "error" in reply:
                print("FAIL {}: {}".format(name, YumaError(reply["error"])))
                failed += 1
            elif reply["output"] != expected:
                print("FAIL {}: the output differs from {}.expected.json".format(name, name))
                failed += 1
        writer.join()
        one_by_one = time.perf_counter() - t0

        t0 = time.perf_counter()
        outputs = yuma.epochs([inp for _, inp, _ in cases], trace=trace)
        batch = time.perf_counter() - t0
        for (name, _, expected), out in zip(cases, outputs):
            if out != expected:
                print("FAIL {} (batch): the output differs from {}.expected.json".format(name, name))
                failed += 1

        # errors are replies, never a dead server
        try:
            yuma.epoch({"format": "yuma-epoch/1", "kind": "input", "netuid": 1, "n": "six"})
            print("FAIL: a bad input was accepted")
            failed += 1
        except YumaError as e:
            assert e.code == "bad_input" and e.field == "n", e
        code = yuma.close()

    total = 2 * len(cases)
    print(
        "stdio: {} of {} outputs equal the expected files ({} pipelined in {:.0f} ms, one batch of {} in {:.0f} ms); server exit {}".format(
            total - failed, total, len(cases), one_by_one * 1000, len(cases), batch * 1000, code
        )
    )
    sys.exit(0 if failed == 0 and code == 0 else 1)


if __name__ == "__main__":
    main()
