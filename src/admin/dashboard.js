// mcplb dashboard: polls /admin/backends (JSON) and /metrics (Prometheus text) once a second
// and renders per pool and backend state, traffic and latency. Plain DOM, no framework, no
// network beyond this origin (the page's Content-Security-Policy enforces it). Text from the
// server (names, check details) only ever goes through textContent, never innerHTML.
'use strict';

const POLL_MS = 1000;
const TIMEOUT_MS = 2500;   // a poll slower than this counts as a lost connection
const WINDOW_S = 10;       // latency quantiles and the 5xx share: like rate(...[10s])
const HISTORY = 60;        // sparkline points (one per poll)
const TOKEN_KEY = 'mcplb.admin.token';
const SVG = 'http://www.w3.org/2000/svg';

const view = {
  snaps: [],               // [{t: seconds, m: Map(name -> Map(seriesKey -> {labels, value}))}]
  rows: new Map(),         // "pool/backend" -> {tr, cells, hist: []}
  layout: '',              // pools and backends the DOM was built for
  totalHist: [],
  lostSince: 0,
  polls: 0,
};

const $ = (sel, root = document) => root.querySelector(sel);

function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') {
      e.className = v;
    } else if (k === 'text') {
      e.textContent = v;
    } else {
      e.setAttribute(k, v);
    }
  }
  for (const k of kids) {
    e.append(k);
  }
  return e;
}

// ------------------------------------------------------------------------------------------
// formatting

function fmtRate(v) {
  if (v == null || !isFinite(v)) return '—';
  if (v === 0) return '0';
  return v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US');
}

function fmtInt(v) {
  return v == null || !isFinite(v) ? '—' : Math.round(v).toLocaleString('en-US');
}

function fmtSeconds(s) {
  if (s == null || !isFinite(s)) return '—';
  if (s < 0.001) return (s * 1e6).toFixed(0) + ' µs';
  if (s < 1) {
    const ms = s * 1000;
    return (ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0)) + ' ms';
  }
  return s.toFixed(2) + ' s';
}

function fmtPct(v) {
  if (v == null || !isFinite(v)) return '—';
  return v === 0 ? '0 %' : (v * 100).toFixed(v < 0.1 ? 2 : 1) + ' %';
}

function fmtBytes(b) {
  if (b == null || !isFinite(b)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (b >= 1024 && i < units.length - 1) {
    b /= 1024;
    i++;
  }
  return b.toFixed(i === 0 ? 0 : 1) + ' ' + units[i];
}

function fmtDuration(s) {
  if (!(s >= 0)) return '—';
  const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  return `${m}m ${Math.floor(s) % 60}s`;
}

function clock(date) {
  return date.toLocaleTimeString('en-GB', {hour12: false});
}

// ------------------------------------------------------------------------------------------
// Prometheus text format 0.0.4

function parseLabels(s, i, labels) {
  // i is just past '{'. Values are quoted with \\, \" and \n escaped.
  while (i < s.length && s[i] !== '}') {
    const eq = s.indexOf('=', i);
    if (eq < 0) return -1;
    const key = s.slice(i, eq).trim().replace(/^,/, '').trim();
    i = eq + 1;
    if (s[i] !== '"') return -1;
    i++;
    let v = '';
    while (i < s.length && s[i] !== '"') {
      if (s[i] === '\\' && i + 1 < s.length) {
        const c = s[i + 1];
        v += c === 'n' ? '\n' : c;
        i += 2;
      } else {
        v += s[i++];
      }
    }
    i++;  // closing quote
    labels[key] = v;
    while (s[i] === ',' || s[i] === ' ') i++;
  }
  return i + 1;
}

function parseValue(t) {
  if (t === '+Inf') return Infinity;
  if (t === '-Inf') return -Infinity;
  return Number(t);  // NaN stays NaN
}

function seriesKey(labels) {
  return Object.keys(labels).sort().map((k) => k + '=' + labels[k]).join('\u0000');
}

function parseProm(text) {
  const m = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line[0] === '#') continue;
    const brace = line.indexOf('{');
    const space = line.indexOf(' ');
    const labels = {};
    let name, rest;
    if (brace >= 0 && (space < 0 || brace < space)) {
      name = line.slice(0, brace);
      const end = parseLabels(line, brace + 1, labels);
      if (end < 0) continue;
      rest = line.slice(end);
    } else if (space > 0) {
      name = line.slice(0, space);
      rest = line.slice(space);
    } else {
      continue;
    }
    const value = parseValue(rest.trim().split(/\s+/)[0]);
    if (!m.has(name)) m.set(name, new Map());
    m.get(name).set(seriesKey(labels), {labels, value});
  }
  return m;
}

