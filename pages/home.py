"""Start: what Avatar Desk does and where the operator is."""

import streamlit as st

from lib.ui import widgets

st.title("Avatar Desk")
st.caption("From a real person to approved Seedance 2.0 avatar assets, through APIMart.")
widgets.sandbox_banner()
st.markdown(
    """
1. **Verify**: the person scans a QR code and completes a face check on their phone.
2. **Group**: their verified asset group is saved under a name you choose.
3. **Submit**: paste or upload image or video URLs; every row is checked before sending.
4. **Review**: watch the review, copy the usable `asset://` URLs, resubmit the failed ones.
"""
)
