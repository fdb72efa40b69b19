"""Starts `corroborate serve` for the integration tests and talks to it the way users do.

Each ServerProcess runs the real binary on 127.0.0.1 with a free port (--port 0, read back from
--port-file), a data directory of its own and test credentials, and is stopped with SIGTERM (then
SIGKILL if it hangs). Clients are the real ones: awscli through subprocess and boto3, both
configured only through their ordinary settings (credentials file, --endpoint-url). Everything
has a timeout, so a broken server fails a test instead of hanging it.
"""
import contextlib
import datetime
import http.client
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from unittest import mock

import boto3
import botocore.auth
import botocore.config
import botocore.credentials
from botocore.awsrequest import AWSRequest

BIN = os.environ.get("CORROBORATE_BIN") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "corroborate")
SOURCE_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ACCESS_KEY = "AKIACORROBORATETEST1"
SECRET_KEY = "test/secret/key/for/the/corroborate+server0"
OTHER_KEY = "AKIACORROBORATETEST2"
OTHER_SECRET = "another/secret/key/for/the/corroborate/srv"
BEARER = "bearer-token-for-tests-0123456789"
ACCOUNT = "111122223333"
REGION = "eu-west-1"
PRODUCT = f"arn:aws:securityhub:{REGION}:{ACCOUNT}:product/{ACCOUNT}/default"
TIMEOUT = float(os.environ.get("CORROBORATE_TEST_TIMEOUT", "60"))


