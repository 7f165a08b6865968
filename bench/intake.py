"""Files in, for real (issue 13): 20 photos of 12 MP (4000 x 3000 JPEG, 3-5 MB, camera-like grain) and one 15 s
1080p H.264 clip sent one after another, as the phone's capture page sends them, to POST /capture/<token>/upload
of `streamlit run app.py` (sandbox mode, a registry and media folder of its own, a free loopback port). That
route answers each file only once it is checked, has its thumbnail, is hosted and recorded, so the batch time
runs from the first byte sent to the last answer; the rows are then read back from the database (every one
ready, with a JPEG thumbnail). Against it, in the same run: a bare loop that only decodes the same files with
the same libraries (Pillow: each JPEG decoded whole; PyAV: every frame of the clip), run just before and just
after each batch and averaged, so that load from elsewhere on the machine lands on both sides.

  ratio            batch time / bare decode time, per repetition          target: p95 <= 2
  ratio in CPU     the server's CPU seconds for the batch (all threads,   (no target: less moved by other
                   /proc/<pid>/stat) / the bare loop's                     work on the machine than wall time)
  memory growth    the server's peak RSS during the batch (VmHWM, reset   target: p95 <= 300 MB
                   before it through /proc/<pid>/clear_refs) minus its
                   RSS just before the batch

The photos and the clip are also shown apart: the check reads a clip's index and a few frames, never all of
them, so the clip's share of the bare loop is the larger one.

Each repetition sends to a new person through a new capture link (the same files for the same person would
be found again by their hash and not checked). The first batch after the server starts also pays its imports
and caches: it is printed apart and held to the memory target too, not counted in the medians. The files are
made once per run in a temp folder (the server's registry and media beside them) and removed at the end.
Exit code: 2 when something fails (an answer other than 200 "sent", a row missing or without its thumbnail,
the server gone, a traceback in its log), 1 when a target is missed, else 0.

    python bench/intake.py [--quick] [--repetitions 15] [--keep]

--quick takes 3 repetitions: to check the bench works.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import astuple, dataclass
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import av  # noqa: E402
import numpy as np  # noqa: E402
import requests  # noqa: E402
from PIL import Image  # noqa: E402
from skimage import data  # noqa: E402

from bench._stats import p95, summary  # noqa: E402
from lib.media.capture_routes import capture_url  # noqa: E402
from lib.store.database import Database  # noqa: E402
from lib.store.workspace import Store  # noqa: E402
from tests.helpers.media_files import fitted  # noqa: E402
from tests.helpers.serving import StreamlitServer, streamlit_server  # noqa: E402

PHOTOS = 20
PHOTO_SIZE = (4000, 3000)
CLIP_SECONDS, CLIP_FPS, CLIP_SIZE = 15, 30, (1920, 1080)
RATIO_TARGET, MEMORY_TARGET_MB = 2.0, 300.0
MB = 1024 * 1024


class Failed(Exception):
    """Something the batch must do did not happen (exit code 2)."""


@dataclass(frozen=True)
class Timing:
    photos: float  # wall-clock seconds for the 20 photos
    clip: float  # wall-clock seconds for the clip
    cpu: float  # CPU seconds of the process doing the work (all its threads), for the whole batch
    photos_cpu: float  # of which for the photos

    @property
    def total(self) -> float:
        return self.photos + self.clip

    @staticmethod
    def mean(a: Timing, b: Timing) -> Timing:
        return Timing(*((x + y) / 2 for x, y in zip(astuple(a), astuple(b), strict=True)))


@dataclass(frozen=True)
class Sample:
    bare: Timing  # decoding the files (the mean of a decode just before the batch and one just after)
    batch: Timing  # from the first byte sent to the last answer (photos: to the 20th photo's answer)
    growth_mb: float  # the server's peak RSS during the batch minus its RSS before it

    @property
    def ratio(self) -> float:
        return self.batch.total / self.bare.total

    @property
    def cpu_ratio(self) -> float:
        return self.batch.cpu / self.bare.cpu


# ---------------------------------------------------------------------------------------------- the files


def write_photo(path: Path, index: int) -> Path:
    """A 12 MP camera-like JPEG of the astronaut (one face): scaled up, framed a little differently each
    time, with luma and chroma grain so it compresses like a photo (3-5 MB at quality 92), EXIF as a phone
    writes it. Each index gives different bytes (20 photos of one person, not one photo 20 times)."""
    rng = np.random.default_rng(index)
    width, height = PHOTO_SIZE
    side = int(width * rng.uniform(1.0, 1.1))
    top, left = int(rng.uniform(0, 0.08) * side), int(rng.uniform(0, side - width))
    scaled = Image.fromarray(data.astronaut()).resize((side, side), Image.Resampling.BICUBIC)
    pixels = np.asarray(scaled.crop((left, top, left + width, top + height)), dtype=np.float32)
    pixels *= rng.uniform(0.9, 1.1)  # exposure
    pixels += rng.normal(0, rng.uniform(5, 7), size=(height, width, 1)).astype(np.float32)  # luma grain
    pixels += rng.normal(0, 2.5, size=(height, width, 3)).astype(np.float32)  # chroma grain
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "Bench", "Phone 12MP", 1  # make, model, orientation upright
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(path, "JPEG", quality=92, exif=exif)
    return path


def write_clip(path: Path) -> Path:
    """A 15 s 1080p30 H.264 clip as a phone records one: High profile with CABAC (x264 "superfast"), a
    keyframe every second, ~12 Mbit/s, the astronaut panning slowly under sensor grain (frames really differ,
    so decoding them costs what a real clip's do)."""
    width, height = CLIP_SIZE
    base = fitted(data.astronaut(), width, height).astype(np.int16)
    rng = np.random.default_rng(0)
    grains = [rng.normal(0, 5, size=(height, width, 1)).astype(np.int16) for _ in range(4)]
    with av.open(str(path), "w", options={"movflags": "faststart"}) as out:
        stream = out.add_stream(
            "libx264",
            rate=CLIP_FPS,
            options={"preset": "superfast", "x264-params": f"keyint={CLIP_FPS}:min-keyint={CLIP_FPS}"},
        )
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.bit_rate = 12_000_000
        for index in range(CLIP_SECONDS * CLIP_FPS):
            pixels = np.clip(np.roll(base, index * 3, axis=1) + grains[index % len(grains)], 0, 255)
            frame = av.VideoFrame.from_ndarray(pixels.astype(np.uint8), format="rgb24")
            frame.pts = index
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return path


def make_files(folder: Path) -> tuple[list[Path], Path]:
    folder.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=2) as pool:  # numpy and Pillow release the GIL for the heavy parts
        clip = pool.submit(write_clip, folder / "clip.mp4")
        photos = list(pool.map(lambda i: write_photo(folder / f"IMG_{1000 + i}.jpg", i), range(PHOTOS)))
        return photos, clip.result()


