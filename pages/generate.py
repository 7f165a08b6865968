"""Step 5, Generate: a person's approved photos and clips (asset:// URLs) into a Seedance 2.0 video. The
choices live on the session's Workflow (wf.generate): widget values are wiped when the operator opens another
page, so each widget is re-created from them and copies its value back in its callback."""

import dataclasses
import time

import streamlit as st

from lib import flow, generation, library
from lib.apimart import ApimartError
from lib.ui import state, unsettled, when, widgets, words
from lib.ui.text import code, literal, web_url

wf = state.workflow()
store = state.store()
choices = wf.generate
widgets.step_header(
    5,
    "Make a video",
    "Use a person's approved photos and clips with a -face model. They are not checked a second time.",
)

refs = generation.references(state.usable_assets(), wf.ledger, wf.group_label)
people = state.people()
not_ready = sum(p.failed + p.pending for p in people)

widgets.require(
    bool(refs),
    "No approved assets yet: submit photos or clips and wait until the review approves them.",
    "pages/review.py",
    "Go to the review",
)
if not_ready:
    st.caption(
        f"{not_ready} photo(s) or clip(s) cannot be picked: only approved ones can be used. Those not approved "
        "can be sent again from the review; the others are still being checked."
    )

# What the page starts with: the Review page's "Make a video with these" picks when it hands new ones over,
# else the current person's approved assets, until the operator picks by hand.
picks = list(getattr(wf, "generate_picks", None) or [])
if picks and picks != choices.handed_over:
    choices.handed_over = picks
    choices.assets = generation.default_picks(refs, wf.group_id, picks)
    choices.picked_by_operator = True
    st.session_state.pop("generate__assets", None)
elif not choices.picked_by_operator:
    choices.assets = generation.default_picks(refs, wf.group_id)
    if st.session_state.get("generate__assets", choices.assets) != choices.assets:
        st.session_state.pop("generate__assets")


def seed(key: str, value) -> None:
    """A widget's value from the working copy when Streamlit has forgotten it (another page was shown)."""
    if key not in st.session_state:
        st.session_state[key] = value


def keep(attribute: str, key: str) -> None:
    setattr(choices, attribute, st.session_state[key])


def keep_picks() -> None:
    choices.assets = list(st.session_state["generate__assets"])
    choices.picked_by_operator = True


def keep_role(url: str) -> None:
    choices.roles[url] = st.session_state[f"generate__role_{url}"]


seed("generate__assets", [u for u in choices.assets or [] if u in refs])
if any(u not in refs for u in st.session_state["generate__assets"]):
    st.session_state["generate__assets"] = [u for u in st.session_state["generate__assets"] if u in refs]
st.multiselect(
    f"Approved photos and clips (at most {generation.MAX_IMAGES} photos, {generation.MAX_VIDEOS} clips, "
    f"{generation.MAX_REFERENCES} references in all)",
    list(refs),
    format_func=lambda u: f"{refs[u].title} ({'photo' if refs[u].kind == generation.IMAGE else 'clip'})",
    key="generate__assets",
    on_change=keep_picks,
)

with st.expander("More clips or audio by URL (optional)"):
    seed("generate__videos", choices.video_urls)
    st.text_area(
        "Video URLs, one per line",
        key="generate__videos",
        on_change=keep,
        args=("video_urls", "generate__videos"),
    )
    seed("generate__audios", choices.audio_urls)
    st.text_area(
        "Audio URLs (wav or mp3), one per line",
        key="generate__audios",
        on_change=keep,
        args=("audio_urls", "generate__audios"),
    )

spec = choices.spec(refs)
by_url = {r.url: r for r in refs.values()}
if labelled := spec.references():
    st.markdown("**References**: the prompt names them like this, in this order.")
    for label, url in labelled:
        ref = by_url.get(url)
        what = literal(ref.title) if ref else literal(url)
        if ref and ref.kind == generation.VIDEO:
            what += f" · {ref.seconds:g} s" if ref.seconds else " · length not known"
        st.markdown(f"- **{label}**: {what}")
    for n, image in enumerate(spec.images, start=1):
        key = f"generate__role_{image.url}"
        seed(key, choices.roles.get(image.url, generation.ROLES[0]))
        st.selectbox(
            f"How image {n} is used",
            generation.ROLES,
            key=key,
            format_func=lambda r: r.replace("_", " "),
            on_change=keep_role,
            args=(image.url,),
        )


def insert_references() -> None:
    refs_text = generation.reference_text(spec)
    text = choices.prompt
    choices.prompt = f"{text.rstrip()} {refs_text}".strip() if text else f"The person in {refs_text} "
    st.session_state["generate__prompt"] = choices.prompt


seed("generate__prompt", choices.prompt)
st.text_area(
    "Prompt",
    key="generate__prompt",
    max_chars=generation.MAX_PROMPT,
    height=120,
    placeholder="The person in image 1 waves at the camera in a sunlit office.",
    help="Name the references as listed above: image 1, video 1, audio 1…",
    on_change=keep,
    args=("prompt", "generate__prompt"),
)
st.button(
    "Insert the references' names",
    key="generate__insert_refs",
    on_click=insert_references,
    disabled=not labelled,
)

c1, c2, c3 = st.columns(3)
for key, attribute in (
    ("generate__model", "model"),
    ("generate__duration", "duration"),
    ("generate__size", "size"),
    ("generate__resolution", "resolution"),
    ("generate__fixed_seed", "fixed_seed"),
    ("generate__seed", "seed"),
    ("generate__audio", "generate_audio"),
):
    seed(key, getattr(choices, attribute))
