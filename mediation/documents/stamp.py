"""The committee's round red seal (公章) as inline SVG: a ring, a five-pointed star, the name along the upper arc.

Each character is its own ``<text>`` placed on the arc and rotated to face outwards with a
``transform``: WeasyPrint's SVG renderer handles that reliably, ``<textPath>`` less so. The text is
set in the document's font (pass ``fonts.FONT_FAMILY_STACK``), so rare characters print as in the body.
"""
import math
from xml.sax.saxutils import escape
from xml.sax.saxutils import quoteattr

#: 印章红: the red of official seals, drawn semi-transparent so the signature line shows through.
SEAL_RED = '#d7141a'
_VIEW = 200.0  # the drawing is made in a 200 x 200 box, centred at (100, 100)
_CENTRE = _VIEW / 2
_RING_RADIUS = 94.0
_RING_WIDTH = 5.0
_STAR_RADIUS = 30.0
_TEXT_GAP = 4.0  # between the ring's inner edge and the top of the characters


def committee_stamp_svg(name: str, *, font_family: str, size_mm: float = 42.0, color: str = SEAL_RED,
                        opacity: float = 0.82) -> str:
    """An SVG of the seal for ``name`` (laid out for 6–20 characters; shorter and longer names still fit)."""
    characters = [character for character in name.strip() if not character.isspace()]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="committee-stamp" width="{size_mm:g}mm" height="{size_mm:g}mm" '
        f'viewBox="0 0 {_VIEW:g} {_VIEW:g}" role="img" aria-label={quoteattr(name)}>',
        f'<g opacity="{opacity:g}" fill="{color}" stroke="none">',
        f'<circle cx="{_CENTRE:g}" cy="{_CENTRE:g}" r="{_RING_RADIUS:g}" fill="none" stroke="{color}" '
        f'stroke-width="{_RING_WIDTH:g}"/>',
        f'<path d="{_star_path()}"/>',
    ]
    parts.extend(_arc_characters(characters, font_family))
    parts.append('</g></svg>')
    return ''.join(parts)


def _star_path() -> str:
    """A regular five-pointed star, one point up; inner radius by the golden ratio (0.382 of the outer)."""
    points = []
    for index in range(10):
        radius = _STAR_RADIUS if index % 2 == 0 else _STAR_RADIUS * 0.382
        angle = math.radians(index * 36)
        points.append((_CENTRE + radius * math.sin(angle), _CENTRE - radius * math.cos(angle)))
    return 'M' + ' L'.join(f'{x:.2f},{y:.2f}' for x, y in points) + ' Z'


def _arc_layout(count: int) -> tuple[float, float, float, float]:
    """(span in degrees, font size, horizontal scale, radius of the characters' centres) for ``count`` characters."""
    span = min(250.0, max(170.0, 20.0 * count + 40.0))  # longer names reach further round, as on real seals
    font_size = 26.0
    for _ in range(2):  # the radius depends on the size and the size on the radius: two rounds settle it
        radius = _RING_RADIUS - _RING_WIDTH / 2 - _TEXT_GAP - font_size / 2
        step = math.radians(span / (count - 1)) if count > 1 else math.radians(span)
        arc_per_character = radius * step
        font_size = min(26.0, max(17.0, arc_per_character * 1.05))
    radius = _RING_RADIUS - _RING_WIDTH / 2 - _TEXT_GAP - font_size / 2
    # characters keep their height and are condensed sideways when the arc is crowded, like engraved seals
    horizontal_scale = min(1.0, arc_per_character * 0.92 / font_size)
    return span, font_size, horizontal_scale, radius


def _arc_characters(characters: list[str], font_family: str) -> list[str]:
    count = len(characters)
    if not count:
        return []
    span, font_size, horizontal_scale, radius = _arc_layout(count)
    step = span / (count - 1) if count > 1 else 0.0
    first = -span / 2 if count > 1 else 0.0
    elements = []
    for index, character in enumerate(characters):
        angle = first + index * step  # degrees clockwise from the top
        x = _CENTRE + radius * math.sin(math.radians(angle))
        y = _CENTRE - radius * math.cos(math.radians(angle))
        elements.append(
            f'<text transform="translate({x:.2f} {y:.2f}) rotate({angle:.2f}) scale({horizontal_scale:.3f} 1)" '
            f'x="0" y="0" text-anchor="middle" dominant-baseline="central" font-size="{font_size:.2f}" '
            f'font-family={quoteattr(font_family)} font-weight="bold">{escape(character)}</text>')
    return elements
