"""moto's AWS emulator served one request at a time, on 127.0.0.1.

Real DynamoDB applies each request atomically (a condition is checked and the write made as one
step, an ADD on a counter never loses an increment); moto_server answers requests on threads
without a lock, so two of them can interleave and break exactly what the concurrency tests check.
Serving them one after another gives the atomicity DynamoDB guarantees.

Usage: serial_moto.py PORT"""
import sys

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

run_simple("127.0.0.1", int(sys.argv[1]), DomainDispatcherApplication(create_backend_app),
           threaded=False, use_reloader=False)
