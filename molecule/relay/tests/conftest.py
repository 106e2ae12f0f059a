import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared"))

from molecule_fixtures import inventory, inventory_dir  # noqa: E402,F401  (fixtures for this scenario)
