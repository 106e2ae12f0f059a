"""Fixtures for the Orchestrator API emulator tests: real emulator processes, real aiosmtpd servers."""
import os
import ssl
import sys

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

from tests.support.orchestrator_emulator import start_orchestrator  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from orch_emu_helpers import SmtpSink  # noqa: E402



@pytest.fixture(scope="session")
def test_ca(tmp_path_factory):
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return {"ca": ca, "cert": cert, "ca_file": str(path)}


@pytest.fixture(scope="session")
def _emu_classic(test_ca):
    with start_orchestrator("--smtp-ca-file", test_ca["ca_file"], "--smtp-timeout", "5") as emu:
        yield emu


@pytest.fixture(scope="session")
def _emu_identity(test_ca):
    with start_orchestrator("--smtp-timeout", "5", profile="2023.10",
                            env={"ORCH_EMU_SMTP_CA_FILE": test_ca["ca_file"]}) as emu:
        yield emu


@pytest.fixture
def emu(_emu_classic):
    """Profile 2020.10 emulator, reset to the seed before each test."""
    _emu_classic.control.reset()
    return _emu_classic


@pytest.fixture
def emu23(_emu_identity):
    """Profile 2023.10 emulator, reset to the seed before each test."""
    _emu_identity.control.reset()
    return _emu_identity


def _session_emulator(request, profile, test_ca, *args, **kw):
    emu = start_orchestrator("--smtp-timeout", "5", "--smtp-ca-file", test_ca["ca_file"], *args, profile=profile,
                             **kw)
    request.addfinalizer(emu.stop)
    return emu


@pytest.fixture(scope="session")
def _emu_cloud(request, test_ca):
    return _session_emulator(request, "cloud", test_ca)


@pytest.fixture(scope="session")
def _emu_as(request, test_ca):
    return _session_emulator(request, "automation-suite", test_ca)


@pytest.fixture(scope="session")
def _emu_2021(request, test_ca):
    return _session_emulator(request, "2021.10", test_ca)


@pytest.fixture
def emu_cloud(_emu_cloud):
    """Profile cloud (Automation Cloud URL layout), reset before each test."""
    _emu_cloud.control.reset()
    return _emu_cloud


@pytest.fixture
def emu_as(_emu_as):
    """Profile automation-suite, reset before each test."""
    _emu_as.control.reset()
    return _emu_as


@pytest.fixture
def emu21(_emu_2021):
    """Profile 2021.10 (standalone, Identity era), reset before each test."""
    _emu_2021.control.reset()
    return _emu_2021


@pytest.fixture
def smtp_factory():
    sinks = []

    def make(**kw):
        s = SmtpSink(**kw)
        sinks.append(s)
        return s

    yield make
    for s in sinks:
        s.stop()


@pytest.fixture
def tls_server_context(test_ca):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    test_ca["cert"].configure_cert(ctx)
    return ctx


def pytest_configure(config):
    # aiosmtpd warns when AUTH is required without TLS; the tests do that on purpose.
    config.addinivalue_line("filterwarnings", "ignore:Requiring AUTH while not requiring TLS")
