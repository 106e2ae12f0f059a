# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Internal (not a public API of the collection): one HTTP exchange and its repetitions (docs/HTTP_CLIENT.md).

Built on ``ansible.module_utils.urls.Request`` only, on every ansible-core from 2.16 on: the TLS context is built
once per CA bundle and passed to ``Request.open`` where that takes ``context`` (2.17+); on 2.16 ``Request`` gets
``validate_certs``/``ca_path`` and builds it itself.

* Deadline: one attempt (connect, request, status line, headers and body together) ends after at most
  ``timeout`` seconds of wall-clock time, however slowly the server trickles bytes.
* Retries by what a request does. A request that is **safe to repeat** (``repeatable=True``: the login, reads,
  writes of the same values - PUT, UpdateBulk -, deletes of the same rows - DELETE, DeleteBulk) is repeated after
  HTTP 429, 500, 502, 503 and 504, timeouts, connection resets and truncated JSON. A request that must happen **at
  most once** (``repeatable=False``: the test mail) is repeated only after answers that mean the server did not
  act on it: HTTP 429, and HTTP 503 with ``Retry-After``. A refused connection (nothing listens), DNS and TLS
  errors end at once for every request. Delay before retry ``n``: ``min(retry_delay * 2**n, 30)``; a
  ``Retry-After`` replaces it, capped at 30 s and at what is left of the bound
  ``(retries + 1) * timeout + sum(min(retry_delay * 2**n, 30) for n in range(retries))``.
* Redirects: credentials never leave the origin (scheme, host, port) they were given for; a same-origin
  redirect is followed (at most 5 times) for GET only.
* Every failure is an ``OrchestratorError`` of one scrubbed line, never a traceback.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import json
import socket
import ssl
import threading
import time

from ansible.module_utils.common.text.converters import to_native, to_text
from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.six.moves.urllib.parse import urljoin, urlsplit
from ansible.module_utils.urls import Request, make_context

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._errors import (
    NestedTooDeeply,
    body_failure,
    error,
    format_error_body,
    loads,
    one_line,
)
from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._secrets import scrub

try:
    from http.client import HTTPException, IncompleteRead, RemoteDisconnected
except ImportError:  # pragma: no cover - Python 2 is not supported, keep the import sanity test calm
    HTTPException = IncompleteRead = RemoteDisconnected = Exception

try:
    import inspect
    _signature = inspect.signature
except (ImportError, AttributeError):  # pragma: no cover - Python 2
    _signature = None

MAX_BACKOFF = 30.0
MAX_REDIRECTS = 5
MAX_BODY = 16 * 1024 * 1024
#: HTTP statuses worth another attempt of a request that is safe to repeat
RETRY_STATUSES = frozenset([429, 500, 502, 503, 504])
USER_AGENT = 'infraops.uipath_orchestrator'

_CONTEXTS = {}  # (ca_path, validate_certs) -> ssl.SSLContext, loading the CA store costs ~0.5 s


def _context_style():
    """How this ansible-core takes a ready ``ssl.SSLContext``: 'open' (2.17+: ``Request.open(context=)``),
    'init' (``Request(context=)``) or None (2.16: ``Request`` builds one from validate_certs/ca_path)."""
    for style, func in (('open', Request.open), ('init', Request.__init__)):
        try:
            params = _signature(func).parameters if _signature else ()
        except (TypeError, ValueError):  # pragma: no cover - not introspectable
            params = ()
        if 'context' in params:
            return style
    return None


CONTEXT_STYLE = _context_style()
_PLAIN = []


def _is_https(url):
    return to_text(url or '')[:8].lower() == 'https://'


