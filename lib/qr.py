"""QR codes for H5 links, as PNG bytes (st.html strips inline SVG, so the UI shows PNG). No Streamlit."""

from __future__ import annotations

import io

import segno


def qr_png(data: str, *, scale: int = 8, border: int = 4) -> bytes:
    """A PNG of `data` as a QR code; error level M is robust to phone cameras at screen distance."""
    if not data:
        raise ValueError("nothing to encode")
    buffer = io.BytesIO()
    segno.make(data, error="m", micro=False).save(buffer, kind="png", scale=scale, border=border)
    return buffer.getvalue()
