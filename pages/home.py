"""Start: what Avatar Desk does and where the operator is."""

import streamlit as st

from lib.ui import state, unsettled, widgets
from lib.ui.text import code, literal

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

wf = state.workflow()
with st.container(border=True):
    st.markdown("**Where you are**")
    if not wf.group_id:
        st.caption("No person yet in this session.")
        st.page_link("pages/verify.py", label="Verify a person", icon=":material/qr_code_2:")
        if wf.known_groups:
            st.page_link(
                "pages/library.py",
                label=f"Or pick one of {len(wf.known_groups)} saved people",
                icon=":material/video_library:",
            )
    else:
        st.markdown(f"Person **{literal(wf.group_label) or '(no label)'}** · {code(wf.group_id)}")
        counts = wf.ledger.counts() if wf.ledger else {}
        if counts.get("submitted"):
            st.caption(
                f"{counts['submitted']} asset(s): {counts['usable']} usable, {counts['failed']} failed, "
                f"{counts['pending']} under review"
            )
            st.page_link("pages/review.py", label="Go to the review", icon=":material/fact_check:")
        else:
            st.page_link("pages/submit.py", label="Submit assets", icon=":material/upload:")
    if running := sum(v.running for v in wf.videos):
        st.page_link("pages/generate.py", label=f"{running} video(s) generating", icon=":material/movie:")

# After a crash or a lost answer: every request that may have been carried out, with its two choices.
unsettled.everything(key="home__unsettled")
