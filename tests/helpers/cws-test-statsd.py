#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""A DogStatsD listener for the cws tests: counts what it receives.

Listens on UDP 127.0.0.1 (a free port; written to DIR/port once bound) or,
with --unix PATH, on a Unix datagram socket. Each datagram is appended to
DIR/datagrams as one line (its newlines, which separate the series in a
datagram, as " | "), and each series to DIR/series, one a line. Runs
until SIGTERM or SIGINT.
"""
import argparse
import os
import signal
import socket
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--unix")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    if args.unix:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if os.path.exists(args.unix):
            os.unlink(args.unix)
        s.bind(args.unix)
        os.chmod(args.unix, 0o666)  # cws runs as root, stages as cws
        port = args.unix
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with open(os.path.join(args.dir, "port.tmp"), "w") as f:
        f.write(port + "\n")
    os.rename(os.path.join(args.dir, "port.tmp"),
              os.path.join(args.dir, "port"))
    while True:
        data = s.recv(65536).decode("utf-8", "replace")
        with open(os.path.join(args.dir, "datagrams"), "a") as f:
            f.write(data.replace("\n", " | ") + "\n")
        with open(os.path.join(args.dir, "series"), "a") as f:
            for line in data.split("\n"):
                f.write(line + "\n")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
