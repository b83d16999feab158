"""``python -m mediation`` is the ``mediation`` command."""
from mediation.command import main

main()
