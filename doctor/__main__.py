"""`python -m doctor MODULE:ATTR ...`: the doctor's own command (doctor/cli.py), apart from the stack's."""

import sys

from doctor.cli import main

sys.exit(main())
