"""``python -m mediation`` is the ``mediation`` command."""
from mediation.cli import main

main()