c1.selectbox(
    "Model", generation.MODELS, key="generate__model", on_change=keep, args=("model", "generate__model")
)
c1.slider(
    "Length of the video (s)",
    generation.MIN_DURATION,
    generation.MAX_DURATION,
    key="generate__duration",
    on_change=keep,
    args=("duration", "generate__duration"),
)
c2.selectbox("Shape", generation.SIZES, key="generate__size", on_change=keep, args=("size", "generate__size"))
c2.selectbox(
    "Resolution",
    generation.RESOLUTIONS,
    key="generate__resolution",
    on_change=keep,
    args=("resolution", "generate__resolution"),
)
c3.toggle(
    "Fixed seed", key="generate__fixed_seed", on_change=keep, args=("fixed_seed", "generate__fixed_seed")
)
if choices.fixed_seed:
    c3.number_input(
        "Seed",
        min_value=-1,
        max_value=2**32 - 1,
        key="generate__seed",
        on_change=keep,
        args=("seed", "generate__seed"),
    )
c3.toggle("Make sound", key="generate__audio", on_change=keep, args=("generate_audio", "generate__audio"))

problems = generation.problems(spec)
if choices.model not in generation.FACE_MODELS:
    st.caption("Tip: a real person's photos and clips work best with the -face models.")
for problem in problems:
    st.warning(problem, icon=":material/rule:")
if unknown := generation.unknown_lengths(spec):
    st.caption(unknown)


def generate() -> None:
    # The prompt typed just before this click is applied in the same run: read it here, not from the last
    # run's spec, so typing then clicking once is enough.
    ready = dataclasses.replace(spec, prompt=st.session_state.get("generate__prompt", spec.prompt))
    if refused := generation.problems(ready):
        st.session_state["generate__refusal"] = refused[0]
        return
    st.session_state.pop("generate__refusal", None)
    request = generation.to_request(ready)
    with widgets.sending("the video request"):
        job = flow.submit_generation(state.client(), request, group_id=wf.group_id, store=store)
    if not job.final:  # sent, or may have been sent: it stays on screen until settled
        wf.videos.append(job)
    if job.last_error is not None and not job.unsettled:
        st.session_state["generate__error"] = job.last_error
    else:
        st.session_state.pop("generate__error", None)


st.button(
    "Make the video",
    key="generate__submit",
    type="primary",
    # An empty prompt alone does not disable it: the click that follows typing one must work.
    disabled=bool([p for p in problems if p != generation.EMPTY_PROMPT]),
    on_click=generate,
    icon=":material/movie:",
)
if refusal := st.session_state.get("generate__refusal"):
    st.warning(refusal, icon=":material/rule:")
if error := st.session_state.get("generate__error"):
    widgets.show_error(error, again="press Make the video again: your choices are kept")

running_at_render = any(job.running for job in wf.videos)


@st.fragment(run_every=2.0 if running_at_render else None)
def videos() -> None:
    for job in reversed(wf.videos):
        before = job.final
        try:
            flow.poll_generation(state.client(), job, store=store)
        except ApimartError as error:
            # The job keeps its task id; the next tick asks again.
            widgets.show_error(error, again="the page asks again by itself every few seconds")
        with st.container(border=True):
            st.markdown(
                f"**{literal(job.model)}** · {literal(job.params.get('duration', 5))} s · "
                f"asked for at {when.clock(job.created_at)}"
            )
            st.caption(literal(job.prompt))
            if job.unsettled:
                unsettled.video(job, key="generate__unsettled")
            elif job.status == "completed" and job.video_url:
                st.video(job.video_url)
                until = when.date_time(job.expires_at)
                # Upstream's URL, shown as text; a link only when it is a plain http(s) URL.
                st.caption(
                    f"Video URL (the link works until {until}):"
                    if until
                    else "Video URL (how long it works was not said):"
                )
                st.code(job.video_url, language=None, wrap_lines=True)
                if web_url(job.video_url):
                    st.link_button("Open or download", job.video_url, icon=":material/download:")
            elif job.final:
                st.error(
                    f"The video was not made ({literal(words.video_status(job.status))}): "
                    f"{literal(job.error or 'no reason was given')}"
                )
            else:
                st.progress(
                    min(job.progress, 99) / 100,
                    text=f"{literal(words.video_status(job.status))}… "
                    f"{when.span(time.time() - job.created_at)}",
                )
            with st.expander("Details"):
                st.markdown(f"Task id: {code(job.task_id) if job.task_id else 'none yet'}")
        if job.final and not before:
            st.rerun()


if wf.videos:
    st.subheader("Videos of this session")
    videos()
    unsettled.show_error()
earlier = library.videos_frame(store, tz=when.zone())
session_tasks = {job.task_id for job in wf.videos}
earlier = earlier[~earlier["task_id"].isin(session_tasks)].copy()
if not earlier.empty:
    earlier["status"] = earlier["status"].map(words.video_status)
    st.subheader(f"Earlier videos ({len(earlier)})")
    st.dataframe(
        earlier[["created", "status", "model", "prompt", "video_url"]],
        hide_index=True,
        width="stretch",
        key="generate__earlier",
        column_config={
            "created": "Asked for",
            "status": "Status",
            "model": "Model",
            "prompt": "Prompt",
            "video_url": st.column_config.LinkColumn("Video", display_text="watch"),
        },
    )
st.page_link("pages/library.py", label="Everything is also in the Library", icon=":material/video_library:")
