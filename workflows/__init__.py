"""Plain-Python rules of the mediation workflow.

Nothing here imports Flask or ``mediation``: the state machine, the deadline
rules, the period arithmetic and the working-day calendar can be tested and
reused on their own.
"""
