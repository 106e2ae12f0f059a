"""The emulated Orchestrators and the mail catcher a test session runs, for session-scoped fixtures:

    @pytest.fixture(scope="session")
    def emulators():
        yield from running_emulators({"classic": "2020.10", "identity": "2023.10"})
"""
from tests.support.mailhog_catcher import start_mailhog
from tests.support.orchestrator_emulator import start_orchestrator


def running_emulators(profiles):
    """Yield {name: Emulator} for {name: profile}; every started emulator is stopped afterwards."""
    started = {}
    try:
        for name, profile in profiles.items():
            started[name] = start_orchestrator(profile=profile)
        yield started
    finally:
        for emu in started.values():
            emu.stop()


def running_catcher():
    """Yield a started MailHog-compatible catcher; it is stopped afterwards."""
    catcher = start_mailhog()
    try:
        yield catcher
    finally:
        catcher.stop()
