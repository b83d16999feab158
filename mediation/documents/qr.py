"""QR codes as inline SVG (or a data: URI) for the verification link printed on every sealed page, via segno."""


import io


def _symbol(text: str):
    import segno

    # error level M (15 %) survives a fold or a smudge; micro codes are refused as phones read them badly
    return segno.make(text, error='m', micro=False, boost_error=False)


def qr_svg(text: str, *, size_mm: float = 20.0, border: int = 2) -> str:
    """Inline ``<svg>`` (no XML declaration), ``size_mm`` wide, black on transparent, ``border`` modules of margin."""
    symbol = _symbol(text)
    modules = symbol.symbol_size(scale=1, border=border)[0]
    output = io.BytesIO()
    symbol.save(output, kind='svg', xmldecl=False, svgns=True, nl=False, scale=size_mm / modules, border=border,
                unit='mm', dark='#000', light=None, svgclass='qr-code', lineclass=None)
    return output.getvalue().decode()


def qr_data_uri(text: str, *, border: int = 2) -> str:
    """The same code as a ``data:image/svg+xml`` URI for ``<img src=…>`` (the URL fetcher allows data: URIs)."""
    return _symbol(text).svg_data_uri(scale=4, border=border, dark='#000', light=None)
