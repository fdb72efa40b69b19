"""A local stand-in for the AWS Lambda Runtime API (2018-06-01), on 127.0.0.1 only.

It hands out the invocations queued with add() on GET /runtime/invocation/next, in order, with
the Lambda-Runtime-* headers, and records what the runtime posts to .../response, .../error and
/runtime/init/error. When the queue is empty, next answers 500 (as a broken Runtime API would),
which makes `corroborate lambda` exit: tests end the loop this way or with --max-invocations.
"""
import http.server
import json
import threading
import time

API = "/2018-06-01/runtime"


class FakeRuntimeApi:
    def __init__(self):
        self.queue = []
        self.posts = []  # (kind, request_id, headers, body) with kind response|error|init_error
        self.nexts = 0
        self.lock = threading.Lock()
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                if self.path != API + "/invocation/next":
                    return self.reply(404, {"errorMessage": "unknown path"})
                with fake.lock:
                    fake.nexts += 1
                    item = fake.queue.pop(0) if fake.queue else None
                if item is None:
                    return self.reply(500, {"errorMessage": "no more invocations"})
                body = item["payload"].encode()
                self.send_response(200)
                self.send_header("Lambda-Runtime-Aws-Request-Id", item["request_id"])
                self.send_header("Lambda-Runtime-Deadline-Ms", str(item["deadline_ms"]))
                self.send_header("Lambda-Runtime-Invoked-Function-Arn", item["function_arn"])
                if item["trace_id"]:
                    self.send_header("Lambda-Runtime-Trace-Id", item["trace_id"])
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode()
                headers = {k.lower(): v for k, v in self.headers.items()}
                if self.path == API + "/init/error":
                    record = ("init_error", None, headers, body)
                else:
                    prefix = API + "/invocation/"
                    rest = self.path[len(prefix):] if self.path.startswith(prefix) else ""
                    request_id, _, kind = rest.rpartition("/")
                    if not request_id or kind not in ("response", "error"):
                        return self.reply(404, {"errorMessage": "unknown path"})
                    record = (kind, request_id, headers, body)
                with fake.lock:
                    fake.posts.append(record)
                self.reply(202, {"status": "OK"})

            def reply(self, status, document):
                body = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def add(self, payload, request_id, deadline_in_ms=60_000, trace_id="",
            function_arn="arn:aws:lambda:eu-west-1:111122223333:function:corroborate"):
        if not isinstance(payload, str):
            payload = json.dumps(payload)
        with self.lock:
            self.queue.append({"payload": payload, "request_id": request_id,
                               "deadline_ms": int(time.time() * 1000) + deadline_in_ms,
                               "trace_id": trace_id, "function_arn": function_arn})

    def result(self, request_id):
        """(kind, parsed body, headers) of what was posted for the request, or None."""
        with self.lock:
            for kind, rid, headers, body in self.posts:
                if rid == request_id:
                    return kind, json.loads(body), headers
        return None

    def init_errors(self):
        with self.lock:
            return [(json.loads(body), headers) for kind, _, headers, body in self.posts
                    if kind == "init_error"]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
