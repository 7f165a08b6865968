"""A local emulator of the APIMart real-person avatar API (the contract in docs/sandbox-api.md), so the
app runs and is tested with no internet and no key.

Run it alone with `python -m lib.sandbox --port 8765 [--timing instant]`; the app mounts it at /sandbox.
Any non-empty bearer key is a tenant of its own; one tenant cannot read another's tasks (404), tokens or
groups (400). Task states advance by time when read; `--timing instant` makes every task final at once.

Emulated: the three steps of POST /v1/seedance2/real-avatar (exactly one selector, else 400), the
sibling private-avatar endpoint, GET /v1/tasks/{id}, POST /v1/videos/generations with its limits, the
H5 page (/h5/{token}?lng=zh|en|zh-Hant) whose buttons redirect to callback_url with bytedToken and
resultCode (10000 success, 60001 failure), single-use tokens that a premature query burns, sessions that
expire after session_ttl, and reviews. A photo or clip on a known file host is downloaded (at most 60 MB
in 10 s, in a worker thread, never on the event loop: the sandbox may be mounted in the server that serves
the file) and judged by its bytes with lib.media.inspect: a refused or fixable finding fails it with an
upstream-like code (InvalidParameter.ImageSize, .VideoDuration, .Format ...), a face count other than one
with FaceMismatch; its review ends once it is judged. The known file hosts, and nothing else, are
(lib.sandbox.fetching): /files/<name> on the server the sandbox is served by or on its public_url's origin
(read from the server's own socket), /files/<name> on the loopback `media_origins` of its config, and any
path on the S3-compatible endpoint AVATAR_DESK_S3_ENDPOINT_URL (config `s3_endpoint_url`) when that is on
loopback; no redirect is followed. Any other URL is never fetched and is decided by its text: `mismatch`
fails with FaceMismatch, `unreachable` with InvalidParameter.DownloadFailed, `noreason` with no reason; the
rest become Active with an asset:// URL. Finished videos are a real short MP4 served under /files/.

Control plane under /_sandbox/ (loopback clients, or the X-Sandbox-Control-Token header; see
lib.sandbox.control): POST reset; POST h5/{token}/approve|fail; GET/POST config
(timing, session_ttl, image_review_seconds, video_review_seconds, generation_seconds, public_url,
media_origins, s3_endpoint_url); GET/POST/DELETE faults (route prefix, method, selector of the
real-avatar step, status + body + retry_after, latency, drop, malformed, count, probability; applied
before the handler, so a faulted request changes nothing, or with `after` once the handler has carried
the request out, so the answer is lost while the work is done); GET/DELETE requests (the /v1 request log, keys only as fingerprints,
with each POST's Idempotency-Key); GET assets; GET tasks?kind=; GET health.

Not emulated: real identity, face matching (faces are only counted) or liveness; downloading from
anywhere but the known file hosts; billing and balances (402 only via a fault); rate limits (429 only via
a fault); a server-side callback POST from APIMart; upstream's exact error codes and texts; the real video
content (every video is the same sample clip); submitting to an unknown group answers 400 (APIMart does
not document which status it uses).
"""