// ------------------------------------------------------------------------------------------
// queries over snapshots (each a parsed scrape with its time)

function matches(labels, want) {
  for (const k in want) {
    if (labels[k] !== want[k]) return false;
  }
  return true;
}

function has(snap, name) {
  return snap != null && snap.m.has(name);
}

/** Sum of the current values of `name` whose labels include `want`; null when absent. */
function gauge(snap, name, want = {}) {
  const fam = snap && snap.m.get(name);
  if (!fam) return null;
  let sum = 0;
  for (const s of fam.values()) {
    if (matches(s.labels, want)) sum += s.value;
  }
  return sum;
}

/** The snapshot about `seconds` before the newest (the oldest one within that span). */
function before(seconds) {
  const cur = view.snaps[view.snaps.length - 1];
  for (const s of view.snaps) {
    if (s !== cur && cur.t - s.t <= seconds + 0.5) return s;
  }
  return null;
}

/** Counter increase of `name` (series matching `want`) from `prev` to `cur`, per series and
 *  reset-aware like Prometheus' increase(). A series missing from `prev` counts from 0:
 *  mcplb_responses_total writes a series only once it is non-zero. */
function increase(cur, prev, name, want = {}, keyOf = null) {
  const a = cur && cur.m.get(name);
  const b = prev && (prev.m.get(name) || new Map());
  if (!a || !b) return null;
  const out = keyOf ? new Map() : null;
  let sum = 0;
  for (const [key, s] of a) {
    if (!matches(s.labels, want)) continue;
    const p = b.get(key);
    const pv = p ? p.value : 0;
    const d = s.value >= pv ? s.value - pv : s.value;
    if (out) {
      const k = keyOf(s.labels);
      out.set(k, (out.get(k) || 0) + d);
    } else {
      sum += d;
    }
  }
  return out || sum;
}

function rate(cur, prev, name, want = {}) {
  if (!cur || !prev || cur.t <= prev.t) return null;
  const inc = increase(cur, prev, name, want);
  return inc == null ? null : inc / (cur.t - prev.t);
}

/** histogram_quantile over the bucket increase of `name` between prev and cur. */
function quantiles(cur, prev, name, want, qs) {
  const byLe = increase(cur, prev, name, want, (l) => l.le);
  if (byLe == null) return qs.map(() => null);
  const buckets = [...byLe].map(([le, c]) => ({le: parseValue(le), c}))
    .sort((x, y) => x.le - y.le);
  return qs.map((q) => bucketQuantile(q, buckets));
}

function bucketQuantile(q, buckets) {
  if (buckets.length < 2 || buckets[buckets.length - 1].le !== Infinity) return null;
  const total = buckets[buckets.length - 1].c;
  if (!(total > 0)) return null;
  const rank = q * total;
  let i = 0;
  while (i < buckets.length && buckets[i].c < rank) i++;
  if (i >= buckets.length - 1) return buckets[buckets.length - 2].le;  // in +Inf: last bound
  const lo = i === 0 ? 0 : buckets[i - 1].le;
  const below = i === 0 ? 0 : buckets[i - 1].c;
  const inBucket = buckets[i].c - below;
  if (inBucket <= 0) return buckets[i].le;
  return lo + (buckets[i].le - lo) * (rank - below) / inBucket;
}

