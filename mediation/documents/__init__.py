"""The document engine: HTML to A4 PDF, committee seals (PAdES), verification, stamps and QR codes.

Pure Python, no Flask and no database. Importing this package (or any of its modules) loads neither
WeasyPrint nor pyHanko: each costs ~0.4 s, and the cron sweep shares this import tree. They are
imported inside the functions that render, seal or verify.

Modules: ``fonts`` (the Chinese font, its GB 2312 cut-down copy, start-up check), ``render``
(``render_pdf``), ``keys`` (own root CA and committee certificates), ``seal`` (``seal_pdf``),
``verify`` (``verify_pdf``), ``stamp`` (the red committee seal as SVG), ``qr`` (QR codes as SVG).
"""
