"""Start: what Avatar Desk does, where the operator is, and the one thing to do next."""

import streamlit as st

from lib.ui import language, state, unsettled, words
from lib.ui.components import go_to_step
from lib.ui.text import code, literal

_ = language.translator()

st.title(_("Avatar Desk"))
st.caption(
    _("Take a real person from a face check on their phone to approved photos and clips for their videos.")
)
st.markdown(
    _(
        """
1. **Verify**: the person scans a QR code with their phone and does a short face check there.
2. **Group**: give the verified person a name you will recognise.
3. **Submit**: paste or upload links to their photos or clips; each one is checked before anything is sent.
4. **Review**: APIMart approves or rejects each one; copy the approved ones, send better ones for the rest.
5. **Generate**: make a video with the approved photos or clips.
"""
    )
)

wf = state.workflow()
with st.container(border=True):
    st.markdown(_("**Where you are**"))
    step = go_to_step.first_unfinished_step(wf)
    if not wf.group_id:
        st.caption(_("No person yet in this session."))
        go_to_step.go_button(step, key="home__next")
        if wf.known_groups:
            known = len(wf.known_groups)
            st.page_link(
                "pages/library.py",
                label=_.ngettext(
                    "Or pick the {n} person verified before", "Or pick one of the {n} people verified before", known
                ).format(n=known),
                icon=":material/video_library:",
            )
    else:
        st.markdown(_("Person: **{name}**").format(name=literal(wf.group_label) or _("unnamed")))
        counts = wf.ledger.counts() if wf.ledger else {}
        if counts.get("submitted"):
            sent = _("{assets} sent: {usable} approved, {failed} not approved, {pending} being checked").format(
                assets=words.sentence(words.assets_in(_, counts["submitted"], wf.ledger.kind())),
                usable=counts["usable"],
                failed=counts["failed"],
                pending=counts["pending"],
            )
            if counts.get("unknown"):
                sent += _(", {n} may have been sent").format(n=counts["unknown"])
            st.caption(sent)
        if step is None:
            step = go_to_step.Step(
                "pages/generate.py",
                _("Make a video"),
                _("{assets} approved: ready to use in a video.").format(
                    assets=words.sentence(words.assets_in(_, counts.get("usable", 0), wf.ledger.kind()))
                ),
                ":material/movie:",
            )
            st.caption(step.why)
            go_to_step.go_button(step, key="home__next")
        else:
            st.caption(step.why)
            go_to_step.go_button(
                go_to_step.Step(step.page, _("Continue where you were"), "", step.icon), key="home__next"
            )
        with st.expander(_("Details")):
            st.markdown(_("Person's id at APIMart (asset group): {id}").format(id=code(wf.group_id)))
    if running := sum(v.running for v in wf.videos):
        st.page_link(
            "pages/generate.py",
            label=_.ngettext("{n} video being made", "{n} videos being made", running).format(n=running),
            icon=":material/movie:",
        )

# After a crash or a lost answer: every request that may have been carried out, with its two choices.
unsettled.everything(key="home__unsettled")
