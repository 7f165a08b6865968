"""Files as assets: reading them by content (format, size, pixels, duration, fps, faces), the one-click fixes,
thumbnails, the intake that hosts and records them, and the storage backends (app-hosted, S3-compatible)
behind one interface. No Streamlit here."""