/** 5xx share and rate for the series matching `want`, split by origin. */
function errors(cur, prev, want) {
  const name = 'mcplb_responses_total';
  if (!has(cur, name) || !prev || cur.t <= prev.t) return null;
  const all = increase(cur, prev, name, want);
  const five = increase(cur, prev, name, {...want, class: '5xx'}, (l) => l.origin || '?');
  if (all == null || five == null) return null;
  let n = 0;
  for (const v of five.values()) n += v;
  const dt = cur.t - prev.t;
  return {share: all > 0 ? n / all : null, perSec: n / dt, byOrigin: five, all};
}

// ------------------------------------------------------------------------------------------
// sparkline (inline SVG, drawn from numbers only)

function sparkline(values, w = 110, h = 22) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'sparkline');
  svg.setAttribute('width', w);
  svg.setAttribute('height', h);
  svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
  const peak = Math.max(0, ...values.filter((v) => isFinite(v)));
  svg.dataset.peak = String(peak);
  const title = document.createElementNS(SVG, 'title');
  title.textContent = `peak ${fmtRate(peak)} req/s over the last ${values.length} s`;
  const base = document.createElementNS(SVG, 'line');  // the zero line spans the full width
  base.setAttribute('x1', 0);
  base.setAttribute('x2', w);
  base.setAttribute('y1', h - 0.5);
  base.setAttribute('y2', h - 0.5);
  svg.append(title, base);
  if (values.length >= 2) {
    const step = w / (HISTORY - 1);
    const x0 = w - step * (values.length - 1);
    const pts = values.map((v, i) => {
      const y = peak > 0 ? h - 1 - (Math.max(0, v) / peak) * (h - 3) : h - 1;
      return `${(x0 + i * step).toFixed(1)},${y.toFixed(1)}`;
    });
    const area = document.createElementNS(SVG, 'polygon');
    area.setAttribute('points', `${x0.toFixed(1)},${h} ${pts.join(' ')} ${w},${h}`);
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('points', pts.join(' '));
    svg.append(area, line);
  }
  return svg;
}

function pushHist(hist, v) {
  hist.push(v == null ? 0 : v);
  if (hist.length > HISTORY) hist.shift();
}

// ------------------------------------------------------------------------------------------
// messages, connection state, token

function showMessage(text, kind) {
  const m = $('#message');
  m.textContent = text;
  m.className = 'message ' + kind;
  m.hidden = false;
  m.dataset.kind = kind;
}

function clearMessage() {
  const m = $('#message');
  m.hidden = true;
  m.textContent = '';
  m.dataset.kind = '';
}

function setConn(state, text) {
  const c = $('#conn');
  c.dataset.state = state;
  c.className = 'pill pill-' + state;
  c.textContent = text;
  document.body.classList.toggle('stale', state === 'lost');
}

function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

function authHeaders() {
  const t = token();
  return t ? {Authorization: 'Bearer ' + t} : {};
}

function showTokenState() {
  $('#token-state').textContent = token() ? 'token set' : 'no token';
}

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function request(url, options = {}) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS);
  try {
    const r = await fetch(url, {cache: 'no-store', ...options, signal: ctl.signal,
      headers: {...authHeaders(), ...(options.headers || {})}});
    const text = await r.text();
    if (!r.ok) {
      let msg = text.trim();
      try {
        msg = JSON.parse(text).error || msg;
      } catch (_) { /* not JSON: keep the text */ }
      throw new HttpError(r.status, `${r.status} ${r.statusText}: ${msg}`);
    }
    return text;
  } finally {
    clearTimeout(timer);
  }
}

// ------------------------------------------------------------------------------------------
// layout: one section per pool, one row per backend; rebuilt only when the set changes

const COLUMNS = [
  ['name', 'backend', 'name'], ['state', 'state', ''], ['weight', 'weight', 'num'],
  ['rate', 'req/s', 'num'], ['share', 'share', ''], ['requests', 'requests', 'num'],
  ['connections', 'conns', 'num'], ['streams', 'SSE', 'num'], ['sessions', 'sessions', 'num'],
  ['in_flight', 'in flight', 'num'], ['failures', 'failures', 'num'],
  ['checks', 'checks failed', 'num'], ['detail', 'last check', 'detail'], ['actions', '', 'actions'],
];

