#!/usr/bin/env python3
"""Signs generated requests with botocore's own SigV4 signer and prints one JSON case per line.

tests/aws/sigv4_test.cc signs the same requests with src/aws/sigv4 and requires identical
Authorization headers. The requests are random but reproducible (--seed): methods, greedy and
plain path labels with characters that need encoding, dot and empty segments, query strings,
header values with stray whitespace, unsigned headers, bodies, session tokens, regions.
"""
import argparse
import datetime
import hashlib
import json
import random
import sys
from unittest import mock

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.utils import percent_encode

ALPHABET = "abcXYZ019-_.~ :/%+=&?#@!$'()*,;[]" + "éü中\u2603"


def rand_text(rng, lo, hi, alphabet=ALPHABET):
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(lo, hi)))


def rand_path(rng):
    segments = []
    for _ in range(rng.randint(0, 5)):
        kind = rng.random()
        if kind < 0.1:
            segments.append(rng.choice([".", "..", ""]))
        elif kind < 0.5:
            # A greedy label (like {InsightArn+}): '/' kept, the rest encoded once.
            segments.append(percent_encode(rand_text(rng, 1, 12), safe="/~"))
        else:
            segments.append(percent_encode(rand_text(rng, 1, 12), safe=""))
    path = "/" + "/".join(segments)
    if rng.random() < 0.2:
        path += "/"
    return path


def rand_query(rng):
    if rng.random() < 0.4:
        return ""
    pairs = []
    for _ in range(rng.randint(1, 4)):
        name = percent_encode(rand_text(rng, 1, 8), safe="")
        value = percent_encode(rand_text(rng, 0, 10), safe="")
        pairs.append(f"{name}={value}")
    return "&".join(pairs)


def rand_headers(rng, host):
    headers = [("Host", host)]
    if rng.random() < 0.8:
        headers.append(("Content-Type", rng.choice(["application/json", "text/plain; charset=UTF-8"])))
    for i in range(rng.randint(0, 4)):
        name = rng.choice(["X-Amz-Target", "x-amz-meta-%d" % i, "X-Custom-%d" % i, "amz-sdk-request",
                           "User-Agent", "X-Amzn-Trace-Id", "Expect", "Content-Length"])
        if any(n.lower() == name.lower() for n, _ in headers):
            continue
        value = rng.choice(["  padded   value  ", "a\tb", "attempt=1; max=3", "100-continue",
                            rand_text(rng, 0, 20, "abc XYZ 0123\t;=,")])
        headers.append((name, value))
    return headers


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    out = sys.stdout
    for i in range(args.count):
        method = rng.choice(["GET", "POST", "PATCH", "DELETE", "PUT"])
        port = rng.choice(["", ":8443", ":443", ":1234"])
        host = rng.choice(["127.0.0.1", "securityhub.eu-west-1.amazonaws.com", "localhost"]) + port
        scheme = rng.choice(["http", "https"])
        path = rand_path(rng)
        query = rand_query(rng)
        url = f"{scheme}://{host}{path}" + (f"?{query}" if query else "")
        body = bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 0, 1, 57, 1000])))
        headers = rand_headers(rng, host)
        token = rng.choice([None, None, "FwoGZXIvYXdzE" + rand_text(rng, 10, 40, "abcdef0123/+=")])
        creds = Credentials("AKIA" + "".join(rng.choice("ABCDEFGHIJ0123456789") for _ in range(16)),
                            rand_text(rng, 40, 40, "abcdefghijABCDEFGHIJ0123456789/+"), token)
        region = rng.choice(["us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1"])
        service = rng.choice(["securityhub", "iot", "execute-api"])
        when = datetime.datetime(2024, 1, 1) + datetime.timedelta(seconds=rng.randint(0, 10**8))
        request = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
        unsigned_headers = [[k, v] for k, v in request.headers.items()]
        with mock.patch("botocore.auth.get_current_datetime", return_value=when):
            SigV4Auth(creds, service, region).add_auth(request)
        signed = [[k, v] for k, v in request.headers.items() if k != "Authorization"]
        out.write(json.dumps({
            "case": i, "method": method, "path": path, "query": query,
            "headers_before": unsigned_headers, "headers_after": signed,
            "payload_sha256": hashlib.sha256(body).hexdigest(),
            "epoch": int(when.replace(tzinfo=datetime.timezone.utc).timestamp()),
            "access_key": creds.access_key, "secret_key": creds.secret_key,
            "token": token or "", "region": region, "service": service,
            "authorization": request.headers["Authorization"],
        }) + "\n")


if __name__ == "__main__":
    main()
