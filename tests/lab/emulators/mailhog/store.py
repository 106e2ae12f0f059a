"""Thread-safe in-memory storage (MailHog storage/memory.go semantics)."""
from __future__ import annotations

import threading
from typing import Any, Dict, List, Optional, Tuple

SEARCH_KINDS = ("from", "to", "containing")


def _newest_first(items: List[Dict[str, Any]], start: int, limit: int) -> List[Dict[str, Any]]:
    if not items or start > len(items):
        return []
    if start + limit > len(items):
        limit = len(items) - start
    top = len(items) - start - 1
    return [items[i] for i in range(top, top - limit, -1)]


def _matches(msg: Dict[str, Any], kind: str, query: str) -> bool:
    headers = msg["Content"]["Headers"]
    if kind == "to":
        if any(query in f"{t['Mailbox']}@{t['Domain']}".lower() for t in (msg["To"] or [])):
            return True
        return any(query in v.lower() for v in headers.get("To", []))
    if kind == "from":
        f = msg["From"]
        if query in f"{f['Mailbox']}@{f['Domain']}".lower():
            return True
        return any(query in v.lower() for v in headers.get("From", []))
    if kind == "containing":
        if query in msg["Content"]["Body"].lower():
            return True
        return any(query in v.lower() for values in headers.values() for v in values)
    return False


class MessageStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: List[Dict[str, Any]] = []  # oldest first, like MailHog's slice

    def add(self, message: Dict[str, Any]) -> str:
        with self._lock:
            self._messages.append(message)
        return message["ID"]

    def count(self) -> int:
        with self._lock:
            return len(self._messages)

    def list(self, start: int, limit: int) -> List[Dict[str, Any]]:
        with self._lock:
            return _newest_first(self._messages, start, limit)

    def search(self, kind: str, query: str, start: int, limit: int) -> Tuple[List[Dict[str, Any]], int]:
        query = query.lower()
        with self._lock:
            found = [m for m in self._messages if _matches(m, kind, query)]
        return _newest_first(found, start, limit), len(found)

    def get(self, msg_id: str) -> Optional[Dict[str, Any]]:
        with self._lock:
            for m in self._messages:
                if m["ID"] == msg_id:
                    return m
        return None

    def delete_one(self, msg_id: str) -> bool:
        with self._lock:
            for i, m in enumerate(self._messages):
                if m["ID"] == msg_id:
                    del self._messages[i]
                    return True
        return False

    def delete_all(self) -> None:
        with self._lock:
            self._messages = []
