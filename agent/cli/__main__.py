"""`python -m agent.cli ...` runs the `tracker` command (as the console script does)."""

from agent.cli import main

main()
