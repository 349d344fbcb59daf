"""A local stand-in for the Lambda Runtime API (2018-06-01) on 127.0.0.1, for running the real bootstrap outside Lambda.

The bootstrap takes events with GET /2018-06-01/runtime/invocation/next, which blocks until one is queued, as
Lambda's does, and answers with POST .../invocation/ID/response or .../invocation/ID/error (or .../init/error when it
cannot start). The C# tests use the same protocol (test/Ec2Isolation.TestSupport/LambdaRuntimeStandIn.cs).
"""
import json
import queue
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime/"
INIT = "init"


class RuntimeApi:
    def __init__(self, function_arn):
        """function_arn: what Lambda-Runtime-Invoked-Function-Arn says."""
        self._events = queue.Queue()
        self._outcomes = {}
        self._arrived = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self, function_arn))
        self._server.daemon_threads = True  # a /next still waiting must not hold up close()
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def endpoint(self):
        """host:port, the value for AWS_LAMBDA_RUNTIME_API."""
        return f"127.0.0.1:{self._server.server_address[1]}"

    def invoke(self, event, timeout_seconds=60):
        """Queues the event and waits for what the function posts: (is_error, body). None when it posted nothing in time."""
        request_id = str(uuid.uuid4())
        self._events.put((request_id, json.dumps(event), timeout_seconds))
        return self._wait(lambda: self._outcomes.get(request_id) or self._outcomes.get(INIT), timeout_seconds)

    def close(self):
        self._server.shutdown()
        self._server.server_close()

    def _record(self, key, is_error, body):
        with self._arrived:
            self._outcomes[key] = (is_error, body)
            self._arrived.notify_all()

    def _wait(self, outcome, timeout_seconds):
        with self._arrived:
            self._arrived.wait_for(outcome, timeout_seconds)
            return outcome()


def _handler(api, function_arn):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != PREFIX + "invocation/next":
                return self._answer(404, {"errorType": "NotFound"})
            request_id, body, timeout_seconds = api._events.get()
            self.send_response(200)
            self.send_header("Lambda-Runtime-Aws-Request-Id", request_id)
            self.send_header("Lambda-Runtime-Deadline-Ms", str(int((time.time() + timeout_seconds) * 1000)))
            self.send_header("Lambda-Runtime-Invoked-Function-Arn", function_arn)
            self.send_header("Lambda-Runtime-Trace-Id", f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=0")
            self._body(body)

        def do_POST(self):
            parts = self.path[len(PREFIX):].split("/") if self.path.startswith(PREFIX) else []
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            if len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                api._record(parts[1], parts[2] == "error", body)
            elif parts == ["init", "error"]:
                api._record(INIT, True, body)
            else:
                return self._answer(404, {"errorType": "NotFound"})
            self._answer(202, {"status": "OK"})

        def _answer(self, status, document):
            self.send_response(status)
            self._body(json.dumps(document))

        def _body(self, text):
            data = text.encode()
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):  # the quick start prints its own progress
            pass

    return Handler
