"""Fixtures for the MailHog-compatible catcher tests (real process, real clients)."""
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.support.mailhog_catcher import make_test_ca, start_mailhog  # noqa: E402

AUTH_USER = "smtp-user"
AUTH_PASS = "smtp-secret"


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory):
    """{"ca", "cert", "key"} PEM paths for 127.0.0.1/localhost."""
    return make_test_ca(tmp_path_factory.mktemp("mailhog-ca"))


@pytest.fixture(scope="session")
def _default_catcher():
    with start_mailhog() as mh:
        yield mh


@pytest.fixture
def catcher(_default_catcher):
    """MailHog-behaviour catcher, emptied before each test."""
    _default_catcher.delete_all()
    return _default_catcher


@pytest.fixture(scope="session")
def _strict_catcher(tmp_path_factory):
    ca = make_test_ca(tmp_path_factory.mktemp("strict-ca"))
    with start_mailhog("--x-tls-cert", ca["cert"], "--x-tls-key", ca["key"], "--x-require-starttls",
                       "--x-auth", f"{AUTH_USER}:{AUTH_PASS}") as mh:
        mh.ca_file = ca["ca"]
        yield mh


@pytest.fixture
def strict_catcher(_strict_catcher):
    """Extension mode: STARTTLS required, AUTH required and checked (AuthUser recorded)."""
    _strict_catcher.delete_all()
    return _strict_catcher
