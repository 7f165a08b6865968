"""The person's phone landing on the Verify page with a result: answered like /callback, then nothing else.
In the phone's language (the `phone` catalogs: the browser's zh-CN, zh-TW … or English)."""

import streamlit as st

from lib.callbacks import SECRET_PARAM, server_inbox
from lib.i18n import PHONE, phone_locale, translator


def _phone_translator():
    try:
        tag = st.context.locale
    except Exception:  # no browser context
        tag = None
    return translator(phone_locale(tag) or "en", PHONE)


def stop_if_landed() -> None:
    """A callback URL pointed at the Verify page (instead of /callback) lands there, on the person's phone,
    with the result in the query: the same secret and the same rules as the /callback route, and the same
    answer. Stops the page when it did."""
    if "bytedToken" not in st.query_params:
        return
    landed = st.query_params.to_dict()
    st.query_params.clear()
    _ = _phone_translator()
    if (record := server_inbox().record(landed.get(SECRET_PARAM, ""), landed)) is None:
        st.warning(_("This link is not valid (any more). Ask the person who sent it for a new one."))
    elif record.succeeded:
        st.success(_("Done: thank you. Your verification is complete. You can close this page."))
    else:
        st.warning(_("Verification not completed. Tell the person who sent you the link: they can send a new one."))
    st.stop()
