# The app server of a team install (compose.yaml). No secrets are baked in: the key, the passphrase and the
# database password come from deploy/team.env and .streamlit/secrets.toml at run time (.dockerignore keeps
# them, and data/, out of the image).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# /data/media is where the shared media volume is mounted (AVATAR_DESK_MEDIA_DIR); /data/intake, beside it,
# is each server's own spool for uploads being checked. Both belong to the user the app runs as.
RUN useradd --create-home --uid 10001 app && mkdir -p /data/media /data/intake && chown -R app:app /data
USER app

EXPOSE 8501
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"
CMD ["streamlit", "run", "app.py", "--server.address", "0.0.0.0", "--server.port", "8501"]
