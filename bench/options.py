"""Argument types the suites share (argparse shows each one's ``__name__`` when a value is refused)."""

KINDS = ('sqlite', 'postgresql')


def sizes(minimum: int):
    """Comma-separated case counts (``1_000_000`` allowed), each at least ``minimum``."""
    def parse(text):
        try:
            found = [int(size.replace('_', '')) for size in text.split(',') if size.strip()]
        except ValueError:
            found = []
        if not found or min(found) < minimum:
            raise ValueError(text)
        return found
    parse.__name__ = f'list of sizes (at least {minimum})'
    return parse


def kinds(text):
    found = [name.strip() for name in text.split(',') if name.strip()]
    if not found or set(found) - set(KINDS):
        raise ValueError(text)
    return found


def positive_int(text):
    if int(text) < 1:
        raise ValueError(text)
    return int(text)


def positive_number(text):
    if float(text) <= 0:
        raise ValueError(text)
    return float(text)


kinds.__name__ = 'sqlite and/or postgresql'
positive_int.__name__ = 'number of at least 1'
positive_number.__name__ = 'positive number'
