"""Library: every person, asset and video this connection ever made, kept in the store."""

import streamlit as st

from lib import library, review
from lib.ui import state, when, words

# The tables keep their stored columns (and codes, for the exports); these are the words shown for them,
# with ids last.
PEOPLE_TABLE = {
    "label": "Name",
    "usable": "Approved",
    "failed": "Not approved",
    "pending": "Being checked",
    "created": "Added",
    "mode": "Mode",
    "notes": "Notes",
    "group_id": "Id at APIMart",
}
ASSETS_TABLE = {
    "name": "Name",
    "status": "Status",
    "why": "Why not approved",
    "asset_url": "Approved link (for videos)",
    "source_url": "Your link",
    "attempt": "Try",
    "error_code": "Error code",
    "task_id": "Review id",
}
VIDEOS_TABLE = {
    "created": "Made",
    "status": "Status",
    "model": "Model",
    "prompt": "Prompt",
    "video_url": st.column_config.LinkColumn("Video", display_text="watch"),
    "assets": "Photos or clips",
    "task_id": "Id at APIMart",
}

wf = state.workflow()
store = state.store()
zone = when.zone()  # the browser's time zone (UTC when it has not said)
st.title("Library")
st.caption("Everything made with this connection is kept here, across reloads and restarts.")

unsettled = state.unsettled_count()
if unsettled:
    st.warning(
        f"{words.count(unsettled, 'request').capitalize()} may have been sent without an answer: nothing "
        "is sent again by itself.",
        icon=":material/help:",
    )
    st.page_link("pages/home.py", label="Decide on the Start page", icon=":material/arrow_forward:")

search = st.text_input(
    "Search people by name", key="library__search", placeholder="Lin…", help="Their id at APIMart works too."
)
# Frames are re-read only when the store changed (or the question did): reruns stay cheap.
stamp = library.version(store)
people = state.cached_view(
    "library_people",
    (stamp, search, str(zone)),
    lambda: library.people_frame(store, search, zone),
)
a, b = st.columns(2)
a.download_button(
    "Export everything (JSON)",
    lambda: library.export_json(store),  # built on click
    "avatar-desk-export.json",
    "application/json",
    key="library__export_json",
    icon=":material/download:",
)
b.download_button(
    "Export assets (CSV)",
    lambda: library.export_csv(store),
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
    column_config=PEOPLE_TABLE,
    column_order=list(PEOPLE_TABLE),
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key="library__people",
)
rows = picked.selection.rows if picked and picked.selection else []
choices = people["group_id"].tolist()
names = dict(zip(people["group_id"], people["label"], strict=True))
repeated = {n for n in names.values() if list(names.values()).count(n) > 1}


def person_name(group_id: str) -> str:
    name = names.get(group_id) or "Unnamed person"
    # Only two people of the same name need their ids to be told apart.
    return f"{name} · {group_id}" if not names.get(group_id) or name in repeated else name


group_id = st.selectbox(
    "Person",
    choices,
    index=rows[0] if rows else 0,
    format_func=lambda g: person_name(g),
    key="library__person",
)
label = people.set_index("group_id").loc[group_id, "label"]


def rename() -> None:
    state.rename_person(group_id, st.session_state["library__rename"])
    if wf.group_id == group_id:
        wf.group_label = st.session_state["library__rename"].strip()
    wf.known_groups[group_id] = st.session_state["library__rename"].strip()


def use_person() -> None:
    state.use_group(group_id, label)
    st.session_state["library__go_submit"] = True


c, d = st.columns([3, 1])
c.text_input("Name", value=label, key="library__rename", on_change=rename)
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
    "Show",
    list(words.ASSET_FILTER),
    default="all",
    format_func=words.ASSET_FILTER.get,
    key="library__status",
)
wanted = "" if status in (None, "all") else status
assets = state.cached_view(
    "library_assets",
    (stamp, group_id, wanted),
    lambda: library.assets_frame(store, group_id, status=wanted),
)


def shown_assets(frame):
    """The assets as read: statuses in words, a reason for the ones not approved, empty cells empty."""
    return frame.drop(columns=["label", "group_id"]).assign(
        status=frame["status"].map(words.asset_status),
        why=[
            review.explain(c)[0] if s == "failed" else "" for c, s in zip(frame["error_code"], frame["status"], strict=True)
        ],
    )


st.subheader(f"Photos and clips ({len(assets)})")
st.dataframe(
    shown_assets(assets),
    hide_index=True,
    width="stretch",
    key="library__assets",
    column_config=ASSETS_TABLE,
    column_order=list(ASSETS_TABLE),
)
if st.toggle("Show every try", key="library__history"):
    st.dataframe(
        shown_assets(library.assets_frame(store, group_id, latest_only=False)),
        hide_index=True,
        width="stretch",
        key="library__attempts",
        column_config=ASSETS_TABLE,
        column_order=list(ASSETS_TABLE),
    )
videos = state.cached_view(
    "library_videos",
    (stamp, group_id, str(zone)),
    lambda: library.videos_frame(store, group_id, zone),
)
st.subheader(f"Videos ({len(videos)})")
if videos.empty:
    st.caption("No videos yet.")
else:
    st.dataframe(
        videos.assign(status=videos["status"].map(words.video_status)),
        hide_index=True,
        width="stretch",
        key="library__videos",
        column_config=VIDEOS_TABLE,
        column_order=list(VIDEOS_TABLE),
    )
