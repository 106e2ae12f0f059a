"""python3 -m emulators.orchestrator -- Orchestrator Settings API emulator (test infrastructure)."""
import argparse
import os
import signal
import ssl
import sys
import threading

from .server import EmulatorServer
from .state import DEFAULT_SEED_PATH, State


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m emulators.orchestrator",
                                description="UiPath Orchestrator Settings API emulator (TEST INFRASTRUCTURE, "
                                            "not Orchestrator).")
    p.add_argument("--bind", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8180, help="port (default 8180; 0 = any free port)")
    p.add_argument("--profile", choices=("2020.10", "2023.10"), default="2020.10",
                   help="2020.10: classic API only; 2023.10: Identity API too")
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
    p.add_argument("--fault-seed", type=int, default=0, help="seed of the RNG behind rate-based faults")
    args = p.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        p.error("--tls-cert and --tls-key go together")
    return args


def main(argv=None):
    args = parse_args(argv)
    state = State(seed_path=args.seed, state_path=args.state, token_ttl=args.token_ttl, profile=args.profile,
                  fault_seed=args.fault_seed)
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
