"""Avatar Desk entry point. `streamlit run app.py` imports this file to build the server (st.App with
the callback route and the mounted sandbox) and runs it as the script of every browser session."""

import streamlit as st

if __name__ == "__main__":
    # A browser session: page config, state, sidebar, navigation.
    from lib.ui.shell import run_dashboard

    run_dashboard()
else:
    # Imported by the server (uvicorn): extra routes on the app's own port.
    from lib.server import server_routes
    from lib.ui.shell import navigation_only

    navigation_only()
    app = st.App(__file__, routes=server_routes())
