"""A stand-in for ssh that runs the remote command like ``LOCAL_SSH`` and passes the sync
protocol's frames through, with one hook: before the laptop's first push (``put_hours``,
``put_changes`` or ``put_plan``) reaches the host, it runs ``ONCE`` (a shell command, e.g.
another laptop's whole sync) and waits for it. So "another device synced while this one was
between its look at the host and its push" happens every time, not by luck.

Usage (as ``--ssh``): ``python _sync_proxy.py ONCE HOST REMOTE``.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import threading

PUSHES = {"put_hours", "put_changes", "put_plan"}


def frame(stream) -> bytes | None:
    head = stream.read(4)
    if len(head) < 4:
        return None
    (size,) = struct.unpack(">I", head)
    body = stream.read(size)
    return head + body


def main() -> int:
    once, _host, remote = sys.argv[1:4]
    server = subprocess.Popen(["sh", "-c", remote], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def back() -> None:
        while (raw := server.stdout.read1(65536)):
            sys.stdout.buffer.write(raw)
            sys.stdout.buffer.flush()

    pump = threading.Thread(target=back)
    pump.start()
    fired = False
    while (raw := frame(sys.stdin.buffer)) is not None:
        if not fired:
            try:
                op = json.loads(raw[4:]).get("op")
            except ValueError:
                op = None
            if op in PUSHES:
                fired = True
                subprocess.run(["sh", "-c", once], check=True, stdout=subprocess.DEVNULL)
        server.stdin.write(raw)
        server.stdin.flush()
    server.stdin.close()
    code = server.wait()
    pump.join()
    return code


if __name__ == "__main__":
    sys.exit(main())
