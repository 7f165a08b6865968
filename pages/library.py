"""Library: every person, asset and video this connection ever made, kept in the store."""

import streamlit as st

from lib import library
from lib.ui import language, state, when
from lib.ui.components import library_exports, library_person, library_tables

store = state.store()
zone = when.zone()  # the browser's time zone (UTC when it has not said)
_ = language.translator()
st.title(_("Library"))
st.caption(_("Everything made with this connection is kept here, across reloads and restarts."))

# What the page reads is re-read only when this connection's rows changed (or the question did), and then only
# what changed: writes under other connections or to other people leave it. Reruns stay cheap.
# `stamp` moves on any write under this connection; `version` when anyone's photos, clips or videos change.
stamp, version = library.stamps(store)
unsettled = state.cached_view("library_unsettled", version, lambda: library.unsettled_count(store))
if unsettled:
    st.warning(
        _.ngettext(
            "{n} request may have been sent without an answer: nothing is sent again by itself.",
            "{n} requests may have been sent without an answer: nothing is sent again by itself.",
            unsettled,
        ).format(n=unsettled),
        icon=":material/help:",
    )
    st.page_link("pages/home.py", label=_("Decide on the Start page"), icon=":material/arrow_forward:")

search = st.text_input(
    _("Search people by name"),
    key="library__search",
    placeholder=_("Lin…"),
    help=_("Their id at APIMart works too."),
)
everyone = state.refreshed(
    "library_people", lambda held: library.people_view(store, search, zone, since=held, stamp=stamp)
)
library_exports.show(store)

# Who added them, when operators sign in (derived with the frame read; the frame is filtered: no store read).
actors = library.actors(everyone)
by = library_tables.added_by_filter(actors)
people = state.cached_view("library_added_by", (everyone.key, by), lambda: library.added_by(everyone, by))

if people.frame.empty:
    st.info(_("No people yet.") if not search else _("Nobody matches that search."))
    st.page_link("pages/verify.py", label=_("Verify a person"), icon=":material/qr_code_2:")
    st.stop()

rows = library_tables.people(people.frame, by_column=bool(actors), version=(everyone.key, by))
group_id, label = library_person.pick(people, rows)
library_person.actions(group_id, label)

wanted = library_tables.status_filter()
# Moves only when this person's photos, clips or videos change (read again only when anyone's did).
theirs = state.refreshed(
    "library_theirs", lambda held: library.person_version(store, group_id, version, held)
)[2]
assets = state.cached_view(
    "library_assets",
    (theirs, group_id, wanted),
    lambda: library.assets_frame(store, group_id, status=wanted, columns=library.PERSON_ASSET_COLUMNS),
)
library_tables.assets(store, group_id, assets, version=(theirs, group_id, wanted))
videos = state.cached_view(
    "library_videos",
    (theirs, group_id, str(zone)),
    lambda: library.videos_frame(store, group_id, zone),
)
library_tables.videos(videos)
