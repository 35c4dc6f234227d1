import sys

from proxylab.cli import main

sys.exit(main())