function buildLayout(backends) {
  const main = $('#pools');
  main.textContent = '';
  view.rows.clear();
  const pools = new Map();
  for (const b of backends) {
    if (!pools.has(b.pool)) pools.set(b.pool, []);
    pools.get(b.pool).push(b);
  }
  for (const [pool, list] of pools) {
    const head = el('div', {class: 'pool-head'}, el('h2', {text: pool}));
    for (const [key, label] of [['ready', 'ready'], ['rate', 'req/s'], ['p95', 'p95'],
      ['p99', 'p99'], ['errors', '5xx'], ['retries', 'retries/s'], ['failovers', 'failovers/s']]) {
      const b = el('b', {'data-pool-field': key, text: '—'});
      head.append(el('span', {class: 'pool-stat'}, label + ' ', b));
    }
    const thead = el('tr');
    for (const [, label, cls] of COLUMNS) {
      thead.append(el('th', {class: cls === 'num' ? 'num' : '', text: label}));
    }
    const tbody = el('tbody');
    for (const b of list) {
      tbody.append(buildRow(b));
    }
    main.append(el('section', {class: 'pool', 'data-pool': pool}, head,
      el('table', {}, el('thead', {}, thead), tbody)));
  }
}

function buildRow(b) {
  const tr = el('tr', {'data-pool': b.pool, 'data-backend': b.backend});
  const cells = {};
  for (const [key, , cls] of COLUMNS) {
    const td = el('td', {class: cls, 'data-field': key});
    cells[key] = td;
    tr.append(td);
  }
  cells.name.append(el('span', {text: b.backend}), el('span', {class: 'addr', text: b.address}));
  cells.state.append(el('span', {class: 'badge st-unknown', text: '—'}));
  cells.rate.append(el('div', {class: 'rate'}, el('span', {class: 'spark'}),
    el('span', {class: 'v', text: '—'})));
  const fill = el('div', {class: 'fill'});
  cells.share.append(el('div', {class: 'share'}, el('div', {class: 'track'}, fill),
    el('span', {class: 'pct', text: '—'})));
  for (const action of ['drain', 'undrain']) {
    const btn = el('button', {type: 'button', class: 'act-' + action, 'data-action': action,
      text: action === 'drain' ? 'Drain' : 'Undrain'});
    btn.addEventListener('click', () => act(b.pool, b.backend, action, btn));
    cells.actions.append(btn);
  }
  view.rows.set(b.pool + '/' + b.backend, {tr, cells, fill, hist: []});
  return tr;
}

// ------------------------------------------------------------------------------------------
// rendering one poll

const STATE_TEXT = {slow_start: 'slow start'};

