"""`python3 -m emulators.mailhog`: start SMTP + HTTP listeners, print the ready line, stop on SIGTERM."""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
from typing import List, Optional

from . import config as config_mod
from .api import App, start_http
from .jim import JimHolder
from .smtp_server import start_smtp
from .store import MessageStore


def _fmt(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


async def _run(cfg: config_mod.Config) -> int:
    loop = asyncio.get_running_loop()
    store = MessageStore()
    jims = JimHolder(cfg.jim_defaults, cfg.invite_jim)
    smtp = await start_smtp(cfg, store, jims, loop)
    smtp_host, smtp_port = smtp.sockets[0].getsockname()[:2]

    http_servers = []
    api_srv, _ = start_http(cfg.api_addr, App(store, jims, serve_api=True, serve_ui=cfg.shared_ui))
    http_servers.append(api_srv)
    if not cfg.shared_ui:
        ui_srv, _ = start_http(cfg.ui_addr, App(store, jims, serve_api=False, serve_ui=True))
        http_servers.append(ui_srv)
    api_host, api_port = api_srv.server_address[:2]

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # pragma: no cover
            pass
    if cfg.exit_with_stdin:
        # A daemon thread blocks on stdin; at EOF (the parent is gone) it stops the loop.
        # (os.read, not sys.stdin: a daemon thread inside a buffered read aborts the interpreter at exit)
        def watch_stdin() -> None:
            while os.read(0, 4096):
                pass
            loop.call_soon_threadsafe(stop.set)

        threading.Thread(target=watch_stdin, daemon=True).start()
    for warning in cfg.warnings:
        print(f"mailhog-catcher: warning: {warning}", file=sys.stderr, flush=True)
    print(f"mailhog-catcher ready smtp={_fmt(smtp_host, smtp_port)} api=http://{_fmt(api_host, api_port)}",
          flush=True)
    await stop.wait()

    smtp.close()
    for srv in http_servers:
        srv.shutdown()
        srv.server_close()
    try:
        await asyncio.wait_for(smtp.wait_closed(), timeout=2)
    except (asyncio.TimeoutError, Exception):
        pass
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    try:
        cfg = config_mod.load(argv)
    except config_mod.ConfigError as exc:
        print(f"mailhog-catcher: {exc}", file=sys.stderr)
        return 2
    return asyncio.run(_run(cfg))


if __name__ == "__main__":
    sys.exit(main())
