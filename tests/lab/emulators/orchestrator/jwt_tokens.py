"""JWT-shaped access tokens (RFC 7519 compact form: base64url(header).base64url(payload).base64url(sig)).

Signed with HMAC-SHA256 and a key generated per emulator process, so a token from another run (or an edited
one) never validates. The emulator still keeps every issued token in its state: expiry and revocation
(``/_emulator/tokens/expire``, reset) work exactly as with opaque tokens.
"""
import base64
import hashlib
import hmac
import json
import secrets


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    def __init__(self, key=None):
        self.key = key or secrets.token_bytes(32)

    def encode(self, claims):
        header = {"alg": "HS256", "typ": "JWT", "kid": "orchestrator-emulator"}
        signing_input = "%s.%s" % (b64url(json.dumps(header, separators=(",", ":")).encode()),
                                   b64url(json.dumps(claims, separators=(",", ":")).encode()))
        sig = hmac.new(self.key, signing_input.encode("ascii"), hashlib.sha256).digest()
        return signing_input + "." + b64url(sig)

    def verify(self, token):
        """Claims of a token signed by this key, or None."""
        parts = token.split(".")
        if len(parts) != 3:
            return None
        signing_input = (parts[0] + "." + parts[1]).encode("ascii", "replace")
        expected = b64url(hmac.new(self.key, signing_input, hashlib.sha256).digest())
        if not hmac.compare_digest(expected.encode(), parts[2].encode("ascii", "replace")):
            return None
        try:
            return json.loads(b64url_decode(parts[1]))
        except ValueError:
            return None


def unverified_claims(token):
    """Payload of any compact JWT without checking the signature (for tests and log context)."""
    try:
        return json.loads(b64url_decode(token.split(".")[1]))
    except (ValueError, IndexError):
        return None