function render(backends) {
  const layout = backends.map((b) => b.pool + '/' + b.backend).join('\n');
  if (layout !== view.layout) {
    buildLayout(backends);
    view.layout = layout;
  }
  const cur = view.snaps[view.snaps.length - 1];
  const prev = view.snaps.length >= 2 ? view.snaps[view.snaps.length - 2] : null;
  const win = before(WINDOW_S);

  // Per backend rates first: the pool shares need the pool totals.
  const rates = new Map();
  const poolRate = new Map();
  for (const b of backends) {
    const r = rate(cur, prev, 'mcplb_backend_requests_total', {pool: b.pool, backend: b.backend});
    rates.set(b.pool + '/' + b.backend, r);
    poolRate.set(b.pool, (poolRate.get(b.pool) || 0) + (r || 0));
  }

  for (const b of backends) {
    const key = b.pool + '/' + b.backend;
    const row = view.rows.get(key);
    const c = row.cells;
    const st = b.effective_state || b.state;
    const badge = c.state.firstChild;
    badge.className = 'badge st-' + st;
    badge.textContent = STATE_TEXT[st] || st;
    badge.title = stateTitle(b);
    row.tr.dataset.state = st;
    c.weight.textContent = fmtInt(b.weight);
    const r = rates.get(key);
    pushHist(row.hist, r);
    c.rate.querySelector('.v').textContent = fmtRate(r);
    c.rate.querySelector('.spark').replaceChildren(sparkline(row.hist));
    const total = poolRate.get(b.pool);
    const share = r != null && total > 0 ? r / total : null;
    row.fill.style.width = share == null ? '0' : (share * 100).toFixed(1) + '%';
    c.share.querySelector('.pct').textContent = share == null ? '—' : fmtPct(share);
    c.requests.textContent = fmtInt(b.requests);
    c.connections.textContent = fmtInt(b.connections);
    c.streams.textContent = fmtInt(b.streams);
    c.sessions.textContent = fmtInt(b.sessions);
    c.in_flight.textContent = fmtInt(b.in_flight);
    c.failures.textContent = fmtInt(b.failures);
    c.failures.classList.toggle('warn', b.failures > 0);
    const h = b.health;
    c.checks.textContent = h ? `${fmtInt(h.failed)} / ${fmtInt(h.probes)}` : '—';
    c.checks.title = h ? `${h.consecutive_failures} consecutive failures` : 'no active checks';
    c.checks.classList.toggle('bad', !!h && h.consecutive_failures > 0);
    const detail = h ? (h.last || h.status) : passiveDetail(b);
    c.detail.textContent = detail;
    c.detail.title = detail;
    c.actions.querySelector('[data-action=drain]').disabled = b.state === 'draining';
    c.actions.querySelector('[data-action=undrain]').disabled = b.state !== 'draining';
  }

  renderPools(backends, cur, prev, win, poolRate);
  renderSummary(backends, cur, prev, win, poolRate);
  renderMcp(cur, win);
}

function stateTitle(b) {
  const parts = [`state ${b.state}`, b.ready ? 'takes new requests' : 'takes no new requests'];
  if (b.drain_remaining_ms > 0) parts.push(`drain ends sessions in ${fmtSeconds(b.drain_remaining_ms / 1000)}`);
  if (b.ejected_until_ms > 0) parts.push(`ejected for ${fmtSeconds(b.ejected_until_ms / 1000)} more (ejection #${b.ejections})`);
  if (b.slow_start_remaining_ms > 0) parts.push(`slow start: ${fmtSeconds(b.slow_start_remaining_ms / 1000)} left`);
  return parts.join('; ');
}

function passiveDetail(b) {
  if (b.ejected) return `ejected (passive), ${fmtSeconds(b.ejected_until_ms / 1000)} left`;
  if (b.consecutive_errors > 0) return `${b.consecutive_errors} consecutive errors`;
  return 'no active checks';
}

function setPoolField(pool, key, text, cls = '') {
  const sec = document.querySelector(`section.pool[data-pool="${CSS.escape(pool)}"]`);
  const e = sec && sec.querySelector(`[data-pool-field="${key}"]`);
  if (e) {
    e.textContent = text;
    e.className = cls;
  }
}

function renderPools(backends, cur, prev, win, poolRate) {
  const pools = [...new Set(backends.map((b) => b.pool))];
  for (const pool of pools) {
    const list = backends.filter((b) => b.pool === pool);
    setPoolField(pool, 'ready', `${list.filter((b) => b.ready).length}/${list.length}`,
      list.some((b) => b.ready) ? '' : 'bad');
    setPoolField(pool, 'rate', fmtRate(poolRate.get(pool)));
    const [p95, p99] = quantiles(cur, win, 'mcplb_request_duration_seconds_bucket', {pool},
      [0.95, 0.99]);
    setPoolField(pool, 'p95', fmtSeconds(p95));
    setPoolField(pool, 'p99', fmtSeconds(p99));
    const e = errors(cur, win, {pool});
    setPoolField(pool, 'errors', e && e.share != null ? `${fmtPct(e.share)} · ${fmtRate(e.perSec)}/s` : '—',
      e && e.perSec > 0 ? 'bad' : '');
    setPoolField(pool, 'retries', fmtRate(has(cur, 'mcplb_retries_total')
      ? rate(cur, win, 'mcplb_retries_total', {pool}) : null));
    setPoolField(pool, 'failovers', fmtRate(has(cur, 'mcplb_failovers_total')
      ? rate(cur, win, 'mcplb_failovers_total', {pool}) : null));
  }
}

