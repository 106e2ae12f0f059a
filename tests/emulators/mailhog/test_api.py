"""HTTP API shapes, ordering, limits and status codes as in MailHog-Server api/v1.go, api/v2.go and mailhog/data message.go."""
import base64
import re
import smtplib
from email.message import EmailMessage

import requests

MESSAGE_KEYS = ["ID", "From", "To", "Content", "Created", "MIME", "Raw"]
PATH_KEYS = ["Relays", "Mailbox", "Domain", "Params"]
CONTENT_KEYS = ["Headers", "Body", "Size", "MIME"]
RAW_KEYS = ["From", "To", "Data", "Helo"]
ID_RE = re.compile(r"^[A-Za-z0-9_-]{43}=@mailhog\.example$")
CREATED_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$")


def send(mh, sender, rcpts, data, helo="client.test"):
    with smtplib.SMTP(mh.smtp_host, mh.smtp_port, local_hostname=helo, timeout=10) as s:
        s.sendmail(sender, rcpts, data)


def simple(n, sender="alice@example.com", to="bob@example.com", subject=None, extra=""):
    return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject or f'msg {n}'}\r\n{extra}\r\n"
            f"body number {n}\r\n")


def send_many(mh, count):
    with smtplib.SMTP(mh.smtp_host, mh.smtp_port, timeout=30) as s:
        for n in range(count):
            s.sendmail("alice@example.com", ["bob@example.com"], simple(n))


def get(mh, path, **params):
    return requests.get(mh.api_url + path, params=params, timeout=10)


def test_v2_messages_shape_and_content_type(catcher):
    send(catcher, "alice@example.com", ["bob@example.com", "carol@example.org"], simple(1))
    r = get(catcher, "/api/v2/messages")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/json"
    body = r.json()
    assert list(body) == ["total", "count", "start", "items"]
    assert (body["total"], body["count"], body["start"]) == (1, 1, 0)
    m = body["items"][0]
    assert list(m) == MESSAGE_KEYS
    assert ID_RE.match(m["ID"])
    assert CREATED_RE.match(m["Created"])
    assert m["From"] == {"Relays": None, "Mailbox": "alice", "Domain": "example.com", "Params": ""}
    assert [list(p) for p in m["To"]] == [PATH_KEYS, PATH_KEYS]
    assert [p["Domain"] for p in m["To"]] == ["example.com", "example.org"]
    assert list(m["Content"]) == CONTENT_KEYS
    assert list(m["Raw"]) == RAW_KEYS
    assert m["Raw"]["Helo"] == "client.test"
    assert m["Raw"]["From"] == "alice@example.com"
    assert m["MIME"] is None and m["Content"]["MIME"] is None
    assert m["Content"]["Body"] == "body number 1"
    assert m["Content"]["Size"] == len(m["Raw"]["Data"].encode())


def test_headers_mailhog_adds(catcher):
    send(catcher, "alice@example.com", ["bob@example.com"], simple(1))
    (m,) = catcher.messages()
    h = m["Content"]["Headers"]
    assert h["Message-ID"] == [m["ID"]]
    assert h["Return-Path"] == ["<alice@example.com>"]
    (received,) = h["Received"]
    assert received.startswith(f"from client.test by mailhog.example (MailHog)\r\n          id {m['ID']}; ")
    assert h["Subject"] == ["msg 1"]
    assert list(h) == sorted(h)  # Go marshals map keys sorted


def test_existing_message_id_kept_and_headers_folded(catcher):
    data = ("From: a@example.com\r\nMessage-Id: <own@client>\r\nX-Long: part one\r\n part two\r\n"
            "X-Dup: first\r\nX-Dup: second\r\nReceived: from elsewhere\r\n\r\nbody\r\n")
    send(catcher, "a@example.com", ["b@example.com"], data)
    (m,) = catcher.messages()
    h = m["Content"]["Headers"]
    assert h["Message-Id"] == ["<own@client>"] and "Message-ID" not in h
    assert h["X-Long"] == ["part one part two"]
    assert h["X-Dup"] == ["second"]  # a repeated header keeps only the last value
    assert h["Received"][0] == "from elsewhere" and len(h["Received"]) == 2


def test_newest_first_start_limit_and_cap(catcher):
    send_many(catcher, 255)
    body = get(catcher, "/api/v2/messages").json()
    assert (body["total"], body["count"]) == (255, 50)  # default limit 50
    assert body["items"][0]["Content"]["Headers"]["Subject"] == ["msg 254"]
    assert body["items"][-1]["Content"]["Headers"]["Subject"] == ["msg 205"]
    capped = get(catcher, "/api/v2/messages", limit=1000).json()
    assert capped["count"] == 250  # cap
    page = get(catcher, "/api/v2/messages", start=250, limit=10).json()
    assert (page["start"], page["count"]) == (250, 5)
    assert [i["Content"]["Headers"]["Subject"][0] for i in page["items"]] == [f"msg {n}" for n in range(4, -1, -1)]
    bad = get(catcher, "/api/v2/messages", start=-3, limit="x").json()
    assert (bad["start"], bad["count"]) == (0, 50)
    beyond = get(catcher, "/api/v2/messages", start=999).json()
    assert (beyond["total"], beyond["count"], beyond["items"]) == (255, 0, [])
    v1 = get(catcher, "/api/v1/messages").json()
    assert isinstance(v1, list) and len(v1) == 255
    assert v1[0]["Content"]["Headers"]["Subject"] == ["msg 254"]


