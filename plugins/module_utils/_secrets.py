# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Internal (not a public API of the collection): the one scrubber of secrets.

Every output path - results, warnings, exception messages, failure lines, error bodies - goes through
:func:`scrub` (text) or :func:`scrub_data` (a whole result). The secrets are one set of values: the task's
``no_log_values`` (shared with ``AnsibleModule.no_log_values`` in a module process), to which the HTTP client adds
what it learns at runtime (tokens). A secret is replaced by ``********`` in every form a server, a proxy or a URL
may give it back in:

* raw, and truncated (a prefix of at least 6 characters that ends the text or is followed by ``...``/``…``);
* JSON-escaped as Python writes it and as .NET ``System.Text.Json`` does (``\\uXXXX``, upper-case hex);
* HTML-escaped (named, decimal and hexadecimal entities);
* URL-encoded (``quote``/``quote_plus``, both hex cases);
* form-decoded (a server that decodes the value as form data: ``+`` as space, ``%41`` as ``A``) and
  percent-decoded;
* base64 (standard and URL-safe, with or without padding).

Values shorter than 3 characters are not scrubbed inside text (they would mask ordinary words), but a result
value equal to one is still censored by :func:`scrub_data`.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import re

from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.six.moves.urllib.parse import quote, quote_plus, unquote, unquote_plus

SECRET_MASK = '********'
#: what a result value that *is* a secret becomes (the same text as ansible-core's ``remove_values``)
NO_LOG_PLACEHOLDER = 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
MIN_LEN = 3
MIN_PREFIX = 6

_FORMS = {}  # secret -> frozenset of its forms (a secret's forms never change)


def _html_forms(secret):
    out = set()
    named = secret.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')
    out.add(named)
    for quot in ('&quot;', '&#34;', '&#x22;'):
        for apos in ('&#x27;', '&#39;', '&apos;'):
            out.add(named.replace('"', quot).replace("'", apos))
    # every character but letters and digits as a numeric entity (.NET HtmlEncoder style, both bases)
    for fmt in ('&#%d;', '&#x%X;', '&#x%x;'):
        out.add(''.join(c if c.isalnum() and ord(c) < 128 else fmt % ord(c) for c in secret))
        out.add(''.join(c if c not in '&<>"\'+' else fmt % ord(c) for c in secret))
    return out


def _json_forms(secret):
    out = set()
    for ascii_only in (True, False):
        dumped = json.dumps(secret, ensure_ascii=ascii_only)[1:-1]
        out.add(dumped)
        out.add(dumped.replace('/', '\\/'))
    # .NET System.Text.Json default encoder: also HTML-sensitive characters and '+', upper-case hex
    out.add(''.join(c if 32 <= ord(c) < 127 and c not in '<>&\'"+`\\' else
                    '\\\\' if c == '\\' else '\\u%04X' % ord(c) if ord(c) < 0x10000 else c for c in secret))
    return out


def _url_forms(secret):
    out = set()
    for enc in (quote(secret, safe=''), quote(secret), quote_plus(secret), quote_plus(secret, safe='/')):
        out.add(enc)
        out.add(re.sub(r'%[0-9A-F]{2}', lambda m: m.group(0).lower(), enc))
    # what a server shows after decoding the value as form data or as a URL component
    for decode in (unquote_plus, unquote):
        try:
            out.add(decode(secret))
        except (UnicodeError, ValueError):  # pragma: no cover - unquote replaces bad bytes
            pass
    return out


def _base64_forms(secret):
    out = set()
    try:
        raw = secret.encode('utf-8')
    except UnicodeError:  # lone surrogates
        return out
    for enc in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        enc = to_text(enc)
        out.add(enc)
        out.add(enc.rstrip('='))
    return out


def secret_forms(secret):
    """Every form of ``secret`` that :func:`scrub` replaces (at least 3 characters each)."""
    secret = to_text(secret, errors='surrogate_or_replace')
    cached = _FORMS.get(secret)
    if cached is None:
        forms = set([secret])
        for make in (_json_forms, _html_forms, _url_forms, _base64_forms):
            forms |= make(secret)
        cached = frozenset(f for f in forms if f and len(f) >= MIN_LEN)
        _FORMS[secret] = cached
    return cached


def _usable(secrets):
    for value in secrets or ():
        if isinstance(value, (str, bytes)) and value:
            value = to_text(value, errors='surrogate_or_replace')
            if len(value) >= MIN_LEN:
                yield value


def scrub(text, secrets):
    """``text`` with every form of every value of ``secrets`` replaced by ``********``."""
    text = to_text(text, errors='surrogate_or_replace')
    values = sorted(set(_usable(secrets)), key=len, reverse=True)
    if not values:
        return text
    forms = set()
    for value in values:
        forms |= secret_forms(value)
    for form in sorted(forms, key=len, reverse=True):
        if form in text:
            text = text.replace(form, SECRET_MASK)
    # a secret cut short by whoever shortened the text (the server, a proxy): its prefix at the end of the text
    # or before an ellipsis
    for value in values:
        if len(value) > MIN_PREFIX:
            text = _scrub_prefixes(text, value)
    return text


def _scrub_prefixes(text, value):
    """Replace prefixes (at least MIN_PREFIX characters) of ``value`` that end the text or stand before an
    ellipsis. Linear in the text for each occurrence of the first MIN_PREFIX characters."""
    head = value[:MIN_PREFIX]
    out = []
    pos = 0
    start = text.find(head)
    while start != -1:
        length = MIN_PREFIX
        limit = min(len(value) - 1, len(text) - start)
        while length < limit and text[start + length] == value[length]:
            length += 1
        end = start + length
        if end == len(text) or text.startswith('...', end) or text.startswith(u'\u2026', end):
            out.append(text[pos:start])
            out.append(SECRET_MASK)
            pos = end
            start = text.find(head, end)
        else:
            start = text.find(head, start + 1)
    out.append(text[pos:])
    return ''.join(out)


def scrub_data(data, secrets):
    """A copy of ``data`` (a result: dicts, lists, strings) with every secret censored, keys included.

    A string that *is* a secret becomes ``VALUE_SPECIFIED_IN_NO_LOG_PARAMETER`` (as ansible-core's
    ``remove_values`` does); any other string is :func:`scrub`-bed.
    """
    secrets = set(to_text(s, errors='surrogate_or_replace') for s in secrets or () if s)
    return _scrub_data(data, secrets)


def _scrub_data(data, secrets):
    if isinstance(data, (str, bytes)):
        text = to_text(data, errors='surrogate_or_replace')
        if text in secrets:
            return NO_LOG_PLACEHOLDER
        return scrub(text, secrets) if secrets else text
    if isinstance(data, dict):
        return dict((_scrub_data(k, secrets), _scrub_data(v, secrets)) for k, v in data.items())
    if isinstance(data, (list, tuple, set, frozenset)):
        return type(data)(_scrub_data(v, secrets) for v in data) if not isinstance(data, tuple) else \
            tuple(_scrub_data(v, secrets) for v in data)
    return data
