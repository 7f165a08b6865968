"""The review's Details: the group and task ids, the attempt history and the raw responses, out of the way."""

from __future__ import annotations

import streamlit as st

from lib import review
from lib.ledger import AssetLedger
from lib.ui.text import code, literal


def show(ledger: AssetLedger) -> None:
    with st.expander("Details", icon=":material/info:"):
        st.markdown(f"Group id: {code(ledger.group_id)}")
        st.markdown(
            "Review tasks:  \n"
            + "  \n".join(
                f"{code(t.task_id)} · {literal(t.status)}" for t in list(ledger.tasks.values())[-20:]
            )
        )
        if st.toggle("Show the attempt history", key="review__show_history"):
            st.dataframe(
                review.history_frame(ledger),
                hide_index=True,
                width="stretch",
                key="review__history",
                placeholder="",
            )
        if st.toggle("Show raw responses (for debugging)", key="review__show_raw"):
            task_id = st.selectbox("Task", list(ledger.tasks), key="review__raw_task")
            if task_id:
                st.json(ledger.tasks[task_id].raw or {}, expanded=False)