# ---------------------------------------------------------------------------------------------- the bare loop


def bare_decode(photos: list[Path], clip: Path) -> Timing:
    """Seconds to decode every photo whole (Pillow) and every frame of the clip (PyAV), and nothing else."""
    cpu, started = time.process_time(), time.perf_counter()
    for photo in photos:
        with Image.open(photo) as image:
            image.load()
    decoded, decoded_cpu = time.perf_counter(), time.process_time()
    with av.open(str(clip)) as container:
        for _ in container.decode(video=0):
            pass
    return Timing(
        decoded - started, time.perf_counter() - decoded, time.process_time() - cpu, decoded_cpu - cpu
    )


# ---------------------------------------------------------------------------------------------- the server


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of a process, in kB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads (/proc/<pid>/stat, in clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def reset_peak(pid: int) -> None:
    """The process's peak RSS (VmHWM) starts again from its RSS now (Linux: clear_refs 5)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def alive(server: StreamlitServer) -> None:
    if server.process.poll() is not None:
        raise Failed(f"the server exited with {server.process.returncode}")


def send_batch(
    server: StreamlitServer, store: Store, files: list[tuple[str, bytes]], person: str
) -> tuple[Timing, float]:
    """The files (the photos, then the clip) sent one after another through a new capture link for a new
    person, each answer checked; then the rows read back. Returns the time from the first byte sent to the
    last answer (split at the last photo's answer) and the peak RSS growth in MB."""
    link, token = store.captures.open(person, person, 1800)
    upload = capture_url(server.base, token) + "/upload"
    session = requests.Session()  # one connection for the batch, as the phone's page keeps its own
    alive(server)
    reset_peak(server.pid)
    before = memory_kb(server.pid)["VmRSS"]
    cpu, started = cpu_seconds(server.pid), time.perf_counter()
    answered, photos_cpu = [], 0.0
    for name, content in files:
        try:
            answer = session.post(
                upload,
                data=content,
                headers={"X-File-Name": quote(name), "Content-Type": "application/octet-stream"},
                timeout=120,
            )
        except requests.RequestException as error:
            alive(server)
            raise Failed(f"{name}: {error}") from error
        if answer.status_code != 200:
            raise Failed(f"{name}: HTTP {answer.status_code} {answer.text[:300]}")
        status = answer.json().get("status")
        if status != "sent":
            raise Failed(f"{name}: the page would show {status!r}: {answer.text[:300]}")
        answered.append(time.perf_counter())
        if len(answered) == len(files) - 1:
            photos_cpu = cpu_seconds(server.pid) - cpu
    seconds = Timing(
        answered[-2] - started, answered[-1] - answered[-2], cpu_seconds(server.pid) - cpu, photos_cpu
    )
    peak = memory_kb(server.pid)["VmHWM"]
    session.close()
    alive(server)
    check_rows(store, link.id, len(files))
    return seconds, (peak - before) / 1024


def check_rows(store: Store, capture_id: str, expected: int) -> None:
    """Every file of the batch is one ready row with a JPEG thumbnail (a poster for the clip)."""
    rows = store.media.by_capture(capture_id)
    if len(rows) != expected:
        raise Failed(f"{len(rows)} rows recorded for {expected} files sent")
    thumbnails = store.media.thumbnails(row.id for row in rows)
    for row in rows:
        if row.state != "ready" or not row.storage_key:
            raise Failed(f"{row.name}: state {row.state!r}, hosted as {row.storage_key!r}")
        if row.id not in thumbnails:
            raise Failed(f"{row.name}: no thumbnail")
        with Image.open(io.BytesIO(thumbnails[row.id])) as thumb:
            if thumb.format != "JPEG" or max(thumb.size) > 320:
                raise Failed(f"{row.name}: thumbnail {thumb.format} {thumb.size}")


def faces_seen(store: Store, person: str) -> str:
    counts = [row.report.get("faces") for row in store.media.by_group(person)]
    return f"{counts.count(1)} of {len(counts)} files with one face found"


# ---------------------------------------------------------------------------------------------- the report


def line(batch: Timing, bare: Timing, growth_mb: float) -> str:
    return (
        f"batch {batch.total:5.2f} s (photos {batch.photos:4.2f}, clip {batch.clip:4.2f}), bare decode "
        f"{bare.total:5.2f} s (photos {bare.photos:4.2f}, clip {bare.clip:4.2f}), ratio "
        f"{batch.total / bare.total:.2f} (CPU {batch.cpu:4.2f} s / {bare.cpu:4.2f} s = {batch.cpu / bare.cpu:.2f}), "
        f"memory growth {growth_mb:3.0f} MB"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 repetitions: to check the bench works")
    parser.add_argument("--repetitions", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (files, registry, media)")
    args = parser.parse_args()
    repetitions = 3 if args.quick else args.repetitions
    load = os.getloadavg()
    print(
        f"bench/intake.py{' --quick' if args.quick else ''}: {repetitions} repetitions; "
        f"{os.cpu_count()} cores, load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at start",
        flush=True,
    )
    folder = Path(tempfile.mkdtemp(prefix="avatar-desk-intake-"))
    try:
        return run(folder, repetitions)
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def run(folder: Path, repetitions: int) -> int:
    started = time.perf_counter()
    photos, clip = make_files(folder / "files")
    sizes = [p.stat().st_size / MB for p in photos]
    print(
        f"made {PHOTOS} photos {PHOTO_SIZE[0]}x{PHOTO_SIZE[1]} JPEG ({min(sizes):.1f}-{max(sizes):.1f} MB, "
        f"{sum(sizes):.0f} MB in all) and a {CLIP_SECONDS} s {CLIP_SIZE[1]}p{CLIP_FPS} H.264 clip "
        f"({clip.stat().st_size / MB:.1f} MB) in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    files = [(p.name, p.read_bytes()) for p in [*photos, clip]]  # sent from memory, as from the phone's
    env = {"AVATAR_DESK_DB": str(folder / "registry.db"), "AVATAR_DESK_MEDIA_DIR": str(folder / "media")}
    db = Database(env["AVATAR_DESK_DB"])
    # Capture links resolve by their token alone: any connection's scope serves.
    store = Store.for_connection(db, "sandbox", "http://127.0.0.1:9/v1", "")
    samples: list[Sample] = []
    try:
        with streamlit_server(env, log_suffix="-intake") as server:
            log_path = ROOT / "test-output" / f"streamlit-{server.base.rsplit(':', 1)[1]}-intake.log"
            rss_start = memory_kb(server.pid)["VmRSS"] / 1024
            bare_decode(photos, clip)  # the bench's own imports and the page cache, not counted
            cold, cold_growth = send_batch(server, store, files, "group-bench-first")
            cold_bare = bare_decode(photos, clip)
            print(
                f"  first batch after start: {line(cold, cold_bare, cold_growth)}; "
                f"{faces_seen(store, 'group-bench-first')}",
                flush=True,
            )
            for n in range(1, repetitions + 1):
                # The bare loop just before and just after each batch: a burst of load from elsewhere on the
                # machine lands on both sides of the ratio rather than on one.
                before = bare_decode(photos, clip)
                batch, growth = send_batch(server, store, files, f"group-bench-{n}")
                bare = Timing.mean(before, bare_decode(photos, clip))
                samples.append(Sample(bare, batch, growth))
                print(
                    f"  repetition {n:2}: {line(batch, bare, growth)} (load {os.getloadavg()[0]:.2f})",
                    flush=True,
                )
            rss_end = memory_kb(server.pid)["VmRSS"] / 1024
            server_log = log_path.read_text(errors="replace") if log_path.exists() else ""
    except (Failed, RuntimeError, TimeoutError) as failure:  # the latter two: the server did not start
        print(f"FAILED: {failure}", file=sys.stderr)
        return 2
    finally:
        db.close()
    if "Traceback" in server_log:
        tail = server_log[server_log.index("Traceback") :][:1500]
        print(f"FAILED: the server's log ({log_path}) has a traceback:\n{tail}", file=sys.stderr)
        return 2

    ratios = [s.ratio for s in samples]
    growths = [s.growth_mb for s in samples]
    mb_sent = sum(len(content) for _, content in files) / MB
    print()
    print(summary("batch, 21 files (first byte sent -> last answer)", [s.batch.total for s in samples], " s"))
    print(summary("  of which the 20 photos", [s.batch.photos for s in samples], " s"))
    print(summary("  of which the clip", [s.batch.clip for s in samples], " s"))
    print(summary("bare decode of the same files", [s.bare.total for s in samples], " s"))
    print(summary("  of which the 20 photos", [s.bare.photos for s in samples], " s"))
    print(summary("  of which the clip (every frame)", [s.bare.clip for s in samples], " s"))
    print(summary("ratio", ratios, "") + f"   target: p95 <= {RATIO_TARGET:g}")
    print(summary("  in CPU seconds (server's / bare loop's)", [s.cpu_ratio for s in samples], ""))
    print(summary("  photos alone", [s.batch.photos / s.bare.photos for s in samples], ""))
    print(
        summary(
            "  photos alone in CPU seconds", [s.batch.photos_cpu / s.bare.photos_cpu for s in samples], ""
        )
    )
    print(summary("  clip alone", [s.batch.clip / s.bare.clip for s in samples], ""))
    print(
        summary("server memory growth", growths, " MB", ".0f") + f"   target: p95 <= {MEMORY_TARGET_MB:g} MB"
    )
    print(
        f"  {mb_sent:.0f} MB sent per batch; the server's RSS {rss_start:.0f} MB at start, {rss_end:.0f} MB "
        f"after {repetitions + 1} batches"
    )
    load = os.getloadavg()
    print(f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the end")
    missed = []
    if p95(ratios) > RATIO_TARGET:
        missed.append(f"ratio p95 {p95(ratios):.2f} > {RATIO_TARGET:g}")
    if max(p95(growths), cold_growth) > MEMORY_TARGET_MB:
        missed.append(f"memory growth {max(p95(growths), cold_growth):.0f} MB > {MEMORY_TARGET_MB:g} MB")
    print("targets: " + ("all met" if not missed else "missed: " + "; ".join(missed)))
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
