"""UiPath Orchestrator Settings API emulator -- TEST INFRASTRUCTURE, not Orchestrator.

Run with ``python3 -m emulators.orchestrator`` from the repository root. Standard library only.
See README.md in this directory for what is (and is not) emulated.
"""

MASK = "\u2022" * 12
