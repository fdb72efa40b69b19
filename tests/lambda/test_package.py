"""deploy/package.sh, without AWS: the zip has an executable `bootstrap` at its root, the binary
and a lib/ that resolves every library the binary loads; unpacked as Lambda unpacks it, its
bootstrap serves an invocation from a local Runtime API and stores the event."""
import json
import os
import shutil
import stat
import subprocess
import tempfile
import unittest
import zipfile

from fake_runtime_api import FakeRuntimeApi
from test_runtime import BIN, NOW, SOURCE_DIR, TIMEOUT, finding, imported_event


class PackageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="corroborate-package-test-")
        cls.zip = os.path.join(cls.tmp, "out", "package.zip")
        cls.run_result = subprocess.run(
            ["bash", os.path.join(SOURCE_DIR, "deploy", "package.sh"), "--binary", BIN,
             "--output", cls.zip], capture_output=True, text=True, timeout=TIMEOUT)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.assertEqual(self.run_result.returncode, 0, self.run_result.stderr)

    def test_the_zip_has_an_executable_bootstrap_at_its_root(self):
        with zipfile.ZipFile(self.zip) as z:
            entries = {i.filename: i for i in z.infolist()}
            self.assertIn("bootstrap", entries)
            self.assertIn("corroborate", entries)
            for name in ("bootstrap", "corroborate"):
                mode = entries[name].external_attr >> 16
                self.assertTrue(stat.S_ISREG(mode), name)
                self.assertEqual(mode & 0o111, 0o111, f"{name} is not executable: {oct(mode)}")
            self.assertTrue(z.read("bootstrap").startswith(b"#!/bin/sh\n"))
            loaders = [n for n in entries if n.startswith("lib/ld-linux-")]
            self.assertEqual(len(loaders), 1, sorted(entries))
            self.assertIn("lib/libc.so.6", entries)

    def unpack(self):
        root = tempfile.mkdtemp(dir=self.tmp)
        subprocess.run(["unzip", "-q", self.zip, "-d", root], check=True, timeout=TIMEOUT)
        return root

    def test_every_library_resolves_inside_the_package(self):
        root = self.unpack()
        loader = [n for n in os.listdir(os.path.join(root, "lib")) if n.startswith("ld-linux-")][0]
        out = subprocess.run([os.path.join(root, "lib", loader), "--library-path",
                              os.path.join(root, "lib"), "--list",
                              os.path.join(root, "corroborate")],
                             capture_output=True, text=True, timeout=TIMEOUT, check=True).stdout
        resolved = [line.split("=>")[1].split("(")[0].strip() for line in out.splitlines()
                    if "=>" in line]
        self.assertGreater(len(resolved), 5)
        for path in resolved:
            self.assertTrue(path.startswith(os.path.join(root, "lib") + "/"), path)

    def test_the_unpacked_bootstrap_serves_an_invocation(self):
        root = self.unpack()
        api = FakeRuntimeApi()
        try:
            api.add(imported_event([finding("from-the-package")]), "r-1")
            data = os.path.join(self.tmp, "data")
            # As Lambda starts it: from the task root, with a minimal environment.
            env = {"PATH": "/usr/bin:/bin", "LAMBDA_TASK_ROOT": root,
                   "AWS_LAMBDA_RUNTIME_API": api.address, "CORROBORATE_DATA_DIR": data,
                   "LD_LIBRARY_PATH": "/nonexistent"}
            p = subprocess.run([os.path.join(root, "bootstrap")], env=env, cwd=root,
                               capture_output=True, text=True, timeout=TIMEOUT)
            # The fake answers the second next with 500: the runtime exits as it should then.
            self.assertEqual(p.returncode, 3, p.stderr)
            result = api.result("r-1")
            self.assertIsNotNone(result, p.stderr)
            self.assertEqual(result[0], "response", result)
            self.assertEqual(result[1]["SuccessCount"], 1)
        finally:
            api.close()
        out = subprocess.run([BIN, "--data-dir", data, "--now", NOW, "findings", "-o", "ndjson"],
                             capture_output=True, text=True, timeout=TIMEOUT, check=True).stdout
        self.assertEqual([json.loads(l)["Id"] for l in out.splitlines()], ["from-the-package"])


if __name__ == "__main__":
    unittest.main()
