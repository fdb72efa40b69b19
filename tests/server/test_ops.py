"""Operations: /healthz, /metrics in Prometheus' text format, JSON logs with request ids, the
YAML config file, and a graceful shutdown on SIGTERM that loses no acknowledged write."""
import json
import os
import re
import signal
import threading
import time
import unittest

from botocore.exceptions import ClientError, EndpointConnectionError

from harness import (ACCESS_KEY, BEARER, SECRET_KEY, ServerProcess, ServerTestCase, TIMEOUT,
                     finding)

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})?'
                    r' [-+0-9.eEInfa]+$')


def parse_metrics(text):
    """Checks the exposition format line by line; returns {name{labels}: value}."""
    samples, typed = {}, set()
    for line in text.splitlines():
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            name, kind = line.split()[2:4]
            assert kind in ("counter", "gauge", "histogram"), line
            typed.add(name)
            continue
        assert SAMPLE.match(line), f"not a Prometheus sample: {line!r}"
        key, value = line.rsplit(" ", 1)
        base = key.split("{")[0]
        family = re.sub(r"_(bucket|sum|count)$", "", base)
        assert base in typed or family in typed, f"sample without # TYPE: {line}"
        samples[key] = float(value)
    return samples


class OpsTest(ServerTestCase):
    ARGS = ("--no-builtin-rules", "--rate-limit", "0", "--stats-interval", "1")

    def test_healthz(self):
        status, hdrs, body = self.server.raw("GET", "/healthz", sign=False)
        self.assertEqual((status, body), (200, {"status": "ok"}))
        self.assertIn("x-amzn-requestid", hdrs)

    def test_metrics(self):
        sh = self.server.client(validate=False)
        sh.batch_import_findings(Findings=[finding(1), finding(2), finding(3, Title="")])
        with self.assertRaises(ClientError):
            sh.get_findings(MaxResults=1000)
        time.sleep(1.5)  # the store gauges refresh every --stats-interval
        status, hdrs, text = self.server.raw("GET", "/metrics", sign=False)
        self.assertEqual(status, 200)
        self.assertTrue(hdrs["content-type"].startswith("text/plain; version=0.0.4"))
        m = parse_metrics(text)
        self.assertEqual(m['corroborate_findings_ingested_total{outcome="created"}'], 2)
        self.assertEqual(m['corroborate_findings_rejected_total{reason="InvalidInput"}'], 1)
        self.assertEqual(
            m['corroborate_http_requests_total{operation="BatchImportFindings",code="200"}'], 1)
        self.assertEqual(m['corroborate_http_requests_total{operation="GetFindings",code="400"}'], 1)
        self.assertEqual(
            m['corroborate_http_request_duration_seconds_count{operation="BatchImportFindings"}'], 1)
        self.assertIn('corroborate_http_request_duration_seconds_bucket{operation="GetFindings",'
                      'le="+Inf"}', m)
        self.assertEqual(m["corroborate_store_findings"], 2)
        self.assertGreater(m["process_resident_memory_bytes"], 0)
        self.assertGreaterEqual(m["corroborate_group_commit_findings_count"], 1)

    def test_logs_are_json_with_request_ids(self):
        status, hdrs, _ = self.server.raw("POST", "/findings", "{}",
                                          {"Content-Type": "application/json"})
        self.assertEqual(status, 200)
        rid = hdrs["x-amzn-requestid"]
        deadline = time.time() + 10
        while time.time() < deadline:
            lines = [l for l in self.server.log_lines() if l.get("request_id") == rid]
            if lines:
                break
            time.sleep(0.05)
        self.assertEqual(len(lines), 1)
        line = lines[0]
        self.assertEqual((line["level"], line["msg"], line["operation"], line["status"]),
                         ("info", "request", "GetFindings", 200))
        self.assertIn("duration_ms", line)
        self.assertTrue(line["principal"].endswith(":user/alice"))
        for raw in self.server.stderr().splitlines():
            json.loads(raw)  # every line is JSON
            self.assertNotIn(SECRET_KEY, raw)


