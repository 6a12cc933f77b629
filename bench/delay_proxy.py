#!/usr/bin/env python3
"""A relay far away, on this machine: a TCP proxy on 127.0.0.1 that delays each direction.

    python3 bench/delay_proxy.py TARGET_PORT [--delay-ms 10]

Listens on a free port of 127.0.0.1, prints `PORT <n>` once listening, and forwards every
connection to 127.0.0.1:TARGET_PORT. Each chunk read in either direction is written out
`--delay-ms` after it arrived (order kept, chunks not held back by each other), so a reply comes
back one round trip (2 x delay) after its command left: 10 ms each way is a relay 20 ms away.
Used by bench/send.sh to measure what SMTP pipelining gains on a distant relay.

Each direction of each connection has a reading thread and a writing thread, and the writer
sleeps with `time.sleep` (to about 0.1 ms here). An asyncio version waited in epoll, whose
timeout is in whole milliseconds rounded up, and held each chunk about 1 ms too long: a round
trip of 21.7 ms instead of 20, which lowered the bound of one round trip a message by 8%.
"""
import argparse
import collections
import signal
import socket
import sys
import threading
import time


def pump(src, dst, delay):
    """Copies src to dst, each chunk `delay` seconds after it was read; then ends dst's side."""
    chunks = collections.deque()
    ready = threading.Condition()

    def deliver():
        while True:
            with ready:
                while not chunks:
                    ready.wait()
                due, data = chunks.popleft()
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            if data is None:
                break
            try:
                dst.sendall(data)
            except OSError:
                break
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    writer = threading.Thread(target=deliver, daemon=True)
    writer.start()
    while True:
        try:
            data = src.recv(65536)
        except OSError:
            data = b""
        with ready:
            chunks.append((time.monotonic() + delay, data or None))
            ready.notify()
        if not data:
            break
    writer.join()


def serve(client, target_port, delay):
    try:
        relay = socket.create_connection(("127.0.0.1", target_port))
    except OSError:
        client.close()
        return
    for s in (client, relay):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    there = threading.Thread(target=pump, args=(client, relay, delay), daemon=True)
    there.start()
    pump(relay, client, delay)
    there.join()
    relay.close()
    client.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("target_port", type=int)
    p.add_argument("--delay-ms", type=float, default=10.0)
    args = p.parse_args()
    delay = args.delay_ms / 1000.0
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(128)
    print("PORT %d" % server.getsockname()[1], flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while True:
            client, _ = server.accept()
            threading.Thread(target=serve, args=(client, args.target_port, delay), daemon=True).start()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
