// A fetch for SDK client transports that logs every HTTP exchange and can cut an SSE
// response after a given number of events, the way a dropped connection would: the client
// sees a read error and must resume with Last-Event-ID on its own.
const encoder = new TextEncoder();
const EVENT_END = /\r\n\r\n|\n\n|\r\r/;

function carriesData(eventText) {
  return /^data:[ \t]*\S/m.test(eventText);
}

export class CuttingFetch {
  /// `hosts` (optional, ["127.0.0.1:P1", "127.0.0.1:P2"]): send successive requests to these
  /// in turn, as a client behind a DNS round robin over several mcplb replicas would.
  constructor({ hosts } = {}) {
    this.hosts = hosts;
    this.sent = 0;
    this.log = []; // {method, url, lastEventId, sessionId, protocolVersion, mcpMethod, status, contentType}
    this.plans = []; // {method, after, resolve}
    this.streams = new Set(); // live wrapped SSE responses: {method, count, plan}
    this.waiters = [];
    this.fetch = this.fetch.bind(this);
  }

  /// The next (or, for GET, the currently open) SSE response of `method` is cut after `after`
  /// more events that carry data. Resolves when the cut has happened.
  armCut(method, after) {
    return new Promise((resolve) => {
      const plan = { method, after, resolve };
      const live = [...this.streams].find((s) => s.method === method && !s.plan);
      if (method === 'GET' && live) {
        live.plan = plan;
        live.count = 0;
      } else {
        this.plans.push(plan);
      }
    });
  }

  /// Resolves with the first logged exchange for which pred(entry) holds (now or later).
  waitFor(pred, timeoutMs, what) {
    const hit = this.log.find((e) => e.status !== 0 && pred(e));
    if (hit) {
      return Promise.resolve(hit);
    }
    return new Promise((resolve, reject) => {
      const w = { pred, resolve };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      w.resolve = (e) => {
        clearTimeout(timer);
        resolve(e);
      };
      this.waiters.push(w);
    });
  }

  _settled(entry) {
    for (const w of [...this.waiters]) {
      if (w.pred(entry)) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(entry);
      }
    }
  }

  async fetch(url, init = {}) {
    if (this.hosts) {
      const u = new URL(String(url));
      u.host = this.hosts[this.sent++ % this.hosts.length];
      url = u;
    }
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = new Headers(init.headers);
    const entry = {
      method,
      url: String(url),
      lastEventId: headers.get('last-event-id'),
      sessionId: headers.get('mcp-session-id'),
      protocolVersion: headers.get('mcp-protocol-version'),
      mcpMethod: headers.get('mcp-method'),
      status: 0,
      contentType: '',
    };
    this.log.push(entry);
    if (this.log.length > 5000) {
      this.log.splice(0, 1000);
    }
    let res;
    try {
      res = await fetch(url, init);
    } catch (e) {
      entry.status = -1;
      entry.error = String(e);
      this._settled(entry);
      throw e;
    }
    entry.status = res.status;
    entry.contentType = res.headers.get('content-type') ?? '';
    this._settled(entry);
    if (!entry.contentType.startsWith('text/event-stream') || !res.body) {
      return res;
    }
    const stream = { method, count: 0, plan: null };
    const idx = this.plans.findIndex((p) => p.method === method);
    if (idx >= 0) {
      stream.plan = this.plans.splice(idx, 1)[0];
    }
    this.streams.add(stream);
    const body = this._wrap(res.body, stream);
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  }

  _wrap(source, stream) {
    const reader = source.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    let cut = false;
    const done = () => this.streams.delete(stream);
    return new ReadableStream({
      pull: async (controller) => {
        // Called again only after the consumer took the previous chunk, so the event that
        // triggered the cut has been delivered before the error.
        if (cut) {
          done();
          controller.error(new TypeError('terminated: interop test cut the connection'));
          reader.cancel().catch(() => {});
          return;
        }
        for (;;) {
          let r;
          try {
            r = await reader.read();
          } catch (e) {
            done();
            controller.error(e);
            return;
          }
          if (r.done) {
            done();
            if (buf) {
              controller.enqueue(encoder.encode(buf));
            }
            controller.close();
            return;
          }
          buf += decoder.decode(r.value, { stream: true });
          let out = '';
          let m;
          while ((m = EVENT_END.exec(buf))) {
            const ev = buf.slice(0, m.index + m[0].length);
            buf = buf.slice(m.index + m[0].length);
            out += ev;
            if (stream.plan && carriesData(ev) && ++stream.count >= stream.plan.after) {
              cut = true;
              stream.plan.resolve();
              break; // the rest of this read is lost, as on a real cut
            }
          }
          if (out) {
            controller.enqueue(encoder.encode(out));
            return;
          }
        }
      },
      cancel: (reason) => {
        done();
        return reader.cancel(reason);
      },
    });
  }
}
