# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Internal (not a public API of the collection): the error type of server and network failures, one-line
messages, and reading error bodies (ABP envelope, OData, ASP.NET Core problem details, OAuth) and JSON answers
without ever raising ``RecursionError`` (see docs/HTTP_CLIENT.md)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._secrets import scrub


class OrchestratorError(Exception):
    """A handled failure; ``str()`` is one readable line without secrets.

    ``status`` is the HTTP status (None for network errors and exhausted retries), ``body`` the (scrubbed)
    answer, ``detail`` the part of the message after the description of the call, ``login_failed`` is true
    when the login itself (ROPC or OAuth token request) failed.
    """

    def __init__(self, msg, status=None, body=None, detail=None, login_failed=False):
        super(OrchestratorError, self).__init__(msg)
        self.msg = msg
        self.status = status
        self.body = body
        self.detail = detail if detail is not None else msg
        self.login_failed = login_failed


def clean(text, secrets, limit=1000):
    """Scrub, make one line, scrub again (whitespace folded) and only then shorten: no part of a secret
    survives a cut."""
    text = scrub(text, secrets)
    text = scrub(re.sub(r'\s+', ' ', text).strip(), secrets)
    return one_line(text, limit)


def error(msg, secrets, status=None, body=None, detail=None, login_failed=False):
    """An :class:`OrchestratorError` whose message, detail and body are scrubbed of ``secrets``."""
    if isinstance(body, bytes):
        body = scrub(to_text(body, errors='surrogate_or_replace'), secrets).encode('utf-8', 'surrogateescape')
    elif body is not None:
        body = scrub(body, secrets)
    return OrchestratorError(clean(msg, secrets), status=status, body=body,
                             detail=clean(detail, secrets) if detail is not None else None,
                             login_failed=login_failed)


def one_line(text, limit=600):
    text = re.sub(r'\s+', ' ', to_text(text or '', errors='surrogate_or_replace')).strip()
    if len(text) > limit:
        text = text[:limit - 3] + '...'
    return text


def _join(parts):
    out = []
    for part in parts:
        part = one_line(part) if part else ''
        if part and part not in out:
            out.append(part)
    res = []
    for idx, part in enumerate(out):
        if idx < len(out) - 1 and not part.endswith(('.', '!', '?', ':', ';')):
            part += '.'
        res.append(part)
    return ' '.join(res)


def _validation_errors(items):
    res = []
    if isinstance(items, list):
        for item in items:
            if isinstance(item, dict):
                # ABP {message, members}; ASP.NET Identity {code, description}
                msg = item.get('message') or item.get('Message') or item.get('description') or \
                    item.get('Description') or item.get('code') or item.get('Code') or ''
                members = item.get('members') or item.get('Members') or []
                if members:
                    res.append('%s (%s)' % (msg, ', '.join(to_text(m) for m in members)) if msg else ', '.join(
                        to_text(m) for m in members))
                elif msg:
                    res.append(to_text(msg))
            elif item:
                res.append(to_text(item))
    return '; '.join(res)


def _errors_dict(errors):
    res = []
    if isinstance(errors, dict):
        for field, msgs in errors.items():
            if isinstance(msgs, list):
                msgs = ' '.join(to_text(m) for m in msgs)
            res.append('%s: %s' % (field, msgs) if field else to_text(msgs))
    elif isinstance(errors, list):
        res.append(_validation_errors(errors))
    return '; '.join(x for x in res if x)


class NestedTooDeeply(ValueError):
    """JSON nested deeper than the parser can follow (a ValueError, never a RecursionError)."""


def loads(text):
    """``json.loads`` that raises ValueError (:class:`NestedTooDeeply` for a too deep nesting), never
    ``RecursionError`` or anything else, whatever the server sent."""
    try:
        return json.loads(text)
    except RecursionError:
        raise NestedTooDeeply('JSON nested too deeply')
    except (TypeError, UnicodeError) as exc:
        raise ValueError(str(exc))


def format_error_body(body):
    """Turn an error response body (bytes, text or parsed JSON) into one readable line ('' if nothing useful)."""
    try:
        return _format_error_body(body)
    except RecursionError:  # a pathologically nested answer: say so instead of crashing
        return 'the answer is nested too deeply to be read'


def _format_error_body(body):
    data = body
    if isinstance(body, bytes):
        body = to_text(body, errors='surrogate_or_replace')
    if isinstance(body, str):
        stripped = body.strip()
        if not stripped:
            return ''
        try:
            data = loads(stripped)
        except ValueError:
            if stripped.startswith('<'):
                title = re.search(r'<title[^>]*>(.*?)</title>', stripped, re.I | re.S)
                if title:
                    return one_line(title.group(1), 300)
                return one_line(re.sub(r'<[^>]+>', ' ', stripped), 300)
            return one_line(stripped, 300)
    if isinstance(data, list):
        return one_line('; '.join(x for x in (format_error_body(i) for i in data) if x))
    if not isinstance(data, dict):
        return one_line(to_text(data), 300)

    err = data.get('error')
    # OAuth 2.0: {"error": "invalid_client", "error_description": "..."}
    if isinstance(err, str):
        desc = data.get('error_description') or data.get('message') or ''
        return one_line('%s: %s' % (err, desc) if desc else err)
    parts = []
    if isinstance(err, dict):
        # ABP envelope or OData v4 error
        parts.append(err.get('message') or err.get('Message'))
        details = err.get('details')
        if isinstance(details, list):  # OData v4: details is a list of {code,message,target}
            details = '; '.join(to_text(d.get('message') if isinstance(d, dict) else d) for d in details)
        parts.append(details)
        parts.append(_validation_errors(err.get('validationErrors')))
        inner = err.get('innererror') or err.get('innerError')
        if isinstance(inner, dict):
            parts.append(inner.get('message'))
    if not any(parts):
        parts.append(data.get('message') or data.get('Message') or data.get('title'))
        parts.append(data.get('detail') or data.get('details'))
    parts.append(_errors_dict(data.get('errors')))
    parts.append(_validation_errors(data.get('validationErrors')))
    text = _join(to_text(p) if p is not None and not isinstance(p, (str, bytes)) else p for p in parts)
    code = data.get('errorCode')
    if text and code not in (None, 0, '0', ''):
        text = '%s (errorCode %s)' % (text, code)
    return text


def body_failure(data):
    """The failure a 2xx JSON answer reports in its body, as one line; None when it reports none.

    ABP (Orchestrator) wraps answers as ``{"success": false, "error": {...}}``; ASP.NET Core Identity results
    are ``{"succeeded": false, "errors": [{"code", "description"}]}``.
    """
    if not isinstance(data, dict):
        return None
    for flag in ('success', 'Success', 'succeeded', 'Succeeded'):
        if data.get(flag) is False:
            return format_error_body(data) or 'the server reported a failure without a message'
    return None
