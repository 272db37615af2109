"""Entry point for the Pulumi CLI (``pulumi up`` in this folder)."""

import sys
from pathlib import Path

# The CLI runs this file as a script; the package lives one level up, beside src/.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deploy_pulumi.orders_stack.program import define_stack

define_stack()
