// Drives headless Chromium for tests/e2e/test_dashboard.py: one JSON command per stdin line,
// one `R {"id":N,"ok":...}` line per answer on stdout (the test reads them with Proc.wait_line).
//
//   {"id":1,"cmd":"goto","url":"http://127.0.0.1:P/dashboard"}  -> {status, headers}
//   {"id":2,"cmd":"eval","expr":"document.title"}                 -> value (JSON-serialisable)
//   {"id":3,"cmd":"wait","expr":"...","timeout":10000}            -> first truthy value, else an
//                                                                    error with the last value
//   {"id":4,"cmd":"type","selector":"#token","text":"..."}
//   {"id":5,"cmd":"click","selector":"..."}
//   {"id":6,"cmd":"screenshot","path":"/abs/file.png"}
//   {"id":7,"cmd":"log"}                                          -> {console, errors}
//   {"id":8,"cmd":"quit"}
//
// Waits poll with page.evaluate (DevTools evaluation is not subject to the page's CSP) instead
// of waitForFunction, whose string form would need the page to allow eval.
//
// Env: CHROME_BIN (the browser), USER_DATA_DIR (a fresh directory), INTEROP_DIR (where
// node_modules/puppeteer-core is: tests/interop, whose lock file pins it).
import { createRequire } from 'node:module';
import path from 'node:path';
import readline from 'node:readline';

const require = createRequire(path.join(process.env.INTEROP_DIR, 'package.json'));
const puppeteer = require('puppeteer-core');

const console_ = [];  // every console message: {type, text}
const errors = [];    // uncaught page exceptions and failed requests

const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_BIN,
  headless: true,
  userDataDir: process.env.USER_DATA_DIR,
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
         '--no-first-run', '--no-default-browser-check', '--disable-extensions',
         '--disable-background-networking', '--disable-component-update'],
  // The test stops this process with SIGTERM; puppeteer then closes the browser too.
  handleSIGTERM: true,
  handleSIGINT: true,
});
const page = await browser.newPage();
await page.setViewport({ width: 1600, height: 1000, deviceScaleFactor: 1 });
page.on('console', (m) => console_.push({ type: m.type(), text: m.text() }));
page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
page.on('requestfailed', (r) => {
  errors.push(`requestfailed: ${r.method()} ${r.url()}: ${r.failure()?.errorText}`);
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function run(msg) {
  switch (msg.cmd) {
    case 'goto': {
      const r = await page.goto(msg.url, { waitUntil: 'load', timeout: msg.timeout ?? 15000 });
      return { status: r.status(), headers: r.headers() };
    }
    case 'eval':
      return await page.evaluate(msg.expr);
    case 'wait': {
      const deadline = Date.now() + (msg.timeout ?? 10000);
      let last;
      for (;;) {
        last = await page.evaluate(msg.expr);
        if (last) {
          return last;
        }
        if (Date.now() >= deadline) {
          throw new Error(`timed out after ${msg.timeout ?? 10000} ms waiting for ${msg.expr}` +
                          ` (last value ${JSON.stringify(last)})`);
        }
        await sleep(100);
      }
    }
    case 'type':
      await page.type(msg.selector, msg.text);
      return true;
    case 'click':
      await page.click(msg.selector);
      return true;
    case 'screenshot':
      await page.screenshot({ path: msg.path, fullPage: true });
      return msg.path;
    case 'log':
      return { console: console_, errors };
    case 'quit':
      await browser.close();
      return true;
    default:
      throw new Error(`unknown command ${msg.cmd}`);
  }
}

const version = await browser.version();
process.stdout.write(`READY ${version}\n`);

const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  if (!line.trim()) {
    continue;
  }
  let msg;
  try {
    msg = JSON.parse(line);
  } catch (e) {
    process.stdout.write(`R ${JSON.stringify({ id: -1, ok: false, error: String(e) })}\n`);
    continue;
  }
  let out;
  try {
    out = { id: msg.id, ok: true, value: (await run(msg)) ?? null };
  } catch (e) {
    out = { id: msg.id, ok: false, error: String(e?.stack ?? e) };
  }
  process.stdout.write(`R ${JSON.stringify(out)}\n`);
  if (msg.cmd === 'quit') {
    break;
  }
}
await browser.close().catch(() => {});
process.exit(0);
