"""Keeping the API key out of sight: masking for display and scrubbing from text; it never stores a key."""

from __future__ import annotations

from typing import Any


def mask_key(key: str | None) -> str:
    """A display form that identifies a key without revealing it: `sk-…abcd`."""
    key = (key or "").strip()
    if not key:
        return "(none)"
    # Short keys would be half revealed by their last four characters: show less of them.
    tail = key[-4:] if len(key) >= 12 else ""
    prefix = "sk-" if key.startswith("sk-") and len(key) >= 12 else ""
    return f"{prefix}…{tail}"


def scrub_text(text: str, secret: str | None) -> str:
    """`text` with every occurrence of `secret` replaced by its masked form."""
    if not secret or not isinstance(text, str) or secret not in text:
        return text
    return text.replace(secret, mask_key(secret))


def scrub(value: Any, secret: str | None) -> Any:
    """A copy of a parsed JSON value with `secret` masked in every string (a server may echo the key)."""
    if not secret:
        return value
    if isinstance(value, str):
        return scrub_text(value, secret)
    if isinstance(value, dict):
        return {
            scrub_text(k, secret) if isinstance(k, str) else k: scrub(v, secret) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(scrub(v, secret) for v in value)
    return value