function setSum(key, text, cls = '') {
  const e = document.querySelector(`[data-sum="${key}"]`);
  e.textContent = text;
  if (e.classList.contains('value')) e.className = 'value ' + cls;
}

function renderSummary(backends, cur, prev, win, poolRate) {
  let total = null;
  for (const v of poolRate.values()) total = (total || 0) + v;
  if (!prev) total = null;
  pushHist(view.totalHist, total);
  setSum('rate', fmtRate(total));
  document.querySelector('[data-sum="spark"]').replaceChildren(sparkline(view.totalHist, 170, 26));
  const ready = backends.filter((b) => b.ready).length;
  setSum('ready', `${ready} / ${backends.length}`, ready === 0 ? 'bad' : ready < backends.length ? 'warn' : '');
  const counts = {};
  for (const b of backends) {
    const s = b.effective_state || b.state;
    counts[s] = (counts[s] || 0) + 1;
  }
  setSum('states', Object.entries(counts).map(([s, n]) => `${n} ${STATE_TEXT[s] || s}`).join(' · '));
  const [p95, p99] = quantiles(cur, win, 'mcplb_request_duration_seconds_bucket', {}, [0.95, 0.99]);
  setSum('latency', fmtSeconds(p95));
  setSum('p99', `p99 ${fmtSeconds(p99)} · every pool`);
  const e = errors(cur, win, {});
  setSum('errors', e ? fmtPct(e.share) : '—', e && e.perSec > 0 ? 'bad' : '');
  setSum('errors-origin', e ? [...e.byOrigin].map(([o, n]) => `${o} ${fmtInt(n)}`).join(' · ') ||
    'none from backends or mcplb' : 'no responses counted yet');
  const sum = (k) => backends.reduce((a, b) => a + (b[k] || 0), 0);
  setSum('sessions', fmtInt(sum('sessions')));
  setSum('streams', `${fmtInt(sum('streams'))} open SSE streams`);
  setSum('conns', `${fmtInt(sum('connections'))} · ${fmtInt(sum('in_flight'))}`);
  const retries = has(cur, 'mcplb_retries_total') ? rate(cur, win, 'mcplb_retries_total') : null;
  const fo = has(cur, 'mcplb_failovers_total') ? rate(cur, win, 'mcplb_failovers_total') : null;
  setSum('retries', `retries ${fmtRate(retries)}/s · failovers ${fmtRate(fo)}/s`);

  // Process facts for the header chips.
  const chips = [];
  const info = cur && cur.m.get('mcplb_build_info');
  if (info) {
    for (const s of info.values()) chips.push('v' + s.labels.version);
  }
  const workers = gauge(cur, 'mcplb_workers');
  if (workers != null) chips.push(`${workers} workers`);
  const started = gauge(cur, 'mcplb_process_start_time_seconds');
  const up = started ? Date.now() / 1000 - started : null;
  if (up != null && up >= 0) chips.push('up ' + fmtDuration(up));
  const rss = gauge(cur, 'mcplb_process_resident_memory_bytes');
  if (rss != null) chips.push('RSS ' + fmtBytes(rss));
  const fds = gauge(cur, 'mcplb_process_open_fds');
  if (fds != null) chips.push(`${fds} fds`);
  $('#chips').replaceChildren(...chips.map((t) => el('span', {class: 'chip', text: t})));
}

function renderTable(tbody, rows) {
  tbody.replaceChildren(...rows.map((cells) => {
    const tr = el('tr');
    cells.forEach((v, i) => tr.append(el('td', {class: i === 0 ? '' : 'num', text: v, title: i === 0 ? v : ''})));
    return tr;
  }));
}

