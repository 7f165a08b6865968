"""Step 5, Generate: approved asset:// URLs into a Seedance 2.0 video."""

import time
from datetime import datetime, timezone

import streamlit as st

from lib import flow, generation, library
from lib.apimart import ApimartError
from lib.ui import state, unsettled, widgets
from lib.ui.text import code, literal, web_url

wf = state.workflow()
journal = state.journal()
widgets.step_header(
    5, "Generate a video", "Use approved real-person assets with a -face model. No second review happens."
)

# Usable assets of every saved person (the registry), plus the current review's.
saved = journal.registry.assets(journal.scope)
usable = {
    r["asset_url"]: f"{r['label'] or r['group_id']} · {r['name']}"
    for r in saved
    if r["status"] == "usable" and r["asset_url"]
}
if wf.ledger:
    for asset in wf.ledger.by_status("usable"):
        usable.setdefault(asset.current.asset_url, f"{wf.group_label or wf.group_id} · {asset.name}")
not_ready = [r for r in saved if r["status"] != "usable"]

widgets.require(
    bool(usable),
    "No approved assets yet: submit assets and wait for the review first.",
    "pages/review.py",
    "Go to the review",
)
if not_ready:
    st.caption(
        f"{len(not_ready)} asset(s) cannot be picked: only assets approved by the review (usable) can be used; "
        "failed ones must be resubmitted, pending ones are still being reviewed."
    )

picked = st.multiselect(
    f"Approved assets (up to {generation.MAX_IMAGES})",
    list(usable),
    format_func=usable.get,
    key="generate__assets",
    max_selections=generation.MAX_IMAGES,
)
images = []
if picked:
    st.markdown("**Roles** (reference image unless you need a first or last frame)")
    for n, url in enumerate(picked, start=1):
        role = st.selectbox(
            f"image {n}: {literal(usable[url])}",
            generation.ROLES,
            key=f"generate__role_{url}",
            format_func=lambda r: r.replace("_", " "),
        )
        images.append(generation.PickedImage(url, role, usable[url].split(" · ")[-1]))

with st.expander("Reference videos and audio (optional)"):
    video_urls = [
        u.strip()
        for u in st.text_area("Video URLs, one per line (up to 3)", key="generate__videos").splitlines()
        if u.strip()
    ]
    audio_urls = [
        u.strip()
        for u in st.text_area("Audio URLs, one per line (up to 3)", key="generate__audios").splitlines()
        if u.strip()
    ]


def insert_references() -> None:
    text = st.session_state.get("generate__prompt", "")
    refs = ", ".join(f"image {n}" for n in range(1, len(picked) + 1))
    st.session_state["generate__prompt"] = (
        f"{text.rstrip()} {refs}".strip() if text else f"The person in {refs} "
    )


st.text_area(
    "Prompt",
    key="generate__prompt",
    max_chars=generation.MAX_PROMPT,
    height=120,
    placeholder="The person in image 1 waves at the camera in a sunlit office.",
    help="Refer to picked assets as image 1, image 2… in the order picked.",
)
st.button(
    "Insert image references", key="generate__insert_refs", on_click=insert_references, disabled=not picked
)

c1, c2, c3 = st.columns(3)
model = c1.selectbox("Model", generation.MODELS, key="generate__model")
duration = c1.slider(
    "Duration (s)", generation.MIN_DURATION, generation.MAX_DURATION, 5, key="generate__duration"
)
size = c2.selectbox("Size", generation.SIZES, key="generate__size")
resolution = c2.selectbox("Resolution", generation.RESOLUTIONS, index=1, key="generate__resolution")
fixed_seed = c3.toggle("Fixed seed", key="generate__fixed_seed")
seed = (
    int(c3.number_input("Seed", min_value=-1, max_value=2**32 - 1, value=42, key="generate__seed"))
    if fixed_seed
    else None
)
audio = c3.toggle("Generate audio", value=True, key="generate__audio")

spec = generation.GenerationSpec(
    prompt=st.session_state.get("generate__prompt", ""),
    model=model,
    duration=duration,
    size=size,
    resolution=resolution,
    images=tuple(images),
    video_urls=tuple(video_urls),
    audio_urls=tuple(audio_urls),
    seed=seed,
    generate_audio=audio,
)
problems = generation.problems(spec)
if model not in generation.FACE_MODELS:
    st.caption("Tip: real-person assets are recommended with the -face models.")
for problem in problems:
    st.warning(problem, icon=":material/rule:")


def generate() -> None:
    request = generation.to_request(spec)
    with widgets.sending("the video request"):
        job = flow.submit_generation(state.client(), request, group_id=wf.group_id, journal=journal)
    if not job.final:  # sent, or may have been sent: it stays on screen until settled
        wf.videos.append(job)
    if job.last_error is not None and not job.unsettled:
        st.session_state["generate__error"] = job.last_error
    else:
        st.session_state.pop("generate__error", None)


st.button(
    "Generate video",
    key="generate__submit",
    type="primary",
    disabled=bool(problems),
    on_click=generate,
    icon=":material/movie:",
)
if error := st.session_state.get("generate__error"):
    widgets.show_error(error, again="press Generate video again: your choices are kept")

running_at_render = any(job.running for job in wf.videos)


@st.fragment(run_every=2.0 if running_at_render else None)
def videos() -> None:
    for job in reversed(wf.videos):
        before = job.final
        try:
            flow.poll_generation(state.client(), job, journal=journal)
        except ApimartError as error:
            # The job keeps its task id; the next tick asks again.
            widgets.show_error(error, again="the page asks again by itself every few seconds")
        with st.container(border=True):
            st.markdown(
                f"**{literal(job.model)}** · {literal(job.params.get('duration', 5))} s · {code(job.task_id or 'not sent')}"
            )
            st.caption(literal(job.prompt))
            if job.unsettled:
                unsettled.video(job, key="generate__unsettled")
            elif job.status == "completed" and job.video_url:
                st.video(job.video_url)
                expiry = (
                    datetime.fromtimestamp(job.expires_at, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
                    if job.expires_at
                    else "unknown"
                )
                # Upstream's URL, shown as text; a link only when it is a plain http(s) URL.
                st.caption(f"Video URL (link expires {expiry}):")
                st.code(job.video_url, language=None, wrap_lines=True)
                if web_url(job.video_url):
                    st.link_button("Open or download", job.video_url, icon=":material/download:")
            elif job.final:
                st.error(f"Generation {literal(job.status)}: {literal(job.error or 'no reason given')}")
            else:
                st.progress(
                    min(job.progress, 99) / 100,
                    text=f"{literal(job.status)}… {int(time.time() - job.created_at)} s",
                )
        if job.final and not before:
            st.rerun()


if wf.videos:
    st.subheader("Videos of this session")
    videos()
    unsettled.show_error()
earlier = library.videos_frame(journal)
session_tasks = {job.task_id for job in wf.videos}
earlier = earlier[~earlier["task_id"].isin(session_tasks)]
if not earlier.empty:
    st.subheader(f"Earlier videos ({len(earlier)})")
    st.dataframe(
        earlier[["created", "status", "model", "prompt", "video_url"]],
        hide_index=True,
        width="stretch",
        key="generate__earlier",
        column_config={"video_url": st.column_config.LinkColumn("Video", display_text="watch")},
    )
st.page_link("pages/library.py", label="Everything is also in the Library", icon=":material/video_library:")