class ConfigFileTest(unittest.TestCase):
    def test_yaml_sets_every_option_and_the_command_line_wins(self):
        probe = ServerProcess(credentials=False, tokens=False)
        config = os.path.join(probe.tmp, "corroborate.yaml")
        with open(config, "w") as f:
            f.write(f"""# corroborate serve configuration
listen: 127.0.0.1
port: 0
port-file: {probe.port_file}
credentials: {probe.creds_file}
bearer_tokens: {probe.tokens_file}
rate-limit: 0
no-builtin-rules: true
max-body-bytes: 2000
auth-service:
  - securityhub
  - execute-api
log-level: warn
""")
        probe.args = [probe.args[0], "--data-dir", probe.data_dir, "serve", "--config", config,
                      "--max-body-bytes", "3000"]
        with probe as server:
            status, _, body = server.raw("POST", "/findings", "{}",
                                         {"Content-Type": "application/json"})
            self.assertEqual(status, 200, body)
            status, _, body = server.raw("POST", "/findings", "{}",
                                         {"Content-Type": "application/json"},
                                         service="execute-api")
            self.assertEqual(status, 200, body)
            status, _, _ = server.raw("POST", "/findings", json.dumps({"x": "y" * 2500}),
                                      {"Content-Type": "application/json"})
            self.assertEqual(status, 200)  # 3000 from the command line, not 2000 from the file
            status, _, _ = server.raw("POST", "/findings", json.dumps({"x": "y" * 3500}),
                                      {"Content-Type": "application/json"})
            self.assertEqual(status, 413)
            # log-level warn: no access log lines.
            self.assertFalse([l for l in server.log_lines() if l.get("msg") == "request"])

    def test_a_bad_config_is_a_usage_error(self):
        probe = ServerProcess()
        config = os.path.join(probe.tmp, "bad.yaml")
        with open(config, "w") as f:
            f.write("no-such-option: 1\n")
        probe.args = [probe.args[0], "--data-dir", probe.data_dir, "serve", "--config", config]
        import subprocess
        p = subprocess.run(probe.args, capture_output=True, text=True, timeout=TIMEOUT)
        probe.cleanup()
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("no-such-option", p.stderr)

    def test_refuses_to_start_without_authentication(self):
        probe = ServerProcess(credentials=False, tokens=False)
        import subprocess
        p = subprocess.run(probe.args, capture_output=True, text=True, timeout=TIMEOUT)
        probe.cleanup()
        self.assertEqual(p.returncode, 2)
        self.assertIn("no way to authenticate", p.stderr)


class GracefulShutdownTest(unittest.TestCase):
    def test_sigterm_loses_no_acknowledged_write(self):
        server = ServerProcess("--no-builtin-rules", "--rate-limit", "0", keep_data=True).start()
        acknowledged, stop, errors = [], threading.Event(), []
        lock = threading.Lock()

        def writer(w):
            sh = server.client(retries={"mode": "standard", "max_attempts": 1})
            n = 0
            while not stop.is_set():
                batch = [finding(w * 100000 + n + i, Id=f"shutdown-{w}-{n + i}") for i in range(50)]
                n += 50
                try:
                    r = sh.batch_import_findings(Findings=batch)
                except (ClientError, EndpointConnectionError, Exception) as e:  # noqa: BLE001
                    errors.append(type(e).__name__)
                    return
                if r["SuccessCount"] == 50:
                    with lock:
                        acknowledged.extend(f["Id"] for f in batch)

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        self.assertEqual(server.stop(signal.SIGTERM), 0)
        stop.set()
        for t in threads:
            t.join(timeout=TIMEOUT)
        self.assertGreater(len(acknowledged), 0)
        lines = server.log_lines()
        self.assertTrue(any(l.get("msg") == "stopped" and l.get("unanswered") == 0 for l in lines))
        # Started again on the same data: every acknowledged finding is there.
        again = ServerProcess("--no-builtin-rules", "--rate-limit", "0",
                              data_dir=server.data_dir).start()
        try:
            sh = again.client()
            stored = set()
            for page in sh.get_paginator("get_findings").paginate(
                    Filters={"Id": [{"Value": "shutdown-", "Comparison": "PREFIX"}]}):
                stored.update(f["Id"] for f in page["Findings"])
            missing = set(acknowledged) - stored
            self.assertEqual(missing, set(), f"{len(missing)} acknowledged findings lost")
        finally:
            again.stop()
            again.cleanup()
            server.keep_data = False
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
