"""Start: what Avatar Desk does, where the operator is, and the one thing to do next."""

import streamlit as st

from lib.ui import state, unsettled, words
from lib.ui.components import go_to_step
from lib.ui.text import code, literal

st.title("Avatar Desk")
st.caption("Take a real person from a face check on their phone to approved photos and clips for their videos.")
st.markdown(
    """
1. **Verify**: the person scans a QR code with their phone and does a short face check there.
2. **Group**: give the verified person a name you will recognise.
3. **Submit**: paste or upload links to their photos or clips; each one is checked before anything is sent.
4. **Review**: APIMart approves or rejects each one; copy the approved ones, send better ones for the rest.
5. **Generate**: make a video with the approved photos or clips.
"""
)

wf = state.workflow()
with st.container(border=True):
    st.markdown("**Where you are**")
    step = go_to_step.first_unfinished_step(wf)
    if not wf.group_id:
        st.caption("No person yet in this session.")
        go_to_step.go_button(step, key="home__next")
        if wf.known_groups:
            st.page_link(
                "pages/library.py",
                label=f"Or pick one of the {words.count(len(wf.known_groups), 'person', 'people')} verified before",
                icon=":material/video_library:",
            )
    else:
        st.markdown(f"Person: **{literal(wf.group_label) or 'unnamed'}**")
        counts = wf.ledger.counts() if wf.ledger else {}
        if counts.get("submitted"):
            st.caption(
                f"{words.assets(counts['submitted'], wf.ledger.kind()).capitalize()} sent: "
                f"{counts['usable']} approved, {counts['failed']} not approved, "
                f"{counts['pending']} being checked"
                + (f", {counts['unknown']} {words.MAY_HAVE_BEEN_SENT}" if counts.get("unknown") else "")
            )
        if step is None:
            step = go_to_step.Step(
                "pages/generate.py",
                "Make a video",
                f"{words.assets(counts.get('usable', 0), wf.ledger.kind()).capitalize()} approved: "
                "ready to use in a video.",
                ":material/movie:",
            )
            st.caption(step.why)
            go_to_step.go_button(step, key="home__next")
        else:
            st.caption(step.why)
            go_to_step.go_button(
                go_to_step.Step(step.page, "Continue where you were", "", step.icon), key="home__next"
            )
        with st.expander("Details"):
            st.markdown(f"Person's id at APIMart (asset group): {code(wf.group_id)}")
    if running := sum(v.running for v in wf.videos):
        st.page_link(
            "pages/generate.py",
            label=f"{words.count(running, 'video')} being made",
            icon=":material/movie:",
        )

# After a crash or a lost answer: every request that may have been carried out, with its two choices.
unsettled.everything(key="home__unsettled")
