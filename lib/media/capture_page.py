"""The phone capture page the person sees, its refusal page, and the short words for what became of each file
they sent. Shows only what this page sent; reads nothing from the store.

Its language (the `phone` catalogs, lib/i18n): the link's `?lang=` (en, zh, zh-Hans, zh-Hant, zh-TW …), else
the phone's Accept-Language when it prefers Chinese (zh-CN → simplified, zh-TW / zh-HK → traditional), else
English and simplified Chinese side by side ("Sent. / 已发送。"), which a person of either reads. `locale` is
"en", "zh_CN", "zh_TW", or None for both side by side."""

from __future__ import annotations

import html
import json

from lib.i18n import N_, PHONE, accept_language, phone_locale, translator
from lib.media.limits import IMAGE, VIDEO
from lib.media.report import MediaReport, Severity

BOTH = ("en", "zh_CN")  # the side-by-side languages when the page does not know the person's


def page_locale(lang_param: str | None, accept_language_header: str | None) -> str | None:
    """The page's locale: the link's `lang`, else a Chinese first choice of the phone, else None (both)."""
    asked = phone_locale(lang_param)
    if asked:
        return asked
    wanted = accept_language(accept_language_header)
    if wanted:
        first = phone_locale(wanted[0])
        if first and first != "en":
            return first
    return None


def say(locale: str | None, message: str, *, separator: str = " / ", **values: object) -> str:
    """`message` in `locale`, or in English and simplified Chinese side by side when `locale` is None."""
    if locale:
        return translator(locale, PHONE)(message).format(**values)
    return separator.join(translator(lang, PHONE)(message).format(**values) for lang in BOTH)


# What the person reads about a refused file, by finding code (lib.media.report): short, no numbers they
# cannot act on. The operator's fuller phrases are made in lib/ui.
_NOT_USABLE = N_("This is not a photo or a video that can be used.")
_REASONS = {
    "empty": N_("The file is empty."),
    "format": _NOT_USABLE,
    "container": _NOT_USABLE,
    "unreadable": N_("The file could not be read (it may be damaged)."),
    "too_many_pixels": N_("The picture is too large to open."),
    "too_small": N_("The picture is too small: at least {min_side} pixels per side."),
    "duration": N_("The clip is too short: record at least {seconds} seconds."),
    "fps": N_("The clip's frame rate is too low."),
    "pixels_low": N_("The clip's resolution is too low."),
    "aspect": N_("The picture is too narrow or too wide."),
    "file_size": N_("The file is too large."),
}
_LIMITS = {"min_side": IMAGE.min_side, "seconds": f"{VIDEO.min_seconds:g}"}
_CANNOT_USE = N_("This file cannot be used.")
SENT = N_("Sent.")
ALREADY_SENT = N_("Already sent.")
NEEDS_FIX = N_("Sent: it needs a small fix, which the person helping you will make.")
FACE_TIP = N_("Sent. Tip: a clear photo of your face alone works best.")
TOO_LARGE = N_("Too large: at most {max_mb} MB per file.")
EXPIRED = N_("This link is no longer valid: ask for a new one.")
FAILED = N_("Not sent: check the connection and try again.")
SENDING = N_("Sending…")


def too_large(max_mb: int, locale: str | None = None) -> str:
    return say(locale, TOO_LARGE, max_mb=max_mb)


def outcome(report: MediaReport, *, duplicate: bool, locale: str | None = None) -> dict[str, str]:
    """What the page shows for one received file: status "sent" | "fix" | "refused" and a message."""
    refused = [f for f in report.findings if f.severity is Severity.REFUSED]
    if refused:
        return {"status": "refused", "message": say(locale, _REASONS.get(refused[0].code, _CANNOT_USE), **_LIMITS)}
    if not report.passes:
        return {"status": "fix", "message": say(locale, NEEDS_FIX)}
    if duplicate:
        return {"status": "sent", "message": say(locale, ALREADY_SENT)}
    if any(f.code == "faces" for f in report.findings):
        return {"status": "sent", "message": say(locale, FACE_TIP)}
    return {"status": "sent", "message": say(locale, SENT)}


_STYLE = """body{font-family:system-ui,sans-serif;margin:0;background:#f5f5fa;color:#1f2330}
main{max-width:32rem;margin:0 auto;padding:1.2rem}h1{font-size:1.3rem;margin:.4rem 0 .6rem}
p{line-height:1.45}.pick{display:block;text-align:center;padding:1rem;margin:.7rem 0;border-radius:.7rem;
font-size:1.05rem;background:#4F46E5;color:#fff;cursor:pointer}.pick.second{background:#fff;color:#4F46E5;
border:2px solid #4F46E5}.pick input{display:none}ul{list-style:none;padding:0}li{display:flex;gap:.7rem;
align-items:center;background:#fff;border-radius:.6rem;padding:.6rem;margin:.5rem 0}li img{flex:none;width:3.5rem;
height:3.5rem;object-fit:cover;border-radius:.4rem;background:#e5e5ef}li .name{font-weight:600;
word-break:break-all}li .status{font-size:.9rem}li[data-status=sent] .status{color:#137333}
li[data-status=fix] .status{color:#8a5a00}li[data-status=refused] .status,li[data-status=error] .status
{color:#b3261e}small{color:#5f6368}"""