def _plain_context():
    """A TLS context without the CA store, for http:// requests (never used for a TLS handshake)."""
    if not _PLAIN:
        _PLAIN.append(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
    return _PLAIN[0]


def parse_retry_after(value, now=None):
    """Seconds to wait from a Retry-After header value (delta seconds or HTTP date); None if unusable."""
    if value is None:
        return None
    value = to_text(value).strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    now = time.time() if now is None else now
    try:
        return max(0.0, parsed.timestamp() - now)
    except (OverflowError, ValueError, OSError):
        return None


class Response(object):
    def __init__(self, status, data, headers=None, raw=b''):
        self.status = status
        self.data = data
        self.headers = headers or {}
        self.raw = raw


class _Retryable(Exception):
    """A failed attempt; ``not_acted`` when the answer means the server did not carry the request out."""

    def __init__(self, msg, retry_after=None, not_acted=False, status=None):
        super(_Retryable, self).__init__(msg)
        self.msg = msg
        self.retry_after = retry_after
        self.not_acted = not_acted
        self.status = status


class _Redirect(Exception):
    def __init__(self, status, location):
        super(_Redirect, self).__init__(location)
        self.status = status
        self.location = location


class _DeadlineExceeded(Exception):
    pass


class _BodyTooLarge(Exception):
    pass


def origin(url):
    """(scheme, host, port) of a URL (RFC 6454)."""
    parts = urlsplit(url)
    scheme = (parts.scheme or '').lower()
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is None:
        port = {'http': 80, 'https': 443}.get(scheme)
    return scheme, (parts.hostname or '').lower(), port


def _read_body(fp, deadline, abandoned, clock):
    """Read a whole answer in small pieces, giving up at the wall-clock ``deadline``."""
    if fp is None:
        return b''
    read1 = getattr(fp, 'read1', None)
    chunks = []
    total = 0
    while True:
        if abandoned.is_set() or clock() >= deadline:
            raise _DeadlineExceeded()
        chunk = read1(65536) if read1 is not None else fp.read(4096)
        if not chunk:
            break
        total += len(chunk)
        if total > MAX_BODY:
            raise _BodyTooLarge()
        chunks.append(chunk)
    return b''.join(chunks)


class Transport(object):
    """Sends one logical request (all its attempts, delays and redirects) within the documented bound."""

    def __init__(self, timeout=30, retries=3, retry_delay=1.0, validate_certs=True, ca_path=None,
                 secrets=None, sleep=time.sleep):
        self.timeout = timeout
        self.retries = retries
        self.retry_delay = retry_delay
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.secrets = secrets if secrets is not None else set()
        self.request_count = 0
        self.retry_count = 0
        self._sleep = sleep
        self._clock = time.monotonic
        self._context = None
        self._request = None

    def _error(self, msg, status=None, body=None, detail=None):
        return error(msg, self.secrets, status=status, body=body, detail=detail)

    def _fail(self, label, detail, status=None, body=None):
        return self._error('%s failed: %s' % (label, detail), status=status, body=body, detail=detail)

    def time_bound(self):
        """Documented worst case in seconds for one logical request (every attempt and delay)."""
        return (self.retries + 1) * self.timeout + sum(
            min(self.retry_delay * (2 ** n), MAX_BACKOFF) for n in range(self.retries))

    def send(self, method, url, data, hdrs, label, repeatable, expect_json=True, login=False):
        """One logical request; returns :class:`Response` or raises ``OrchestratorError``.

        ``repeatable``: the request is safe to repeat (the same state after two as after one); otherwise it is
        repeated only after an answer that means the server did not act. ``login``: the answer carries a token,
        which becomes a secret before anything can print it.
        """
        budget = self.time_bound()
        used = 0.0
        attempt = 0
        hops = 0
        while True:
            started = self._clock()
            try:
                return self._attempt(method, url, data, hdrs, expect_json, label, login)
            except _Redirect as redir:
                url = self._follow(method, url, redir, label, hops)
                hops += 1
                used += max(0.0, self._clock() - started)
                continue
            except _Retryable as exc:
                used += max(0.0, self._clock() - started)
                if not repeatable and not exc.not_acted:
                    raise self._fail(label, '%s; not retried, because the server may already have carried out '
                                            'this %s' % (exc.msg, method), status=exc.status)
                tried = 'after %d attempt%s: %s' % (attempt + 1, '' if attempt == 0 else 's', exc.msg)
                if attempt >= self.retries:
                    raise self._error('%s failed %s' % (label, tried), detail=tried)
                delay = min(self.retry_delay * (2 ** attempt), MAX_BACKOFF)
                if exc.retry_after is not None:
                    delay = min(exc.retry_after, MAX_BACKOFF)
                room = budget - used - self.timeout
                if room < 0:
                    tried += ' (no time left for another attempt within the bound of %g s)' % budget
                    raise self._error('%s failed %s' % (label, tried), detail=tried)
                delay = max(0.0, min(delay, room))
                attempt += 1
                self.retry_count += 1
                used += delay
                if delay > 0:
                    self._sleep(delay)

    def _follow(self, method, url, redir, label, hops):
        """The URL to follow a redirect to, or an OrchestratorError naming the Location."""
        location = to_text(redir.location or '').strip()
        if not location:
            raise self._fail(label, 'HTTP %s redirect without a Location header' % redir.status, status=redir.status)
        try:
            target = urljoin(url, location)
            parts = urlsplit(target)
            has_userinfo = '@' in (parts.netloc or '')
        except ValueError:
            raise self._fail(label, 'HTTP %s redirect to an invalid Location' % redir.status, status=redir.status)
        if has_userinfo:
            # a Location with user:password@ is never followed and never shown
            raise self._fail(label, 'HTTP %s redirect to a Location with credentials in it; not followed'
                             % redir.status, status=redir.status)
        if origin(target) != origin(url):
            raise self._fail(label, 'HTTP %s redirect to %s, another origin than %s://%s; not followed, so no '
                                    'credentials leave the server they were given for (set orchestrator_url / '
                                    'identity_url to the address the server redirects to)' % (
                                        redir.status, location, urlsplit(url).scheme, urlsplit(url).netloc),
                             status=redir.status)
        if method not in ('GET', 'HEAD'):
            raise self._fail(label, 'HTTP %s redirect of a %s to %s; not followed (only GET is), so nothing was '
                                    'sent there (set orchestrator_url / identity_url to the final address)' % (
                                        redir.status, method, location), status=redir.status)
        if hops >= MAX_REDIRECTS:
            raise self._fail(label, 'more than %d redirects (last to %s)' % (MAX_REDIRECTS, location),
                             status=redir.status)
        return target

    def ssl_context(self):
        """One TLS context per CA bundle (ansible's Request would build, and load the CA store, per request)."""
        if self._context is None:
            key = (self.ca_path, bool(self.validate_certs))
            try:
                if key not in _CONTEXTS:
                    _CONTEXTS[key] = make_context(cafile=self.ca_path, validate_certs=self.validate_certs)
                self._context = _CONTEXTS[key]
            except (IOError, OSError, ssl.SSLError, ValueError) as exc:
                raise self._error('ca_path: cannot load the CA bundle %s (%s)' % (self.ca_path, to_native(exc)))
        return self._context

    def _transport(self):
        """The ansible Request object, built once, with the TLS context where this ansible-core takes one."""
        if self._request is None:
            kwargs = dict(http_agent=USER_AGENT, validate_certs=self.validate_certs, ca_path=self.ca_path,
                          timeout=self.timeout, follow_redirects='none', use_proxy=True)
            if CONTEXT_STYLE == 'init':
                kwargs['context'] = self.ssl_context()
            self._request = Request(**kwargs)
        return self._request

    def _exchange(self, method, url, data, hdrs, deadline, abandoned):
        """One HTTP exchange (runs in a helper thread): ('ok'|'http_error'|'redirect', status, raw, headers)."""
        request = self._transport()
        kwargs = dict(data=data, headers=hdrs)
        if CONTEXT_STYLE == 'open':
            # an http:// URL needs no CA store (loading it costs ~23 ms per worker) unless ca_path is given: a
            # bare context stops Request.open from building (and loading) one
            kwargs['context'] = self.ssl_context() if (self.ca_path or _is_https(url)) else _plain_context()
        try:
            resp = request.open(method, url, **kwargs)
        except HTTPError as exc:
            status = exc.code
            resp_headers = dict(exc.headers.items()) if exc.headers is not None else {}
            if 300 <= status < 400:
                try:
                    exc.close()
                except Exception:  # pylint: disable=broad-except
                    pass
                location = exc.headers.get('Location') if exc.headers is not None else None
                return 'redirect', status, location, resp_headers
            try:
                raw = _read_body(getattr(exc, 'fp', None), deadline, abandoned, self._clock)
            except (_DeadlineExceeded, _BodyTooLarge):
                raise
            except Exception:  # pylint: disable=broad-except
                raw = b''
            return 'http_error', status, raw, resp_headers
        try:
            status = resp.getcode() if hasattr(resp, 'getcode') else resp.status
            resp_headers = dict(resp.headers.items()) if getattr(resp, 'headers', None) is not None else {}
            raw = _read_body(resp, deadline, abandoned, self._clock)
        finally:
            try:
                resp.close()
            except Exception:  # pylint: disable=broad-except
                pass
        return 'ok', status, raw, resp_headers

    def _timed_exchange(self, method, url, data, hdrs):
        """Run one exchange with a wall-clock deadline of ``timeout`` seconds (connect, headers and body)."""
        if self.ca_path or _is_https(url):
            self.ssl_context()  # a bad ca_path fails here, in one line, before any request
        deadline = self._clock() + self.timeout
        abandoned = threading.Event()
        box = {}

        def run():
            try:
                box['value'] = self._exchange(method, url, data, hdrs, deadline, abandoned)
            except BaseException as exc:  # pylint: disable=broad-except
                box['error'] = exc  # re-raised in the caller's thread

        worker = threading.Thread(target=run, name='orchestrator-request')
        worker.daemon = True
        worker.start()
        worker.join(self.timeout + 0.05)
        if worker.is_alive():
            abandoned.set()  # the helper stops at its next read; its socket times out at the latest
            raise _DeadlineExceeded()
        if 'error' in box:
            raise box['error']
        return box['value']

    def _attempt(self, method, url, data, hdrs, expect_json, label, login):
        self.request_count += 1
        netloc = urlsplit(url).netloc
        try:
            kind, status, raw, resp_headers = self._timed_exchange(method, url, data, hdrs)
        except _DeadlineExceeded:
            raise _Retryable('timed out: no complete answer within timeout (%ss)' % self.timeout)
        except _BodyTooLarge:
            raise self._fail(label, 'the answer is larger than %d MiB' % (MAX_BODY // (1024 * 1024)))
        except (socket.timeout, TimeoutError) as exc:
            raise _Retryable('timed out after %ss (%s)' % (self.timeout, to_native(exc) or 'timeout'))
        except (RemoteDisconnected, ConnectionResetError, ConnectionAbortedError, BrokenPipeError,
                IncompleteRead) as exc:
            raise _Retryable('connection reset or closed by the server (%s)' % (
                type(exc).__name__ + (': ' + to_native(exc) if to_native(exc) else '')))
        except URLError as exc:
            reason = exc.reason
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise _Retryable('timed out after %ss' % self.timeout)
            if isinstance(reason, (ConnectionResetError, ConnectionAbortedError, RemoteDisconnected, BrokenPipeError)):
                raise _Retryable('connection reset by the server (%s)' % type(reason).__name__)
            if isinstance(reason, ssl.SSLCertVerificationError) or 'CERTIFICATE_VERIFY_FAILED' in to_native(reason):
                raise self._fail(label, 'TLS certificate verification failed for %s (%s); set ca_path to the CA '
                                        'bundle that signed the server certificate, or validate_certs: false '
                                        '(not recommended)' % (netloc, to_native(
                                            getattr(reason, 'verify_message', None) or reason)))
            if isinstance(reason, ssl.SSLError):
                raise self._fail(label, 'TLS error talking to %s: %s' % (netloc, to_native(reason)))
            raise self._fail(label, 'cannot connect to %s: %s' % (netloc, to_native(reason)))
        except ssl.SSLError as exc:
            raise self._fail(label, 'TLS error talking to %s: %s' % (netloc, to_native(exc)))
        except (UnicodeError, ValueError) as exc:
            # http.client refuses header values with CR/LF or characters outside Latin-1; its message quotes the
            # header value, which may hold a secret in a form scrub() does not know (a bytes repr)
            raise self._fail(label, 'the request could not be sent: a header value contains characters HTTP cannot '
                                    'carry (%s)' % type(exc).__name__)
        except (HTTPException, OSError) as exc:
            raise _Retryable('connection error (%s: %s)' % (type(exc).__name__, to_native(exc)))

        if kind == 'redirect':
            raise _Redirect(status, raw)
        if kind == 'http_error':
            self._http_error(label, status, raw, resp_headers)

        text = to_text(raw or b'', errors='surrogate_or_replace').strip()
        parsed = None
        if text:
            try:
                parsed = loads(text)
            except NestedTooDeeply:
                raise self._fail(label, 'the answer (HTTP %s) is JSON nested too deeply to be read' % status,
                                 status=status)
            except ValueError:
                ctype = (resp_headers.get('Content-Type') or resp_headers.get('content-type') or '').lower()
                if expect_json and ('json' in ctype or text[:1] in ('{', '[')):
                    raise _Retryable('truncated or invalid JSON in the response (%d bytes)' % len(raw))
                if expect_json:
                    raise self._fail(label, 'expected JSON, got %s' % one_line(scrub(text, self.secrets), 120),
                                     status=status)
        if login and isinstance(parsed, dict):
            # the token a login answer carries is a secret before anything can print it
            for key in ('result', 'access_token', 'refresh_token', 'id_token'):
                if isinstance(parsed.get(key), str) and parsed[key]:
                    self.secrets.add(parsed[key])
        if body_failure(parsed):
            # formatted again from the scrubbed text, so shortening the message cannot leave part of a secret
            try:
                failure = body_failure(json.loads(scrub(text, self.secrets)))
            except (ValueError, RecursionError):
                failure = 'the server reported a failure'
            raise self._fail(label, 'HTTP %s, but the answer reports a failure: %s' % (status, failure),
                             status=status, body=raw)
        if not expect_json:
            return Response(status, None, resp_headers, raw)
        return Response(status, parsed, resp_headers, raw)

    def _http_error(self, label, status, raw, resp_headers):
        retry_after = parse_retry_after(resp_headers.get('Retry-After') or resp_headers.get('retry-after'))
        text = format_error_body(scrub(to_text(raw or b'', errors='surrogate_or_replace'), self.secrets))
        msg = 'HTTP %s%s' % (status, (': ' + text) if text else '')
        if status in RETRY_STATUSES:
            if status not in (429, 503):
                retry_after = None
            # 429 (rate limit) and a 503 that says when to come back are refusals before any work
            not_acted = status == 429 or (status == 503 and retry_after is not None)
            raise _Retryable(msg, retry_after, not_acted=not_acted, status=status)
        hint = ''
        if status == 401:
            hint = ' (authentication failed or the token expired)'
        elif status == 403:
            hint = ' (the account lacks the permission or OAuth scope for this call)'
        elif status == 404:
            hint = ' (not found: check orchestrator_url / identity_url and the API version)'
        elif status == 409:
            hint = ' (conflict)'
        raise self._fail(label, msg + hint, status=status, body=raw)
