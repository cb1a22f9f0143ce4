#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""A minimal SOCKS5 proxy for the cws-ship tests (RFC 1928).

No authentication, CONNECT only, to an IPv4 address or a domain name
(resolved here). Listens on 127.0.0.1 (port 0 unless --port), writes its
port to DIR/port once it listens, and appends each CONNECT target, as
"host:port", to DIR/connects. Runs until SIGTERM or SIGINT.
"""
import argparse
import os
import signal
import socket
import struct
import sys
import threading


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise ConnectionError("short read")
        data += chunk
    return data


def pipe(src, dst):
    """Copies src to dst until src ends, then ends dst's side."""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def serve(client, connects, lock):
    upstream = None
    try:
        ver, nmethods = recv_exact(client, 2)
        methods = recv_exact(client, nmethods)
        if ver != 5 or 0 not in methods:
            client.sendall(b"\x05\xff")
            return
        client.sendall(b"\x05\x00")
        ver, cmd, _, atyp = recv_exact(client, 4)
        if atyp == 1:
            host = socket.inet_ntoa(recv_exact(client, 4))
        elif atyp == 3:
            host = recv_exact(client, recv_exact(client, 1)[0]).decode()
        else:
            client.sendall(b"\x05\x08\x00\x01" + bytes(6))
            return
        (port,) = struct.unpack("!H", recv_exact(client, 2))
        if ver != 5 or cmd != 1:
            client.sendall(b"\x05\x07\x00\x01" + bytes(6))
            return
        with lock:
            connects.write("%s:%d\n" % (host, port))
            connects.flush()
        try:
            upstream = socket.create_connection((host, port), timeout=10)
            upstream.settimeout(None)
        except OSError:
            client.sendall(b"\x05\x05\x00\x01" + bytes(6))
            return
        client.sendall(b"\x05\x00\x00\x01" + bytes(6))
        t = threading.Thread(target=pipe, args=(upstream, client),
                             daemon=True)
        t.start()
        pipe(client, upstream)
        t.join()
    except (OSError, ConnectionError, ValueError):
        pass
    finally:
        client.close()
        if upstream:
            upstream.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-d", "--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()

    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", args.port))
    ls.listen(64)
    connects = open(os.path.join(args.dir, "connects"), "a")
    tmp = os.path.join(args.dir, "port.tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(tmp, os.path.join(args.dir, "port"))

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    lock = threading.Lock()
    try:
        while True:
            client, _ = ls.accept()
            threading.Thread(target=serve, args=(client, connects, lock),
                             daemon=True).start()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
