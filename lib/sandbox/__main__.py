"""`python -m lib.sandbox --port N`: run the sandbox alone in the foreground; prints its base URL first."""

from __future__ import annotations

import argparse

import uvicorn

from lib.sandbox.config import SandboxConfig
from lib.sandbox.server import create_app


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m lib.sandbox", description="A local emulator of the APIMart API"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--timing", choices=["realistic", "instant"], default="realistic")
    parser.add_argument("--session-ttl", type=float, default=120.0)
    parser.add_argument(
        "--public-url", default=None, help="base URL put into H5 links (e.g. reachable by a phone)"
    )
    parser.add_argument(
        "--media-origin",
        action="append",
        default=[],
        help="a loopback origin whose hosted files (/files/...) are judged (repeatable), e.g. the app's",
    )
    args = parser.parse_args()
    config = SandboxConfig(
        timing=args.timing,
        session_ttl=args.session_ttl,
        public_url=args.public_url,
        media_origins=tuple(args.media_origin),
    )
    print(f"APIMart sandbox on http://{args.host}:{args.port}", flush=True)
    uvicorn.run(create_app(config), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
