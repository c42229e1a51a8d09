import sys

from pinnlang.cli import main

sys.exit(main())
