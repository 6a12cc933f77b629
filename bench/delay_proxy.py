#!/usr/bin/env python3
"""A relay far away, on this machine: a TCP proxy on 127.0.0.1 that delays each direction.

    python3 bench/delay_proxy.py TARGET_PORT [--delay-ms 10]

Listens on a free port of 127.0.0.1, prints `PORT <n>` once listening, and forwards every
connection to 127.0.0.1:TARGET_PORT. Each chunk read in either direction is written out
`--delay-ms` after it arrived (order kept, chunks not held back by each other), so a reply comes
back one round trip (2 x delay) after its command left: 10 ms each way is a relay 20 ms away.
Used by bench/send.sh to measure what SMTP pipelining gains on a distant relay.

Each direction of each connection has a reading thread and a writing thread, and the writer
sleeps with `time.sleep`. An asyncio version waited in epoll, whose timeout is in whole
milliseconds rounded up, and held each chunk about 1 ms too long: a round trip of 21.7 ms
instead of 20, which lowered the bound of one round trip a message by 8%. Threads still wake
late, by the kernel's timer slack (50 us by default) and this VM's wake-ups: about 0.2 ms a hop
here, a round trip of 20.5 ms. So a chunk's delay counts from when the kernel received it (the
socket's receive timestamp, SO_TIMESTAMPNS), not from when the reading thread woke; the threads
ask for no timer slack; and each writer wakes early by how late its recent wake-ups were (a
moving average). `python3 bench/delay_proxy.py --measure` prints the round trip it gives
through an echo server: within about 0.1 ms of 2 x delay plus its round trip at no delay.
"""
import argparse
import collections
import ctypes
import signal
import socket
import statistics
import struct
import sys
import threading
import time


def no_timer_slack():
    """Asks the kernel to wake this thread on time (PR_SET_TIMERSLACK, 1 ns); Linux only."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(29, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def pump(src, dst, delay):
    """Copies src to dst, each chunk `delay` seconds after it was read; then ends dst's side."""
    chunks = collections.deque()
    ready = threading.Condition()

    def deliver():
        no_timer_slack()
        late = 0.0  # how late a wake-up has been lately, in seconds (moving average)
        while True:
            with ready:
                while not chunks:
                    ready.wait()
                due, data = chunks.popleft()
            wait = due - time.monotonic() - late
            if wait > 0:
                time.sleep(wait)
                late = max(0.0, late + (time.monotonic() - due) / 8)
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
    no_timer_slack()
    stamped = True
    try:
        src.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    except OSError:
        stamped = False
    while True:
        try:
            data, ancillary, _, _ = src.recvmsg(65536, 256)
        except OSError:
            data, ancillary = b"", []
        arrived = time.monotonic()
        if stamped:
            arrived = received_at(ancillary, arrived)
        with ready:
            chunks.append((arrived + delay, data or None))
            ready.notify()
        if not data:
            break
    writer.join()


SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)


def received_at(ancillary, woke):
    """When the kernel received a chunk, on the monotonic clock (its receive timestamp is on
    the wall clock); `woke` when the reading thread had it, if the socket gave no timestamp."""
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= 16:
            sec, nsec = struct.unpack("qq", data[:16])
            late = time.time() - (sec + nsec / 1e9)
            if 0 <= late < 1:
                return woke - late
    return woke


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


def measure(delay):
    """Prints the median round trip of 100-byte and 30 KB exchanges through the proxy to an
    echo server on 127.0.0.1, at no delay and at `delay`."""
    echo = socket.socket()
    echo.bind(("127.0.0.1", 0))
    echo.listen(8)

    def answer():
        while True:
            c, _ = echo.accept()
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            while True:
                d = c.recv(65536)
                if not d:
                    break
                c.sendall(d)
            c.close()

    threading.Thread(target=answer, daemon=True).start()
    for wait in (0.0, delay):
        server = listen()
        threading.Thread(target=accept, args=(server, echo.getsockname()[1], wait), daemon=True).start()
        for size in (100, 30000):
            c = socket.create_connection(server.getsockname())
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            times = []
            for _ in range(40):
                t = time.monotonic()
                c.sendall(b"x" * size)
                got = 0
                while got < size:
                    got += len(c.recv(65536))
                times.append(time.monotonic() - t)
                time.sleep(0.005)
            c.close()
            print("delay %.1f ms each way, %d bytes: round trip %.3f ms (median of 40)"
                  % (wait * 1000, size, statistics.median(times) * 1000))


def listen():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(128)
    return server


def accept(server, target_port, delay):
    while True:
        client, _ = server.accept()
        threading.Thread(target=serve, args=(client, target_port, delay), daemon=True).start()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("target_port", type=int, nargs="?")
    p.add_argument("--delay-ms", type=float, default=10.0)
    p.add_argument("--measure", action="store_true", help="print the round trip through an echo server, then stop")
    args = p.parse_args()
    delay = args.delay_ms / 1000.0
    if args.measure:
        measure(delay)
        return
    if args.target_port is None:
        p.error("the relay's port is needed")
    server = listen()
    print("PORT %d" % server.getsockname()[1], flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        accept(server, args.target_port, delay)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