def test_empty_store(catcher):
    assert get(catcher, "/api/v2/messages").json() == {"total": 0, "count": 0, "start": 0, "items": []}
    r = get(catcher, "/api/v1/messages")
    assert r.headers["Content-Type"] == "text/json" and r.json() == []


def test_search_kinds(catcher):
    send(catcher, "Alice@Example.com", ["bob@example.com"], simple(1, subject="Invoice"))
    send(catcher, "carol@example.org", ["dave@example.org"],
         simple(2, sender="Carol <carol@example.org>", to="Dave <dave@example.org>", subject="hello"))
    send(catcher, "env@example.net", ["env-rcpt@example.net"],
         simple(3, sender="header-from@example.net", to="header-to@example.net", extra="X-Tag: Needle\r\n"))

    def search(kind, query):
        r = get(catcher, "/api/v2/search", kind=kind, query=query)
        assert r.status_code == 200 and r.headers["Content-Type"] == "text/json"
        body = r.json()
        assert list(body) == ["total", "count", "start", "items"]
        return [i["Content"]["Headers"]["Subject"][0] for i in body["items"]]

    assert search("from", "alice@example.COM") == ["Invoice"]  # case-insensitive envelope
    assert search("from", "header-from") == ["msg 3"]          # From header value
    assert search("from", "example") == ["msg 3", "hello", "Invoice"]  # newest first
    assert search("to", "DAVE") == ["hello"]
    assert search("to", "env-rcpt@") == ["msg 3"]               # envelope recipient
    assert search("to", "header-to") == ["msg 3"]               # To header
    assert search("containing", "body number 2") == ["hello"]   # body
    assert search("containing", "needle") == ["msg 3"]          # any header value
    assert search("containing", "nothing-like-this") == []
    body = get(catcher, "/api/v2/search", kind="from", query="example", limit=1, start=1).json()
    assert (body["total"], body["count"], body["start"]) == (3, 1, 1)


def test_search_bad_requests_are_400_empty(catcher):
    for params in ({"kind": "subject", "query": "x"}, {"kind": "from", "query": ""}, {"query": "x"}, {}):
        r = get(catcher, "/api/v2/search", **params)
        assert r.status_code == 400 and r.content == b""


def test_v1_get_delete_download(catcher):
    send(catcher, "a@example.com", ["b@example.com"], simple(1))
    send(catcher, "a@example.com", ["b@example.com"], simple(2))
    first, second = catcher.messages()[1], catcher.messages()[0]
    r = get(catcher, f"/api/v1/messages/{first['ID']}")
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/json"
    assert r.json() == first
    unknown = get(catcher, "/api/v1/messages/nope@mailhog.example")
    assert (unknown.status_code, unknown.text) == (200, "null")
    dl = get(catcher, f"/api/v1/messages/{first['ID']}/download")
    assert dl.status_code == 200 and dl.headers["Content-Type"] == "message/rfc822"
    assert f'filename="{first["ID"]}.eml"' in dl.headers["Content-Disposition"]
    assert b"Subject: msg 1\r\n" in dl.content and dl.content.endswith(b"\r\n\r\nbody number 1")
    d = requests.delete(f"{catcher.api_url}/api/v1/messages/{first['ID']}", timeout=10)
    assert (d.status_code, d.content) == (200, b"")
    d = requests.delete(f"{catcher.api_url}/api/v1/messages/{first['ID']}", timeout=10)
    assert d.status_code == 500
    assert [m["ID"] for m in catcher.messages()] == [second["ID"]]
    d = requests.delete(f"{catcher.api_url}/api/v1/messages", timeout=10)
    assert (d.status_code, d.content) == (200, b"")
    assert catcher.messages() == []


def test_multipart_mime_nested(catcher):
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example.com", "b@example.com", "mime"
    msg.set_content("plain text part")
    msg.add_alternative("<p>html part</p>", subtype="html")
    msg.add_attachment(b"\x00\x01binary", maintype="application", subtype="octet-stream", filename="x.bin")
    send(catcher, "a@example.com", ["b@example.com"], msg.as_bytes().replace(b"\n", b"\r\n"))
    (m,) = catcher.messages()
    assert m["Content"]["Headers"]["Content-Type"][0].startswith("multipart/mixed")
    assert m["Content"]["MIME"] is None  # MailHog sets Message.MIME, not Content.MIME, at top level
    parts = m["MIME"]["Parts"]
    assert len(parts) == 2
    assert all(list(p) == CONTENT_KEYS for p in parts)
    alt = parts[0]
    assert alt["Headers"]["Content-Type"][0].startswith("multipart/alternative")
    inner = alt["MIME"]["Parts"]
    assert [p["Headers"]["Content-Type"][0].split(";")[0] for p in inner] == ["text/plain", "text/html"]
    assert "plain text part" in inner[0]["Body"]
    att = parts[1]
    assert att["MIME"] is None
    assert base64.b64decode(att["Body"]) == b"\x00\x01binary"  # body stays encoded


def test_ui_page_and_unknown_paths(catcher):
    r = get(catcher, "/")
    assert r.status_code == 200 and "not" in r.text and "MailHog's web UI" in r.text
    assert get(catcher, "/api/v3/nothing").status_code == 404
    assert get(catcher, "/api/v1/messages/x/mime/part/0/download").status_code == 501
    assert "Server" not in r.headers
