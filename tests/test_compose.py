"""The team install's files agree with the app (issue Teams): every AVATAR_DESK_* variable compose.yaml sets, or
its env file's example sets, is one the app reads (by that exact name, in app.py, pages/ or lib/); the README's
"Team deployment" section names every setting the app reads and none it does not; and compose.yaml has the
parts the README promises (PostgreSQL with a healthcheck, two servers on it with the shared media volume, a
proxy whose config upgrades the websocket and keeps sessions sticky, the sandbox and the bucket optional),
with no secret written in it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "compose.yaml"
ENV_EXAMPLE = ROOT / "deploy" / "team.env.example"
NGINX = ROOT / "deploy" / "nginx.conf"
SETTING = re.compile(r"\bAVATAR_DESK_[A-Z0-9_]*[A-Z0-9]\b")
APP_SERVERS = ("app1", "app2")


def read_by_app() -> set[str]:
    """Every AVATAR_DESK_* name written in the app's own source (app.py, pages/, lib/)."""
    sources = [
        ROOT / "app.py",
        *sorted((ROOT / "pages").rglob("*.py")),
        *sorted((ROOT / "lib").rglob("*.py")),
    ]
    return {name for path in sources for name in SETTING.findall(path.read_text(encoding="utf-8"))}


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # the KEY=VALUE list form
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def env_file_settings(text: str) -> dict[str, str]:
    """KEY=VALUE lines of an env file, commented-out ones included (they are settings offered to fill in)."""
    found = {}
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if re.match(r"^[A-Z][A-Z0-9_]*=", line):
            key, value = line.split("=", 1)
            found[key] = value
    return found


def team_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("\n## Team deployment\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def test_the_app_reads_settings_at_all():
    # A guard for the checks below: a broken pattern would find nothing and pass them all.
    assert {"AVATAR_DESK_DB", "AVATAR_DESK_PUBLIC_URL", "AVATAR_DESK_MEDIA_DIR"} <= read_by_app()


def test_every_variable_compose_sets_is_one_the_app_reads():
    services = compose()["services"]
    set_in_compose = {
        name
        for service in services.values()
        for name in environment(service)
        if name.startswith("AVATAR_DESK_")
    }
    in_env_file = {
        name for name in env_file_settings(ENV_EXAMPLE.read_text()) if name.startswith("AVATAR_DESK_")
    }
    assert set_in_compose, "compose.yaml sets app settings"
    unread = sorted((set_in_compose | in_env_file) - read_by_app())
    assert not unread, f"set for the app, but the app never reads them: {unread}"


def test_the_readme_team_section_lists_exactly_the_settings_the_app_reads():
    listed = set(SETTING.findall(team_section()))
    read = read_by_app()
    unlisted, unread = sorted(read - listed), sorted(listed - read)
    assert not unlisted, (
        f"the app reads these; the README's Team deployment section does not list them: {unlisted}"
    )
    assert not unread, (
        f"the README's Team deployment section lists these; the app does not read them: {unread}"
    )


def test_the_readme_settings_table_has_a_row_for_every_setting():
    table = [line for line in team_section().splitlines() if line.startswith("| `")]
    in_rows = {name for line in table for name in SETTING.findall(line.split("|")[1])}
    missing = sorted(read_by_app() - in_rows)
    assert not missing, f"settings the app reads with no row in the Team deployment table: {missing}"


def test_the_servers_share_one_postgresql_and_one_media_volume():
    spec = compose()
    services = spec["services"]
    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:15")
    assert postgres["healthcheck"]["test"], "PostgreSQL has a healthcheck"
    assert any(str(v).endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
    for name in APP_SERVERS:
        server = services[name]
        command = server["command"]
        assert command[:3] == ["streamlit", "run", "app.py"]
        assert "0.0.0.0" in command and "8501" in command
        assert server["depends_on"]["postgres"]["condition"] == "service_healthy"
        env = environment(server)
        media_dir = env["AVATAR_DESK_MEDIA_DIR"]
        assert f"media:{media_dir}" in server["volumes"], (
            "the shared volume is mounted at AVATAR_DESK_MEDIA_DIR"
        )
        assert env["AVATAR_DESK_SANDBOX_URL"].startswith("http://sandbox:")
        assert [f["path"] for f in server["env_file"]] == ["deploy/team.env"]
    assert "media" in spec["volumes"]
    # The database URL (with its password) comes from the env file, whose example points at this PostgreSQL.
    example = env_file_settings(ENV_EXAMPLE.read_text())
    assert example["AVATAR_DESK_DB"].startswith("postgresql://")
    assert "@postgres:5432/" in example["AVATAR_DESK_DB"]


def test_the_sandbox_and_the_bucket_are_optional_profiles():
    services = compose()["services"]
    sandbox = services["sandbox"]
    assert sandbox["profiles"] == ["sandbox"]
    assert "python -m lib.sandbox --host 0.0.0.0 --port 8600" in " ".join(map(str, sandbox["command"]))
    assert services["minio"]["profiles"] == ["bucket"]
    for name in APP_SERVERS:
        assert services[name]["depends_on"]["sandbox"]["required"] is False


def test_the_proxy_keeps_websocket_sessions_sticky():
    proxy = compose()["services"]["proxy"]
    assert any("deploy/nginx.conf" in str(v) for v in proxy["volumes"])
    conf = NGINX.read_text()
    upstream = re.search(r"upstream\s+\w+\s*\{(.*?)\}", conf, re.S).group(1)
    assert re.search(r"^\s*(ip_hash|hash \$\w+( consistent)?);", upstream, re.M), "a sticky upstream"
    for name in APP_SERVERS:
        assert f"server {name}:8501" in upstream
    stream = re.search(r"location /_stcore/stream \{(.*?)\n    \}", conf, re.S).group(1)
    assert "proxy_set_header Upgrade $http_upgrade;" in stream
    assert re.search(r"proxy_set_header Connection \$\w+;", stream)
    assert "proxy_set_header Host $http_host;" in stream  # Streamlit compares the Origin with this Host


def test_no_secret_is_written_in_compose_or_the_image():
    spec = compose()
    for service in spec["services"].values():
        for name in environment(service):
            if re.search(r"PASSWORD|PASSPHRASE|SECRET|TOKEN|API_KEY", name) or name == "AVATAR_DESK_DB":
                pytest.fail(f"{name} is written in compose.yaml; it belongs in deploy/team.env")
    ignored = (ROOT / ".dockerignore").read_text().split()
    for kept_out in (".streamlit/secrets.toml", "deploy/*.env", "data/"):
        assert kept_out in ignored
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile
    assert not re.search(r"(?m)^(ENV|ARG)\b.*(KEY|PASSWORD|PASSPHRASE|SECRET|TOKEN)", dockerfile)
