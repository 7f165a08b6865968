"""The phone capture page the person sees (English and 中文 side by side), its refusal page, and the short
words for what became of each file they sent. Shows only what this page sent; reads nothing from the store."""

from __future__ import annotations

import html
import json

from lib.media.limits import IMAGE, VIDEO
from lib.media.report import MediaReport, Severity

# What the person reads about a refused file, by finding code (lib.media.report): short, no numbers they
# cannot act on. The operator's fuller phrases are made in lib/ui.
_REASONS = {
    "empty": "The file is empty. / 文件是空的。",
    "format": "This is not a photo or a video that can be used. / 这不是可用的照片或视频。",
    "container": "This is not a photo or a video that can be used. / 这不是可用的照片或视频。",
    "unreadable": "The file could not be read (it may be damaged). / 文件无法读取（可能已损坏）。",
    "too_many_pixels": "The picture is too large to open. / 图片过大，无法打开。",
    "too_small": f"The picture is too small: at least {IMAGE.min_side} pixels per side. / "
    f"图片太小：每边至少 {IMAGE.min_side} 像素。",
    "duration": f"The clip is too short: record at least {VIDEO.min_seconds:g} seconds. / "
    f"视频太短：请至少录制 {VIDEO.min_seconds:g} 秒。",
    "fps": "The clip's frame rate is too low. / 视频帧率太低。",
    "pixels_low": "The clip's resolution is too low. / 视频分辨率太低。",
    "aspect": "The picture is too narrow or too wide. / 画面太窄或太宽。",
    "file_size": "The file is too large. / 文件太大。",
}
_CANNOT_USE = "This file cannot be used. / 此文件无法使用。"
SENT = "Sent. / 已发送。"
ALREADY_SENT = "Already sent. / 之前已发送。"
NEEDS_FIX = "Sent: it needs a small fix, which the person helping you will make. / 已发送：需要小调整，协助您的人会处理。"
FACE_TIP = (
    "Sent. Tip: a clear photo of your face alone works best. / 已发送。提示：只有您本人的清晰正面照效果最好。"
)


def too_large(max_mb: int) -> str:
    return f"Too large: at most {max_mb} MB per file. / 文件太大：每个文件最多 {max_mb} MB。"


EXPIRED = "This link is no longer valid: ask for a new one. / 此链接已失效，请索取新链接。"
FAILED = "Not sent: check the connection and try again. / 发送失败：请检查网络后重试。"
SENDING = "Sending… / 发送中…"


def outcome(report: MediaReport, *, duplicate: bool) -> dict[str, str]:
    """What the page shows for one received file: status "sent" | "fix" | "refused" and a message."""
    refused = [f for f in report.findings if f.severity is Severity.REFUSED]
    if refused:
        return {"status": "refused", "message": _REASONS.get(refused[0].code, _CANNOT_USE)}
    if not report.passes:
        return {"status": "fix", "message": NEEDS_FIX}
    if duplicate:
        return {"status": "sent", "message": ALREADY_SENT}
    if any(f.code == "faces" for f in report.findings):
        return {"status": "sent", "message": FACE_TIP}
    return {"status": "sent", "message": SENT}


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
const UPLOAD = location.pathname.replace(/\\/$/, "") + "/upload";
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

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer">
<title>Add photos · 添加照片</title><style nonce="{nonce}">{style}</style></head><body><main id="capture">
<h1>Add photos and clips / 添加照片和视频</h1>
<p>Take a photo or a short clip (2-15 s), face to the camera, or choose from your gallery.<br>
请正对镜头拍照或录制短视频（2-15 秒），或从相册选择。</p>
<label class="pick"><input id="capture-camera" type="file" accept="image/*,video/*" capture multiple>
Take a photo or clip / 拍照或录像</label>
<label class="pick second"><input id="capture-gallery" type="file" accept="image/*,video/*" multiple>
Choose from the gallery / 从相册选择</label>
<ul id="capture-sent"></ul>
<p><small>Only what you send from this page is listed here. / 此处仅显示您在本页发送的文件。</small></p>
</main><script id="capture-words" type="application/json">{words}</script>
<script nonce="{nonce}">{script}</script></body></html>"""


def _json_in_html(value: object) -> str:
    # Inside <script type="application/json">: no "</" can close the element early.
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def capture_page(nonce: str, max_bytes: int, max_mb: int) -> str:
    words = {
        "max_bytes": max_bytes,
        "too_large": too_large(max_mb),
        "expired": EXPIRED,
        "failed": FAILED,
        "sending": SENDING,
    }
    return _PAGE.format(nonce=nonce, style=_STYLE, script=_SCRIPT, words=_json_in_html(words))


def content_security_policy(nonce: str) -> str:
    """Only this page's own script and style; uploads to its own origin; previews from the chosen files."""
    return (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; img-src blob:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


_REFUSED = """<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer">
<title>Avatar Desk</title></head><body style="font-family:system-ui,sans-serif;text-align:center;
padding:3rem 1.5rem;background:#f5f5fa"><main id="capture-refused"><h1 style="font-size:1.3rem">
This link is not valid / 此链接无效</h1><p>{body}</p></main></body></html>"""


def refused_page() -> str:
    """The same page for every reason (unknown, expired, closed): it reveals nothing."""
    return _REFUSED.format(
        body=html.escape(
            "Ask the person who sent you the link for a new one. / 请联系发送链接的人获取新链接。"
        )
    )
