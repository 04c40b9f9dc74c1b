"""Sync between a counselor's laptop and the clinic host, over ``ssh HOST facilitator sync --serve``.

Above ``store`` (it reads and writes the clinic's files through it) and below ``cli``:

    protocol   the wire: length-prefixed JSON messages, hello, base64 file bytes
    client     the laptop's side: what to pull, merge and push; ``sync()``
    server     the host's side: answers one laptop's requests
    files      which files take part, their hashes, writing merged copies under their locks
    merge      merging a file's two copies: pure functions on dicts
"""
