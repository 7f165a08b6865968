"""Avatar Desk entry point. `streamlit run app.py` imports this file to build the server (st.App with
lib.server's routes: the callback, /files, /capture, the mounted sandbox; and its lifespan: the media
retention sweeper) and runs it as the script of every browser session."""

import streamlit as st

if __name__ == "__main__":
    # A browser session: page config, state, sidebar, navigation.
    from lib.ui.shell import run_dashboard

    run_dashboard()
else:
    # Imported by the server (uvicorn): extra routes on the app's own port, and the media retention sweeper
    # while it runs. The mode (is the sandbox mounted?) and who may use its control plane are decided here,
    # from what is known at start.
    from lib.server import server_lifespan, server_routes
    from lib.ui.shell import navigation_only

    def _secrets_at_start() -> dict:
        try:
            return dict(st.secrets)
        except Exception:  # no secrets.toml: the usual case on a newcomer's machine
            return {}

    navigation_only()
    _secrets = _secrets_at_start()
    app = st.App(
        __file__,
        routes=server_routes(
            secrets=_secrets,
            # Unset, Streamlit binds every interface.
            server_address=st.get_option("server.address") or "0.0.0.0",
        ),
        lifespan=server_lifespan(secrets=_secrets),
    )
