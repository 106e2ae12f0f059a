"""Where the test lab lives: the repository root, the folder that holds the emulators package (the emulators run
from there), and the Orchestrator emulator's seed file."""
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
LAB_DIR = REPO_ROOT / "tests" / "lab"
DEFAULT_SEED = LAB_DIR / "emulators" / "orchestrator" / "default_seed.json"
