"""Runs the baseline handler in-process, once per line on stdin ({"event": "<EventBridge event JSON>"}), and answers
one line per event: {"start_ns": CLOCK_MONOTONIC when the handler was handed the event, "result"|"error": ...}.
The first line it writes is {"ready_ns": ...}, once boto3 is imported and the client built (a warm container).
CLOCK_MONOTONIC is the clock .NET's Stopwatch reads on Linux, so the benchmark can subtract one from the other.
"""
import json
import sys
import time

import isolate


def main():
    print(json.dumps({"ready_ns": time.monotonic_ns()}), flush=True)
    for line in sys.stdin:
        raw = json.loads(line)["event"]
        start = time.monotonic_ns()
        try:
            reply = {"start_ns": start, "result": isolate.handler(json.loads(raw), None)}
        except Exception as error:  # the benchmark reports it and stops
            reply = {"start_ns": start, "error": repr(error)}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
