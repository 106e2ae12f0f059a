"""python3 -m emulators.orchestrator -- Orchestrator Settings API emulator (test infrastructure)."""
import argparse
import json
import os
import signal
import ssl
import sys
import threading

from . import profiles
from .control_api import parse_fault
from .server import EmulatorServer
from .state import DEFAULT_SEED_PATH, State

# Automation Cloud Identity API limits per organization per 5 minutes (UiPath "API rate limits for Identity
# Server"): GET 300, PUT/PATCH/DELETE 160, POST 24000.
CLOUD_RATE_LIMITS = {"window": 300.0, "GET": 300, "WRITE": 160, "POST": 24000}


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m emulators.orchestrator",
                                description="UiPath Orchestrator Settings API emulator (TEST INFRASTRUCTURE, "
                                            "not Orchestrator).")
    p.add_argument("--bind", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8180, help="port (default 8180; 0 = any free port)")
    p.add_argument("--profile", choices=profiles.NAMES, default="2020.10",
                   help="2020.10: classic API only; 2021.10 ... 2025.10: classic + Identity API (standalone URL "
                        "layout); automation-suite / cloud: /{org}/{tenant}/orchestrator_, /{org}/identity_ "
                        "(README: Profiles)")
    p.add_argument("--api-version", type=int, default=None,
                   help="override the profile's Orchestrator Web API version (DeleteBulk needs 15+)")
    p.add_argument("--client-token-prt-id", choices=("auto", "yes", "no"), default="auto",
                   help="put the organization id (claim prt_id) into client-credentials tokens; auto = yes on "
                        "automation-suite and cloud, no on standalone profiles")
    p.add_argument("--rate-limit", choices=("off", "on"), default="off",
                   help="Identity API rate limits per organization (Automation Cloud numbers unless lowered)")
    p.add_argument("--rate-limit-window", type=float, default=None, help="window in seconds (default 300)")
    p.add_argument("--rate-limit-get", type=int, default=None, help="GET requests per window (default 300)")
    p.add_argument("--rate-limit-write", type=int, default=None,
                   help="PUT/PATCH/DELETE requests per window (default 160)")
    p.add_argument("--rate-limit-post", type=int, default=None, help="POST requests per window (default 24000)")
    p.add_argument("--rate-limit-retry-after", type=int, default=None,
                   help="send Retry-After: N with 429 (UiPath documents none; default: no header)")
    p.add_argument("--fault", action="append", default=[], metavar="JSON",
                   help="a fault like POST /_emulator/faults takes, installed at start and after every reset "
                        "(repeatable), e.g. '{\"endpoint\":\"identity.settings.put\",\"action\":\"conflict\",\"times\":1}'")
    p.add_argument("--seed", default=DEFAULT_SEED_PATH, help="seed JSON (default: the shipped default_seed.json)")
    p.add_argument("--state", default=None, help="JSON file to persist settings across restarts")
    p.add_argument("--tls-cert", default=None, help="PEM certificate (serve HTTPS)")
    p.add_argument("--tls-key", default=None, help="PEM private key for --tls-cert")
    p.add_argument("--token-ttl", type=float, default=3600, help="token lifetime in seconds (default 3600)")
    p.add_argument("--smtp-ca-file", default=os.environ.get("ORCH_EMU_SMTP_CA_FILE") or None,
                   help="extra PEM CA bundle trusted for STARTTLS to the SMTP server "
                        "(env ORCH_EMU_SMTP_CA_FILE); the system trust store is always used")
    p.add_argument("--smtp-timeout", type=float, default=30.0,
                   help="max SMTP connect/IO timeout in seconds for test mails (default 30)")
    p.add_argument("--exit-with-stdin", action="store_true",
                   help="stop when standard input closes, so a test harness that dies takes the emulator with it")
    p.add_argument("--fault-seed", type=int, default=0, help="seed of the RNG behind rate-based faults")
    args = p.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        p.error("--tls-cert and --tls-key go together")
    args.rate_limits = None
    if args.rate_limit == "on":
        limits = dict(CLOUD_RATE_LIMITS)
        for key, value in (("window", args.rate_limit_window), ("GET", args.rate_limit_get),
                           ("WRITE", args.rate_limit_write), ("POST", args.rate_limit_post)):
            if value is not None:
                if value <= 0:
                    p.error("rate limits and the window must be positive")
                limits[key] = value
        limits["retry_after"] = args.rate_limit_retry_after
        args.rate_limits = limits
    args.faults = []
    for raw in args.fault:
        try:
            spec = json.loads(raw)
        except ValueError:
            p.error("--fault: not JSON: %s" % raw)
        fault, problem = parse_fault(spec)
        if problem:
            p.error("--fault: %s" % problem)
        args.faults.append(fault)
    return args


def main(argv=None):
    args = parse_args(argv)
    state = State(seed_path=args.seed, state_path=args.state, token_ttl=args.token_ttl, profile=args.profile,
                  fault_seed=args.fault_seed, client_token_prt_id=args.client_token_prt_id,
                  rate_limits=args.rate_limits, startup_faults=args.faults,
                  api_version=args.api_version)
    ctx = None
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
    server = EmulatorServer((args.bind, args.port), state, tls_context=ctx, smtp_ca_file=args.smtp_ca_file,
                            smtp_timeout=args.smtp_timeout)
    host = args.bind
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    if ":" in host:
        host = "[%s]" % host
    url = "%s://%s:%d" % (server.scheme, host, server.server_address[1])

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    if args.exit_with_stdin:
        # A daemon thread blocks on stdin; at EOF (the parent is gone) it stops the server.
        # (os.read, not sys.stdin: a daemon thread inside a buffered read aborts the interpreter at exit)
        def watch_stdin():
            while os.read(0, 4096):
                pass
            stop(None, None)

        threading.Thread(target=watch_stdin, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sys.stdout.write("orchestrator-emulator ready %s\n" % url)
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
