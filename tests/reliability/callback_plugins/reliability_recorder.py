# -*- coding: utf-8 -*-
# Test-only callback for tests/reliability: records every task result as one JSON line.
# Not shipped with the collection (lives under tests/, enabled only by the reliability harness).
from __future__ import annotations

DOCUMENTATION = r"""
name: reliability_recorder
type: aggregate
short_description: Record task results (and the emulator request log per task) as JSON lines
description:
  - Test harness only. Writes one JSON object per task result to the file named by
    C(RELIABILITY_RECORD_FILE). When C(RELIABILITY_EMULATOR_URL) is set, the emulator request log is
    cleared when a task starts and fetched (then cleared) when its result arrives, so each record
    carries exactly the HTTP requests made by that task (tasks run one host at a time in these runs).
requirements:
  - enabled via callbacks_enabled
"""

import json
import os
import ssl
import time
import urllib.request

from ansible.plugins.callback import CallbackBase


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "reliability_recorder"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._path = os.environ.get("RELIABILITY_RECORD_FILE")
        self._emu = os.environ.get("RELIABILITY_EMULATOR_URL", "").rstrip("/")
        self._starts = {}
        setup = os.environ.get("RELIABILITY_TASK_SETUP")
        self._setup = {}
        if setup and os.path.exists(setup):
            with open(setup, encoding="utf-8") as fh:
                self._setup = json.load(fh)

    # --- emulator control (test-only, 127.0.0.1) ---
    def _control(self, method, path, body=None):
        if not self._emu:
            return None
        ctx = ssl._create_unverified_context() if self._emu.startswith("https") else None
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self._emu + path, method=method, data=data,
                                     headers={"Content-Type": "application/json"} if data else {})
        try:
            with urllib.request.urlopen(req, timeout=10, context=ctx) as resp:
                body = resp.read()
            return json.loads(body) if body else None
        except Exception as exc:  # recorded, never fatal for the run under test
            return {"control_error": str(exc)}

    def _write(self, record):
        if not self._path:
            return
        with open(self._path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(_plain(record), ensure_ascii=True) + "\n")

    def v2_playbook_on_task_start(self, task, is_conditional):
        # Optional per-task scenario set-up (fault matrix): reset the emulator, then inject faults.
        setup = self._setup.get(task.get_name())
        if setup:
            if setup.get("reset", True):
                self._control("POST", "/_emulator/reset")
            for fault in setup.get("faults", []):
                self._control("POST", "/_emulator/faults", fault)
        if os.environ.get("RELIABILITY_PER_TASK_LOG") == "1":
            self._control("DELETE", "/_emulator/requests")

    def v2_runner_on_start(self, host, task):
        self._starts[(host.get_name(), task._uuid)] = time.monotonic()

    def _record(self, status, result):
        # ansible-core 2.19+ names them host/task/result; 2.16-2.18 only have _host/_task/_result.
        host = getattr(result, "host", None) or result._host
        task = getattr(result, "task", None) or result._task
        res = getattr(result, "result", None)
        if res is None:
            res = result._result
        key = (host.get_name(), task._uuid)
        started = self._starts.pop(key, None)
        record = {
            "status": status,
            "host": host.get_name(),
            "task": result.task_name,
            "action": task.action,
            "duration": (time.monotonic() - started) if started is not None else None,
            "result": res,
        }
        if os.environ.get("RELIABILITY_PER_TASK_LOG") == "1":
            record["requests"] = self._control("GET", "/_emulator/requests")
            self._control("DELETE", "/_emulator/requests")
        setup = self._setup.get(result.task_name)
        if setup:
            self._control("DELETE", "/_emulator/faults")
            record["stored"] = self._control("GET", "/_emulator/settings?tenant=Default")
            for part in setup.get("identity_partitions", []):
                record.setdefault("identity", {})[part] = self._control(
                    "GET", "/_emulator/identity-settings?partition=" + part)
        self._write(record)

    def v2_runner_on_ok(self, result):
        self._record("ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record("failed", result)

    def v2_runner_on_unreachable(self, result):
        self._record("unreachable", result)

    def v2_runner_on_skipped(self, result):
        self._record("skipped", result)
