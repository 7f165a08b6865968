"""Moved to tests/helpers/serving.py; this name stays for the files not moved over yet (tests/browser/*).
Import from tests.helpers.serving."""

from tests.helpers.serving import (  # noqa: F401 (re-exported)
    ROOT,
    StreamlitServer,
    free_port,
    serve_asgi,
    streamlit_app,
    streamlit_server,
    wait_for,
)