_SCRIPT = """const T = JSON.parse(document.getElementById("capture-words").textContent);
const UPLOAD = location.pathname.replace(/\\/$/, "") + "/upload" + location.search;  // keeps ?lang=
const list = document.getElementById("capture-sent");
const queue = [];
let busy = false;
function show(job, status, message) {
  job.li.dataset.status = status;
  job.status.textContent = message;
}
function enqueue(files) {
  for (const file of files) {
    const li = document.createElement("li");
    const thumb = document.createElement("img");
    thumb.alt = "";
    thumb.onerror = () => thumb.removeAttribute("src");  // a picture the phone cannot show: an empty tile
    if (file.type.startsWith("image/")) thumb.src = URL.createObjectURL(file);
    const text = document.createElement("div");
    const name = document.createElement("div");
    name.className = "name";
    name.textContent = file.name;
    const status = document.createElement("div");
    status.className = "status";
    text.append(name, status);
    li.append(thumb, text);
    list.prepend(li);
    const job = {file, li, status};
    show(job, "waiting", T.sending);
    queue.push(job);
  }
  pump();
}
async function pump() {
  if (busy) return;
  busy = true;
  while (queue.length) await send(queue.shift());
  busy = false;
}
function send(job) {
  return new Promise((done) => {
    if (job.file.size > T.max_bytes) { show(job, "refused", T.too_large); done(); return; }
    const xhr = new XMLHttpRequest();
    xhr.open("POST", UPLOAD);
    xhr.setRequestHeader("X-File-Name", encodeURIComponent(job.file.name));
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) show(job, "sending", T.sending + " " + Math.round(100 * e.loaded / e.total) + "%");
    };
    xhr.onload = () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) {}
      if (xhr.status === 200) show(job, body.status, body.message);
      else if (xhr.status === 413) show(job, "refused", body.message || T.too_large);
      else if (xhr.status === 403) show(job, "refused", T.expired);
      else show(job, "error", T.failed);
      done();
    };
    xhr.onerror = () => { show(job, "error", T.failed); done(); };
    xhr.send(job.file);
  });
}
for (const input of document.querySelectorAll("input[type=file]")) {
  input.addEventListener("change", () => { enqueue(Array.from(input.files)); input.value = ""; });
}"""

_PAGE = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer">
<title>{title}</title><style nonce="{nonce}">{style}</style></head><body><main id="capture">
<h1>{heading}</h1>
<p>{how}</p>
<label class="pick"><input id="capture-camera" type="file" accept="image/*,video/*" capture multiple>
{camera}</label>
<label class="pick second"><input id="capture-gallery" type="file" accept="image/*,video/*" multiple>
{gallery}</label>
<ul id="capture-sent"></ul>
<p><small>{only_here}</small></p>
</main><script id="capture-words" type="application/json">{words}</script>
<script nonce="{nonce}">{script}</script></body></html>"""

_TITLE = N_("Add photos")
_HEADING = N_("Add photos and clips")
_HOW = N_("Take a photo or a short clip (2-15 s), face to the camera, or choose from your gallery.")
_CAMERA = N_("Take a photo or clip")
_GALLERY = N_("Choose from the gallery")
_ONLY_HERE = N_("Only what you send from this page is listed here.")
_HTML_LANG = {"en": "en", "zh_CN": "zh-Hans", "zh_TW": "zh-Hant"}


def _json_in_html(value: object) -> str:
    # Inside <script type="application/json">: no "</" can close the element early.
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def _text(locale: str | None, message: str, separator: str = " / ") -> str:
    return html.escape(say(locale, message, separator=separator), quote=False)


def capture_page(nonce: str, max_bytes: int, max_mb: int, locale: str | None = None) -> str:
    words = {
        "max_bytes": max_bytes,
        "too_large": too_large(max_mb, locale),
        "expired": say(locale, EXPIRED),
        "failed": say(locale, FAILED),
        "sending": say(locale, SENDING),
    }
    return _PAGE.format(
        lang=_HTML_LANG.get(locale or "en", "en"),
        title=_text(locale, _TITLE, " · "),
        heading=_text(locale, _HEADING),
        how=_text(locale, _HOW, "\x00").replace("\x00", "<br>\n"),
        camera=_text(locale, _CAMERA),
        gallery=_text(locale, _GALLERY),
        only_here=_text(locale, _ONLY_HERE),
        nonce=nonce,
        style=_STYLE,
        script=_SCRIPT,
        words=_json_in_html(words),
    )


def content_security_policy(nonce: str) -> str:
    """Only this page's own script and style; uploads to its own origin; previews from the chosen files."""
    return (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; img-src blob:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


_REFUSED = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer">
<title>Avatar Desk</title></head><body style="font-family:system-ui,sans-serif;text-align:center;
padding:3rem 1.5rem;background:#f5f5fa"><main id="capture-refused"><h1 style="font-size:1.3rem">
{heading}</h1><p>{body}</p></main></body></html>"""

_NOT_VALID = N_("This link is not valid")
_ASK_AGAIN = N_("Ask the person who sent you the link for a new one.")


def refused_page(locale: str | None = None) -> str:
    """The same page for every reason (unknown, expired, closed): it reveals nothing."""
    return _REFUSED.format(
        lang=_HTML_LANG.get(locale or "en", "en"),
        heading=_text(locale, _NOT_VALID),
        body=_text(locale, _ASK_AGAIN),
    )
