#!/usr/bin/env python3
"""A relay far away, on this machine: a TCP proxy on 127.0.0.1 that delays each direction.

    python3 bench/delay_proxy.py TARGET_PORT [--delay-ms 10]

Listens on a free port of 127.0.0.1, prints `PORT <n>` once listening, and forwards every
connection to 127.0.0.1:TARGET_PORT. Each chunk read in either direction is written out
`--delay-ms` after it arrived (order kept, chunks not held back by each other), so a reply comes
back one round trip (2 x delay) after its command left: 10 ms each way is a relay 20 ms away.
Used by bench/send.sh to measure what SMTP pipelining gains on a distant relay.
"""
import argparse
import asyncio
import signal


async def pump(reader, writer, delay):
    """Copies reader to writer, each chunk `delay` seconds after it was read."""
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def deliver():
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:
                break
            writer.write(data)
            await writer.drain()
        try:
            writer.write_eof()
        except OSError:
            pass

    sender = asyncio.create_task(deliver())
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            queue.put_nowait((loop.time() + delay, data))
    except OSError:
        pass
    queue.put_nowait((loop.time() + delay, None))
    try:
        await sender
    except OSError:
        pass


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("target_port", type=int)
    p.add_argument("--delay-ms", type=float, default=10.0)
    args = p.parse_args()
    delay = args.delay_ms / 1000.0

    async def handle(client_reader, client_writer):
        try:
            relay_reader, relay_writer = await asyncio.open_connection("127.0.0.1", args.target_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            pump(client_reader, relay_writer, delay),
            pump(relay_reader, client_writer, delay),
        )
        relay_writer.close()
        client_writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print("PORT %d" % server.sockets[0].getsockname()[1], flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
