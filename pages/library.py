"""Library: every person, asset and video this connection ever made, kept in the store."""

import streamlit as st

from lib import library
from lib.ui import state, when, words
from lib.ui.components import library_exports, library_person, library_tables

store = state.store()
zone = when.zone()  # the browser's time zone (UTC when it has not said)
st.title("Library")
st.caption("Everything made with this connection is kept here, across reloads and restarts.")

# What the page reads is re-read only when the store changed (or the question did): reruns stay cheap.
stamp = library.version(store)
unsettled = state.cached_view("library_unsettled", stamp, lambda: library.unsettled_count(store))
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
people = state.cached_view(
    "library_people",
    (stamp, search, str(zone)),
    lambda: library.people_frame(store, search, zone),
)
library_exports.show(store)

if people.empty:
    st.info("No people yet." if not search else "Nobody matches that search.")
    st.page_link("pages/verify.py", label="Verify a person", icon=":material/qr_code_2:")
    st.stop()

rows = library_tables.people(people)
group_id, label = library_person.pick(people, rows)
library_person.actions(group_id, label)

wanted = library_tables.status_filter()
assets = state.cached_view(
    "library_assets",
    (stamp, group_id, wanted),
    lambda: library.assets_frame(store, group_id, status=wanted),
)
library_tables.assets(store, group_id, assets)
videos = state.cached_view(
    "library_videos",
    (stamp, group_id, str(zone)),
    lambda: library.videos_frame(store, group_id, zone),
)
library_tables.videos(videos)
