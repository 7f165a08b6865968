"""The upload limit is said twice, once for Streamlit's uploader (.streamlit/config.toml server.maxUploadSize)
and once for the app's own intake (lib.media.limits.UPLOAD_MAX_MB, used by the phone page): they agree, and
Streamlit really reads its half (a misspelled key would fall back to its default of 200 MB)."""

import subprocess
import sys
from pathlib import Path

import tomllib

from lib.media.limits import MB, UPLOAD_MAX_BYTES, UPLOAD_MAX_MB

ROOT = Path(__file__).resolve().parent.parent


def test_the_config_file_says_the_same_limit():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == UPLOAD_MAX_MB
    assert UPLOAD_MAX_BYTES == UPLOAD_MAX_MB * MB


def test_streamlit_reads_the_limit_from_the_project():
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "from streamlit import config; print(config.get_option('server.maxUploadSize'))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert shown.stdout.strip().splitlines()[-1] == str(UPLOAD_MAX_MB)


def test_the_limit_fits_the_largest_asset_and_refuses_the_300_mb_upload():
    # A 50 MB clip (the largest upstream takes) must arrive to be checked; a 300 MB one must not.
    from lib.media.limits import VIDEO

    assert VIDEO.max_bytes < UPLOAD_MAX_BYTES < 300 * MB
