"""The emulators' command lines from the repository root, `python -m emulators.orchestrator` and
`python -m emulators.mailhog`: the emulators themselves (test infrastructure) live in tests/lab/emulators; this
package only points there."""
import os

__path__ = [os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "lab", "emulators")]
