#!/usr/bin/env python3
"""Start the Clients API mock: `python run_mock.py --help` lists every flag."""

import sys

from mockserver.cli import main

if __name__ == "__main__":
    sys.exit(main())
