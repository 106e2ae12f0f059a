"""Jim, MailHog's chaos monkey (MailHog docs/JIM.md, MailHog-Server monkey/jim.go), made deterministic for tests.

An event fires when rng.random() < chance, so a chance of 1 always fires and 0 never does; the
RNG is seeded (MHX_JIM_SEED, default 0) so intermediate rates repeat run to run for the same
sequence of connections. Link-speed throttling is accepted and stored but not applied.
"""
from __future__ import annotations

import os
import random
import threading
from typing import Any, Dict, Optional

KEYS = ("DisconnectChance", "AcceptChance", "LinkSpeedAffect", "LinkSpeedMin", "LinkSpeedMax",
        "RejectSenderChance", "RejectRecipientChance", "RejectAuthChance")


class Jim:
    def __init__(self, values: Dict[str, float], rng: random.Random, lock: threading.Lock) -> None:
        self.values = {k: float(values.get(k, 0) or 0) for k in KEYS}
        self._rng = rng
        self._lock = lock

    def _fires(self, key: str) -> bool:
        with self._lock:
            return self._rng.random() < self.values[key]

    def accept(self) -> bool:
        return self._fires("AcceptChance")

    def disconnect(self) -> bool:
        return self._fires("DisconnectChance")

    def reject_sender(self) -> bool:
        return self._fires("RejectSenderChance")

    def reject_recipient(self) -> bool:
        return self._fires("RejectRecipientChance")

    def reject_auth(self) -> bool:
        return self._fires("RejectAuthChance")

    def to_json(self) -> Dict[str, Any]:
        # Go marshals float64 0 as 0 and 0.5 as 0.5; keep ints where exact for the same look
        return {k: (int(v) if float(v).is_integer() else v) for k, v in self.values.items()}


class JimHolder:
    """The current Jim (or None), swapped atomically by the API; sessions snapshot it on connect."""

    def __init__(self, defaults: Dict[str, float], invite: bool, seed: Optional[int] = None) -> None:
        self.defaults = dict(defaults)
        seed = int(os.environ.get("MHX_JIM_SEED", "0")) if seed is None else seed
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self._lock = threading.Lock()
        self._jim: Optional[Jim] = self._make(self.defaults) if invite else None

    def _make(self, values: Dict[str, float]) -> Jim:
        return Jim(values, self._rng, self._rng_lock)

    def current(self) -> Optional[Jim]:
        with self._lock:
            return self._jim

    def create(self, body: Optional[Dict[str, Any]]) -> bool:
        """POST: False if Jim is already there (400). A missing/invalid body means the flag defaults."""
        with self._lock:
            if self._jim is not None:
                return False
            self._jim = self._make(body if body is not None else self.defaults)
            return True

    def update(self, body: Dict[str, Any]) -> None:
        with self._lock:
            self._jim = self._make(body)

    def delete(self) -> bool:
        with self._lock:
            if self._jim is None:
                return False
            self._jim = None
            return True
