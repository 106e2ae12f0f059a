"""Build MailHog's Message JSON (mailhog/data message.go semantics).

Key order and names follow the Go structs (no JSON tags): Message{ID, From, To, Content, Created,
MIME, Raw}, Path{Relays, Mailbox, Domain, Params}, Content{Headers, Body, Size, MIME},
SMTPMessage{From, To, Data, Helo}, MIMEBody{Parts}. The top-level Content.MIME stays null and
Message.MIME carries the parts (as MailHog does); nested multiparts set the part's Content.MIME.
"""
from __future__ import annotations

import base64
import email.utils
import json
import os
import re
import time
from datetime import datetime, timezone
from email.message import Message as _EmailMessage
from typing import Any, Dict, List, Optional


def new_message_id(hostname: str) -> str:
    """32 random bytes, URL-safe base64 (with padding, like Go's URLEncoding), '@' hostname."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii") + "@" + hostname


def rfc3339_nano(ns: Optional[int] = None) -> str:
    """Go's time.Time JSON form (RFC3339Nano, trailing zeros trimmed), in UTC."""
    ns = time.time_ns() if ns is None else ns
    secs, frac = divmod(ns, 1_000_000_000)
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs))
    frac_s = f"{frac:09d}".rstrip("0")
    return base + ("." + frac_s if frac_s else "") + "Z"


def path_from_string(path: str) -> Dict[str, Any]:
    relays = None
    addr = path
    if ":" in path:
        r, addr = path.split(":", 1)
        relays = r.split(",")
    if "@" in addr:
        mailbox, domain = addr.split("@", 1)
    else:
        mailbox, domain = addr, ""
    return {"Relays": relays, "Mailbox": mailbox, "Domain": domain, "Params": ""}


def content_from_string(data: str) -> Dict[str, Any]:
    """Split at the first blank line; join folded lines; a repeated header keeps the last value."""
    size = len(data.encode("utf-8", "surrogateescape"))
    parts = data.split("\r\n\r\n", 1)
    headers: Dict[str, List[str]] = {}
    if len(parts) == 2:
        head, body = parts
        last = ""
        for line in head.split("\r\n"):
            if last and (line.startswith(" ") or line.startswith("\t")):
                headers[last][-1] = headers[last][-1] + line
            elif ": " in line:
                key, value = line.split(": ", 1)
                headers[key] = [value]
                last = key
        return {"Headers": headers, "Body": body, "Size": size, "MIME": None}
    return {"Headers": headers, "Body": parts[0], "Size": size, "MIME": None}


def _is_mime(content: Dict[str, Any]) -> bool:
    values = content["Headers"].get("Content-Type")
    return bool(values) and values[0].startswith("multipart/")


def _boundary(content_type: str) -> str:
    msg = _EmailMessage()
    msg["Content-Type"] = content_type
    try:
        return msg.get_param("boundary", "") or ""
    except Exception:  # pragma: no cover - malformed header
        return ""


def parse_mime_body(content: Dict[str, Any]) -> Dict[str, Any]:
    parts: Optional[List[Dict[str, Any]]] = None
    values = content["Headers"].get("Content-Type") or []
    if values:
        boundary = _boundary(values[0])
        chunks: List[str] = []
        if boundary:
            chunks = content["Body"].split("--" + boundary)[1:-1]
        for chunk in chunks:
            if chunk:
                part = content_from_string(chunk.strip("\r\n"))
                if _is_mime(part):
                    part["MIME"] = parse_mime_body(part)
                parts = (parts or []) + [part]
    return {"Parts": parts}


def build_message(hostname: str, helo: str, mail_from: str, rcpt_tos: List[str], data: bytes,
                  auth_user: Optional[str] = None, with_auth_user: bool = False) -> Dict[str, Any]:
    """data = DATA after dot-unstuffing, without the final CRLF before the lone dot."""
    text = data.decode("utf-8", "replace")
    msg_id = new_message_id(hostname)
    content = content_from_string(text)
    message: Dict[str, Any] = {
        "ID": msg_id,
        "From": path_from_string(mail_from),
        "To": [path_from_string(t) for t in rcpt_tos] or None,
        "Content": content,
        "Created": rfc3339_nano(),
        "MIME": parse_mime_body(content) if _is_mime(content) else None,
        "Raw": {"From": mail_from, "To": list(rcpt_tos), "Data": text, "Helo": helo},
    }
    headers = content["Headers"]
    lower = {k.lower(): k for k in headers}
    if "message-id" not in lower:
        headers["Message-ID"] = [msg_id]
    now = email.utils.format_datetime(datetime.now(timezone.utc).replace(microsecond=0))
    received = f"from {helo} by {hostname} (MailHog)\r\n          id {msg_id}; {now}"
    if "received" in lower:
        headers[lower["received"]].append(received)
    else:
        headers["Received"] = [received]
    if "return-path" in lower:
        headers[lower["return-path"]].append(f"<{mail_from}>")
    else:
        headers["Return-Path"] = [f"<{mail_from}>"]
    if with_auth_user:
        message["AuthUser"] = auth_user  # EXTENSION (--x-auth only)
    return message


def _sort_headers(obj: Any) -> Any:
    """Go marshals maps with sorted keys; structs keep field order."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if k == "Headers" and isinstance(v, dict):
                out[k] = {hk: v[hk] for hk in sorted(v)}
            else:
                out[k] = _sort_headers(v)
        return out
    if isinstance(obj, list):
        return [_sort_headers(x) for x in obj]
    return obj


_GO_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_GO_ESCAPE_RE = re.compile("[<>&\u2028\u2029]")


def go_json(obj: Any) -> bytes:
    """JSON bytes as Go's json.Marshal writes them (compact, HTML-escaped, raw UTF-8)."""
    text = json.dumps(_sort_headers(obj), ensure_ascii=False, separators=(",", ":"))
    return _GO_ESCAPE_RE.sub(lambda m: _GO_ESCAPES[m.group(0)], text).encode("utf-8")


def to_rfc822(message: Dict[str, Any]) -> bytes:
    """/download body: every header line, a blank line, then the raw body (api/v1.go download)."""
    content = message["Content"]
    out = []
    for name in sorted(content["Headers"]):
        for value in content["Headers"][name]:
            out.append(f"{name}: {value}\r\n")
    out.append("\r\n" + content["Body"])
    return "".join(out).encode("utf-8")
