#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""A TCP logs intake for the cws-ship tests (Datadog's TCP protocol).

Listens on 127.0.0.1 (port 0 unless --port), plain or TLS, writes its
port to DIR/port once it listens, and appends every line it receives,
as received, to DIR/lines (a line cut by the end of a connection goes
to DIR/partial) and one line per connection it accepts to
DIR/connections. On SIGTERM or SIGINT it stops accepting, reads what
each connection still has buffered, and exits 0: a graceful restart
loses nothing the kernel acknowledged before the signal.
"""
import argparse
import os
import selectors
import signal
import socket
import ssl
import sys
import time

stopping = False


def on_signal(signum, frame):
    global stopping
    stopping = True


class Conn:
    def __init__(self, sock, tls):
        self.sock = sock
        self.buf = b""
        self.handshaking = tls


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-d", "--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    args = ap.parse_args()

    ctx = None
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])

    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", args.port))
    ls.listen(64)
    ls.setblocking(False)

    lines = open(os.path.join(args.dir, "lines"), "ab", buffering=0)
    conns = open(os.path.join(args.dir, "connections"), "a")
    tmp = os.path.join(args.dir, "port.tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(tmp, os.path.join(args.dir, "port"))

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ, None)

    def close(c):
        sel.unregister(c.sock)
        if c.buf:
            with open(os.path.join(args.dir, "partial"), "ab") as f:
                f.write(c.buf + b"\n")
        c.sock.close()

    def accept():
        """Takes one pending connection; None when there is none."""
        try:
            s, _ = ls.accept()
        except OSError:
            return None
        s.setblocking(False)
        if ctx:
            s = ctx.wrap_socket(s, server_side=True,
                                do_handshake_on_connect=False)
        c = Conn(s, ctx is not None)
        sel.register(s, selectors.EVENT_READ, c)
        conns.write("%s:%d\n" % s.getpeername())
        conns.flush()
        return c

    def read(c):
        """Reads what c has; False when it ended."""
        while True:
            try:
                if c.handshaking:
                    c.sock.do_handshake()
                    c.handshaking = False
                data = c.sock.recv(65536)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError,
                    BlockingIOError):
                return True
            except (ssl.SSLError, OSError) as e:
                print("cws-test-tcp-intake: %s" % e, file=sys.stderr)
                return False
            if not data:
                return False
            c.buf += data
            end = c.buf.rfind(b"\n")
            if end >= 0:
                lines.write(c.buf[:end + 1])
                c.buf = c.buf[end + 1:]

    while not stopping:
        for key, _ in sel.select(0.1):
            if key.data is None:
                c = accept()
                if c and not read(c):
                    close(c)
            elif not read(key.data):
                close(key.data)

    # Stop: the connections already made are taken, no new ones, then
    # what they all still hold is read.
    while accept():
        pass
    sel.unregister(ls)
    ls.close()
    quiet_until = time.monotonic() + 0.2
    give_up = time.monotonic() + 2
    while (sel.get_map() and time.monotonic() < quiet_until and
           time.monotonic() < give_up):
        for key, _ in sel.select(0.05):
            quiet_until = time.monotonic() + 0.2
            if not read(key.data):
                close(key.data)
    for key in list(sel.get_map().values()):
        read(key.data)
        close(key.data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