function renderMcp(cur, win) {
  const methods = cur && cur.m.get('mcplb_mcp_requests_total');
  const rows = [];
  if (methods) {
    for (const s of methods.values()) {
      if (!(s.value > 0)) continue;  // every known method is exported, most stay at 0
      const m = s.labels.method;
      const [p95, p99] = quantiles(cur, win, 'mcplb_mcp_request_duration_seconds_bucket',
        {method: m}, [0.95, 0.99]);
      rows.push({v: s.value, cells: [m, fmtRate(rate(cur, win, 'mcplb_mcp_requests_total', {method: m})),
        fmtInt(s.value), fmtSeconds(p95), fmtSeconds(p99)]});
    }
  }
  rows.sort((a, b) => b.v - a.v);
  renderTable($('#methods tbody'), rows.slice(0, 12).map((r) => r.cells));
  const tools = cur && cur.m.get('mcplb_mcp_tool_calls_total');
  const trows = [];
  if (tools) {
    for (const s of tools.values()) {
      trows.push({v: s.value, cells: [s.labels.tool,
        fmtRate(rate(cur, win, 'mcplb_mcp_tool_calls_total', {tool: s.labels.tool})), fmtInt(s.value)]});
    }
  }
  trows.sort((a, b) => b.v - a.v);
  renderTable($('#tools tbody'), trows.slice(0, 12).map((r) => r.cells));
}

// ------------------------------------------------------------------------------------------
// polling and actions

async function poll() {
  const started = performance.now();
  const [bs, ms] = await Promise.allSettled([request('/admin/backends'), request('/metrics')]);
  if (bs.status === 'fulfilled') {
    if (ms.status === 'fulfilled') {
      view.snaps.push({t: started / 1000, m: parseProm(ms.value)});
      // Keep enough for the 10 s window with a margin, and no more.
      while (view.snaps.length > WINDOW_S + 5) view.snaps.shift();
    }
    render(JSON.parse(bs.value));
    view.polls += 1;
    document.body.dataset.polls = String(view.polls);
    view.lostSince = 0;
    setConn('ok', 'live');
    $('#updated').textContent = 'updated ' + clock(new Date());
    if (ms.status === 'rejected') {
      showMessage(`/metrics: ${ms.reason.message}`, 'error');
    } else if ($('#message').dataset.kind === 'read') {
      clearMessage();
    }
  } else {
    const err = bs.reason;
    if (err instanceof HttpError && err.status === 401) {
      setConn('auth', 'token needed');
      showMessage('Reading needs the admin token from this address: type it above. ' + err.message, 'error');
      $('#message').dataset.kind = 'read';
    } else {
      if (!view.lostSince) view.lostSince = Date.now();
      setConn('lost', `connection lost since ${clock(new Date(view.lostSince))}`);
    }
  }
  setTimeout(poll, Math.max(0, POLL_MS - (performance.now() - started)));
}

async function act(pool, backend, action, btn) {
  btn.disabled = true;
  const url = `/admin/pools/${encodeURIComponent(pool)}/backends/${encodeURIComponent(backend)}/${action}`;
  try {
    const text = await request(url, {method: 'POST'});
    const b = JSON.parse(text);
    showMessage(`${action}: ${b.backend} in pool ${b.pool} is now ${b.state}`, 'ok');
  } catch (err) {
    const hint = err.status === 401 ? ' Type the admin token above and press "Use token".' : '';
    showMessage(`${action} ${backend} (pool ${pool}) failed: ${err.message}.${hint}`, 'error');
    btn.disabled = false;
  }
}

function init() {
  const input = $('#token');
  const save = () => {
    const t = input.value.trim();
    if (t) sessionStorage.setItem(TOKEN_KEY, t);
    input.value = '';
    showTokenState();
  };
  $('#token-save').addEventListener('click', save);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') save();
  });
  $('#token-clear').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showTokenState();
  });
  showTokenState();
  poll();
}

document.addEventListener('DOMContentLoaded', init);
