"""GUI: windows, panels, live plots, and the QThread that drives the runner. Never imports TensorFlow."""

import html


def as_text(text: str) -> str:
    """Text from files and reports for a Qt label or message box, which would take anything that looks like HTML
    as HTML: escaped and marked as rich text, so it shows exactly as written."""
    return "<p>" + html.escape(text).replace("\n", "<br>") + "</p>"
