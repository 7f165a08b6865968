"""Helpers shared by test modules. A test module imports from here (or takes a fixture from
tests/conftest.py), never from another test module: tests/test_test_layout.py holds that rule.

- apptest: the real app.py in AppTest, inside its frame, and the steps every page test repeats.
- sandbox: the sandbox's control plane over HTTP (faults, config, the phone's H5 page, its logs).
- serving: an ASGI app in a uvicorn thread, and the whole app under `streamlit run`, on loopback.
"""
