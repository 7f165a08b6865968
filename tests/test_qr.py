"""QR codes are real PNGs that decode back to the link."""

import io

import pytest

from lib.qr import qr_png


def test_qr_png_decodes_to_the_link():
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    link = "http://127.0.0.1:8501/sandbox/h5/token_abc?lng=en&x=1"
    png = qr_png(link)
    assert png.startswith(b"\x89PNG")
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert [r.text for r in results] == [link]


def test_qr_refuses_empty():
    with pytest.raises(ValueError):
        qr_png("")
