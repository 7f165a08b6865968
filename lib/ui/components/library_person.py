"""The Library's person: picked by name (an id only to tell two of the same name apart), renamed in place,
or made the working person and taken to Submit."""

from __future__ import annotations

import streamlit as st

from lib import library
from lib.ui import language, state


def pick(people: library.PeopleView, rows: list[int]) -> tuple[str, str]:
    """The person shown (the selected row's, else the first), as (group id, label). Their names are the
    view's, made when it was read (never per option on each rerun)."""
    _ = language.translator()
    names, labels = people.names, people.labels
    group_id = st.selectbox(
        _("Person"),
        people.group_ids,
        index=rows[0] if rows else 0,
        # An unnamed person reads in the session's language (lib.library.person_names says it in English).
        format_func=lambda g: names[g] if labels[g] else _("Unnamed person · {id}").format(id=g),
        key="library__person",
    )
    return group_id, people.labels[group_id]


def _rename(group_id: str) -> None:
    wf = state.workflow()
    state.rename_person(group_id, st.session_state["library__rename"])
    if wf.group_id == group_id:
        wf.group_label = st.session_state["library__rename"].strip()
    wf.known_groups[group_id] = st.session_state["library__rename"].strip()


def _use(group_id: str, label: str) -> None:
    state.use_group(group_id, label)
    st.session_state["library__go_submit"] = True


def actions(group_id: str, label: str) -> None:
    """The person's name (renamed on Enter) and "Use this person", which goes on to Submit."""
    _ = language.translator()
    c, d = st.columns([3, 1])
    c.text_input(_("Name"), value=label, key="library__rename", on_change=_rename, args=(group_id,))
    d.button(
        _("Use this person"),
        key="library__use",
        type="primary",
        on_click=_use,
        args=(group_id, label),
        icon=":material/arrow_forward:",
    )
    if st.session_state.pop("library__go_submit", False):
        st.switch_page("pages/submit.py")
