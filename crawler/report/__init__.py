"""The crawl report: one self-contained HTML page of what the database holds and how the
runs went (``python -m crawler.report --out report.html``, ``make report``).

``data`` reads it with SQL over ``schemas.tables``, ``charts`` draws inline SVG with
matplotlib, ``page`` lays out the page, ``__main__`` is the command.
"""