def now_iso(offset_seconds=0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def finding(i, updated_at=None, **overrides):
    """A valid ASFF finding: Id test-<i>, on instance i-<i>, HIGH unless told otherwise."""
    f = {
        "SchemaVersion": "2018-10-08",
        "Id": f"test-finding-{i}",
        "ProductArn": PRODUCT,
        "GeneratorId": f"generator-{i % 3}",
        "AwsAccountId": ACCOUNT,
        "Types": ["Software and Configuration Checks/Vulnerabilities/CVE"],
        "CreatedAt": "2026-01-01T00:00:00Z",
        "UpdatedAt": updated_at or now_iso(),
        "Severity": {"Label": "HIGH"},
        "Title": f"Test finding {i}",
        "Description": f"A finding made by the integration tests ({i}).",
        "Resources": [{"Type": "AwsEc2Instance",
                       "Id": f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-{i:017x}"}],
    }
    f.update(overrides)
    return f


class QuietHTTPServer(http.server.ThreadingHTTPServer):
    """A threading HTTP server for fakes whose clients are killed or dropped on purpose: their
    connection resets are expected, not errors worth a traceback."""

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class JsonHandler(http.server.BaseHTTPRequestHandler):
    """The base of the local fakes' request handlers: HTTP/1.1 keep-alive, no log lines, and
    answer() for a JSON body (or bytes as they are, for a fake that sends a broken one)."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class LocalFake:
    """A fake AWS endpoint: `handler` served on a free port of 127.0.0.1 from a thread, until
    stop(). Fakes subclass it and call serve() once their state is set up."""

    def serve(self, handler):
        self.httpd = QuietHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MotoServer:
    """moto_server (moto's AWS emulator) on a free port of 127.0.0.1, stopped by stop()."""

    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("moto_server did not start")

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def client(self, service):
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION,
                            aws_access_key_id="AKIAMOTOFAKE", aws_secret_access_key="fake")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class ServerProcess:
    def __init__(self, *extra_args, data_dir=None, credentials=True, tokens=True, env=None,
                 keep_data=False):
        self.tmp = tempfile.mkdtemp(prefix="corroborate-server-test-")
        self.data_dir = data_dir or os.path.join(self.tmp, "data")
        self.keep_data = keep_data or data_dir is not None
        self.port_file = os.path.join(self.tmp, "port")
        self.creds_file = os.path.join(self.tmp, "credentials")
        with open(self.creds_file, "w") as f:
            f.write(f"[default]\naws_access_key_id = {ACCESS_KEY}\n"
                    f"aws_secret_access_key = {SECRET_KEY}\n"
                    f"principal = arn:aws:iam::{ACCOUNT}:user/alice\n"
                    f"[other]\naws_access_key_id = {OTHER_KEY}\n"
                    f"aws_secret_access_key = {OTHER_SECRET}\n")
        self.tokens_file = os.path.join(self.tmp, "tokens")
        with open(self.tokens_file, "w") as f:
            f.write(f"ci {BEARER}\n")
        args = [BIN, "--data-dir", self.data_dir, "serve", "--port", "0",
                "--port-file", self.port_file]
        if credentials:
            args += ["--credentials", self.creds_file]
        if tokens:
            args += ["--bearer-tokens", self.tokens_file]
        args += list(extra_args)
        self.args = args
        self.env = dict(os.environ, **(env or {}))
        self.stdout_path = os.path.join(self.tmp, "stdout")
        self.stderr_path = os.path.join(self.tmp, "stderr")
        self.proc = None
        self.port = None

    def start(self):
        if os.path.exists(self.port_file):
            os.remove(self.port_file)
        self.proc = subprocess.Popen(self.args, stdout=open(self.stdout_path, "ab"),
                                     stderr=open(self.stderr_path, "ab"), env=self.env)
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"corroborate serve exited with {self.proc.returncode}: "
                                   f"{self.stderr()}")
            if os.path.exists(self.port_file):
                text = open(self.port_file).read().strip()
                if text:
                    self.port = int(text)
                    return self
            time.sleep(0.05)
        self.kill()
        raise RuntimeError("corroborate serve did not start: " + self.stderr())

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def stderr(self):
        with open(self.stderr_path, errors="replace") as f:
            return f.read()

    def log_lines(self):
        lines = []
        for line in self.stderr().splitlines():
            with contextlib.suppress(ValueError):
                lines.append(json.loads(line))
        return lines

    def stop(self, sig=signal.SIGTERM, timeout=None):
        """Stops the server; returns its exit status."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout or TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("corroborate serve did not stop on SIGTERM")

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def cleanup(self):
        self.kill()
        if not self.keep_data:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        try:
            self.stop()
        finally:
            self.cleanup()

    # --- clients -----------------------------------------------------------------------------
    def client(self, access_key=ACCESS_KEY, secret_key=SECRET_KEY, validate=True, **config):
        config.setdefault("connect_timeout", 5)
        config.setdefault("read_timeout", TIMEOUT)
        config.setdefault("retries", {"mode": "standard", "max_attempts": 3})
        return boto3.session.Session().client(
            "securityhub", endpoint_url=self.endpoint, region_name=REGION,
            aws_access_key_id=access_key, aws_secret_access_key=secret_key,
            config=botocore.config.Config(parameter_validation=validate, **config))

    def aws(self, *args, check=True, stdin=None, max_attempts=3):
        """Runs `aws securityhub ARGS`; returns (exit status, parsed JSON stdout, stderr)."""
        env = dict(os.environ, AWS_SHARED_CREDENTIALS_FILE=self.creds_file,
                   AWS_CONFIG_FILE=os.devnull, AWS_DEFAULT_REGION=REGION, AWS_PAGER="",
                   AWS_MAX_ATTEMPTS=str(max_attempts), AWS_RETRY_MODE="standard")
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
            env.pop(k, None)
        cmd = ["aws", "securityhub", *args, "--endpoint-url", self.endpoint, "--output", "json"]
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=TIMEOUT,
                           input=stdin)
        if check and p.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed ({p.returncode}): {p.stderr}")
        out = json.loads(p.stdout) if p.stdout.strip() else None
        return p.returncode, out, p.stderr

    def raw(self, method, path, body=b"", headers=None, sign=True, access_key=ACCESS_KEY,
            secret_key=SECRET_KEY, when=None, service="securityhub"):
        """A hand-made request (for what real clients refuse to send), signed by botocore's
        SigV4 signer unless sign is False; `when` signs as of another time. Returns
        (status, headers, parsed body or text)."""
        if isinstance(body, str):
            body = body.encode()
        headers = dict(headers or {})
        url = self.endpoint + path
        request = AWSRequest(method=method, url=url, data=body, headers=headers)
        if sign:
            creds = botocore.credentials.Credentials(access_key, secret_key)
            signer = botocore.auth.SigV4Auth(creds, service, REGION)
            if when is None:
                signer.add_auth(request)
            else:
                with mock.patch("botocore.auth.get_current_datetime", return_value=when):
                    signer.add_auth(request)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            conn.request(method, path, body=body, headers=dict(request.headers.items()))
            resp = conn.getresponse()
            data = resp.read()
            hdrs = {k.lower(): v for k, v in resp.getheaders()}
        finally:
            conn.close()
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = data.decode(errors="replace")
        return resp.status, hdrs, parsed


class ServerTestCase(unittest.TestCase):
    """One server for the whole class (started in setUpClass), with extra args from ARGS."""
    ARGS = ()

    @classmethod
    def setUpClass(cls):
        cls.server = ServerProcess(*cls.ARGS).start()

    @classmethod
    def tearDownClass(cls):
        try:
            code = cls.server.stop()
            assert code == 0, f"corroborate serve exited with {code}: {cls.server.stderr()[-2000:]}"
        finally:
            cls.server.cleanup()

    def assertError(self, call, code, status=None):
        """`call` raises a botocore ClientError with this error code (and HTTP status)."""
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as ctx:
            call()
        err = ctx.exception.response
        self.assertEqual(err["Error"]["Code"], code, err)
        if status is not None:
            self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], status, err)
        self.assertTrue(err["Error"]["Message"], err)
        return err
