#!/usr/bin/env python3
"""Holds N idle SSE streams open through a proxy, for bench/sse.sh (stdlib only).

Opens --streams connections to 127.0.0.1:--port (at most --parallel handshakes at a time) and
on each sends either (--request post, default) a stateless MCP tools/call POST that accepts an
SSE answer, as a long-running tool call does, or (--request get) a GET /mcp with Accept:
text/event-stream. A stream counts as open once the response is 200 text/event-stream and its
first event has arrived. Then prints ONE line

  open=N failed=M first_error=WHY   (first_error only when M > 0)

and holds every stream until SIGTERM/SIGINT or --hold-max seconds, whichever comes first;
on exit it closes all sockets and prints `dropped=K` (streams the far side closed while held).
Everything is bounded: --open-timeout for the whole opening phase, --hold-max for holding.
"""

import argparse
import asyncio
import signal
import sys

BODY = (b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"slow",'
        b'"arguments":{"seconds":300},"_meta":{"progressToken":1}}}')
REQUESTS = {
    "post": (b"POST /mcp HTTP/1.1\r\n"
             b"Host: 127.0.0.1\r\n"
             b"Content-Type: application/json\r\n"
             b"Accept: application/json, text/event-stream\r\n"
             b"MCP-Protocol-Version: 2026-07-28\r\n"
             b"Mcp-Method: tools/call\r\n"
             b"Mcp-Name: slow\r\n"
             b"Content-Length: %d\r\n\r\n%s" % (len(BODY), BODY)),
    "get": (b"GET /mcp HTTP/1.1\r\n"
            b"Host: 127.0.0.1\r\n"
            b"Accept: text/event-stream\r\n\r\n"),
}
MAX_HEAD = 16 * 1024


first_error = None  # why the first failed stream failed: a status line or an exception


def failed(why):
    global first_error
    if first_error is None:
        first_error = why
    return None


class Stream:
    __slots__ = ("reader", "writer", "dropped")

    def __init__(self, reader, writer):
        self.reader, self.writer, self.dropped = reader, writer, False


async def open_one(port, request, sem, per_timeout):
    """Returns a Stream once the first event arrived, or None."""
    async with sem:
        writer = None
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", port), per_timeout)
            writer.write(request)
            await writer.drain()
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), per_timeout)
            status = head.split(b"\r\n", 1)[0]
            if b" 200 " not in status + b" " or b"text/event-stream" not in head.lower():
                writer.close()
                return failed(status.decode("latin-1").replace(" ", "_"))
            # The first event ends with a blank line; chunk framing sits around it.
            await asyncio.wait_for(reader.readuntil(b"\n\n"), per_timeout)
            return Stream(reader, writer)
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError,
                asyncio.LimitOverrunError) as e:
            if writer is not None:
                writer.close()
            return failed(type(e).__name__)


async def hold(stream):
    """Reads (and discards) until EOF; an EOF while holding counts as a drop."""
    try:
        while await stream.reader.read(4096):
            pass
        stream.dropped = True
    except (OSError, asyncio.IncompleteReadError):
        stream.dropped = True


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--streams", type=int, required=True)
    ap.add_argument("--request", choices=sorted(REQUESTS), default="post")
    ap.add_argument("--parallel", type=int, default=256)
    ap.add_argument("--open-timeout", type=float, default=90.0)
    ap.add_argument("--hold-max", type=float, default=120.0)
    a = ap.parse_args()

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    sem = asyncio.Semaphore(a.parallel)
    request = REQUESTS[a.request]
    tasks = [asyncio.create_task(open_one(a.port, request, sem, 10.0))
             for _ in range(a.streams)]
    done, pending = await asyncio.wait(tasks, timeout=a.open_timeout)
    for t in pending:
        t.cancel()
    streams = [t.result() for t in done if not t.cancelled() and t.result() is not None]
    why = f" first_error={first_error}" if first_error else ""
    print(f"open={len(streams)} failed={a.streams - len(streams)}{why}", flush=True)

    holders = [asyncio.create_task(hold(s)) for s in streams]
    try:
        await asyncio.wait_for(stop.wait(), a.hold_max)
    except asyncio.TimeoutError:
        pass
    for h in holders:
        h.cancel()
    for s in streams:
        s.writer.close()
    await asyncio.gather(*holders, return_exceptions=True)
    print(f"dropped={sum(s.dropped for s in streams)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
