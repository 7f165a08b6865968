"""Library: every person, asset and video this connection ever made, kept in the registry."""

import streamlit as st

from lib import library
from lib.ui import state

wf = state.workflow()
journal = state.journal()
st.title("Library")
st.caption("Everything made with this connection is kept here, across reloads and restarts.")

unsettled = len(journal.registry.unsettled_sends(journal.scope)) + len(
    journal.registry.unsettled_videos(journal.scope)
)
if unsettled:
    st.warning(
        f"{unsettled} request(s) may have been sent without an answer: nothing is sent again by itself.",
        icon=":material/help:",
    )
    st.page_link("pages/home.py", label="Decide on the Start page", icon=":material/arrow_forward:")

search = st.text_input(
    "Search people by name or group id", key="library__search", placeholder="Lin, group-2026…"
)
# Frames are re-read only when the registry changed (or the question did): reruns stay cheap.
stamp = journal.registry.change_stamp()
people = state.cached_view(
    "library_people", (stamp, journal.scope, search), lambda: library.people_frame(journal, search)
)
a, b = st.columns(2)
a.download_button(
    "Export everything (JSON)",
    lambda: library.export_json(journal),  # built on click
    "avatar-desk-export.json",
    "application/json",
    key="library__export_json",
    icon=":material/download:",
)
b.download_button(
    "Export assets (CSV)",
    lambda: library.export_csv(journal),
    "avatar-desk-assets.csv",
    "text/csv",
    key="library__export_csv",
    icon=":material/download:",
)

if people.empty:
    st.info("No people yet." if not search else "Nobody matches that search.")
    st.page_link("pages/verify.py", label="Verify a person", icon=":material/qr_code_2:")
    st.stop()

picked = st.dataframe(
    people,
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key="library__people",
)
rows = picked.selection.rows if picked and picked.selection else []
choices = people["group_id"].tolist()
group_id = st.selectbox(
    "Person",
    choices,
    index=rows[0] if rows else 0,
    format_func=lambda g: f"{people.set_index('group_id').loc[g, 'label'] or '(no label)'} · {g}",
    key="library__person",
)
label = people.set_index("group_id").loc[group_id, "label"]


def rename() -> None:
    journal.registry.rename_person(journal.scope, group_id, st.session_state["library__rename"])
    if wf.group_id == group_id:
        wf.group_label = st.session_state["library__rename"].strip()
    wf.known_groups[group_id] = st.session_state["library__rename"].strip()


def use_person() -> None:
    state.use_group(group_id, label)
    st.session_state["library__go_submit"] = True


c, d = st.columns([3, 1])
c.text_input("Label", value=label, key="library__rename", on_change=rename)
d.button(
    "Use this person",
    key="library__use",
    type="primary",
    on_click=use_person,
    icon=":material/arrow_forward:",
)
if st.session_state.pop("library__go_submit", False):
    st.switch_page("pages/submit.py")

status = st.segmented_control(
    "Show", ["all", "usable", "failed", "pending"], default="all", key="library__status"
)
wanted = "" if status in (None, "all") else status
assets = state.cached_view(
    "library_assets",
    (stamp, journal.scope, group_id, wanted),
    lambda: library.assets_frame(journal, group_id, status=wanted),
)
st.subheader(f"Assets ({len(assets)})")
st.dataframe(
    assets.drop(columns=["label", "group_id"]),
    hide_index=True,
    width="stretch",
    key="library__assets",
)
if st.toggle("Show every attempt", key="library__history"):
    st.dataframe(
        library.assets_frame(journal, group_id, latest_only=False).drop(columns=["label", "group_id"]),
        hide_index=True,
        width="stretch",
        key="library__attempts",
    )
videos = state.cached_view(
    "library_videos", (stamp, journal.scope, group_id), lambda: library.videos_frame(journal, group_id)
)
st.subheader(f"Videos ({len(videos)})")
if videos.empty:
    st.caption("No videos yet.")
else:
    st.dataframe(
        videos,
        hide_index=True,
        width="stretch",
        key="library__videos",
        column_config={"video_url": st.column_config.LinkColumn("Video")},
    )
