"""`python -m scanner` runs the posture CLI."""

from scanner.cli import main

main()
