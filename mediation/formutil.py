"""Small helpers shared by the forms."""
from wtforms import SelectChoice


def choices(pairs):
    """(value, label) pairs as WTForms SelectChoice objects (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]
