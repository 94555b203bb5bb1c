#!/usr/bin/env python3
"""Idle SSE backend for bench/sse.sh (stdlib only).

Any request (a GET stream, or a POST tools/call whose answer streams) gets a 200
text/event-stream response (chunked), one MCP progress notification event, and then nothing:
the stream stays open and silent until the peer closes it, which is the cost we want to
measure in the proxy. Listens on 127.0.0.1 only.

  sse_backend.py --port 19101
"""

import argparse
import asyncio
import signal

HEAD = (b"HTTP/1.1 200 OK\r\n"
        b"Content-Type: text/event-stream\r\n"
        b"Cache-Control: no-cache\r\n"
        b"X-Accel-Buffering: no\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n")
EVENT = (b"event: message\n"
         b"id: 1\n"
         b'data: {"jsonrpc":"2.0","method":"notifications/progress",'
         b'"params":{"progressToken":1,"progress":0,"message":"working"}}\n\n')
FIRST_CHUNK = b"%x\r\n%s\r\n" % (len(EVENT), EVENT)
MAX_HEAD = 16 * 1024


async def read_request(reader):
    """Reads one request head and its Content-Length body; False on EOF or oversize."""
    size, length = 0, 0
    while True:
        line = await reader.readline()
        if not line:
            return False
        size += len(line)
        if size > MAX_HEAD:
            return False
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip() or 0)
    if length > MAX_HEAD:
        return False
    if length:
        await reader.readexactly(length)
    return True


async def handle(reader, writer):
    try:
        if not await read_request(reader):
            return
        writer.write(HEAD + FIRST_CHUNK)
        await writer.drain()
        # Hold the stream: wait for the peer (the proxy) to close its side.
        while await reader.read(4096):
            pass
    except (ConnectionError, ValueError, asyncio.IncompleteReadError,
            asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    a = ap.parse_args()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    server = await asyncio.start_server(handle, "127.0.0.1", a.port, backlog=4096)
    print(f"sse_backend listening on 127.0.0.1:{a.port}", flush=True)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
