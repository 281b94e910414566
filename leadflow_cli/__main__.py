"""`python -m leadflow_cli` runs the same command as `leadflow`."""

from .main import main

main()
