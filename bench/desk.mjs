// The measuring half of bench/desk.sh: opens the desk's Write page in headless Chromium, types
// into the first section's Text N times and measures, each time, from the last keystroke to the
// preview showing the word typed; then reads the desk's resident memory (/proc/PID/status).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const here = path.dirname(new URL(import.meta.url).pathname);
const require = createRequire(path.join(here, '../tests/browser/package.json'));
const pw = await import(require.resolve('playwright-core'));
const chromium = pw.chromium ?? pw.default.chromium;
const o = parseArgs({ options: { url: { type: 'string' }, pid: { type: 'string' }, n: { type: 'string' }, started: { type: 'string' }, printed: { type: 'string' } } }).values;
const n = Number(o.n);
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${o.pid}/status`, 'utf8'))[1]) / 1024;

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
const opening = Date.now();
await page.goto(new URL(`/write/2021-10-20.yaml${new URL(o.url).search}`, o.url).href);
await page.locator('#preview').waitFor();
await page.waitForFunction(() => document.getElementById('preview').contentDocument?.readyState === 'complete');
const opened = Date.now() - opening;
const text = page.locator('#s0-body');
const times = [];
for (let i = 0; i < n; i += 1) {
  await text.focus();
  await page.keyboard.press('Control+End');
  const word = ` w${i}q`;
  await page.keyboard.type(word.slice(0, -1));
  const t0 = Date.now();
  await page.keyboard.press(word.slice(-1));
  await page.waitForFunction(
    (w) => (document.getElementById('preview').contentDocument?.body?.textContent ?? '').includes(w),
    word.trim(),
    { polling: 'raf', timeout: 10_000 },
  );
  times.push(Date.now() - t0);
}
times.sort((a, b) => a - b);
const at = (q) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)];
console.log(`address printed ${o.printed} ms after start; the Write page with its preview loaded in ${opened} ms (once the browser was up)`);
console.log(`keystroke to preview, ${n} times: median ${at(0.5)} ms, 95th percentile ${at(0.95)} ms, slowest ${times[times.length - 1]} ms`);
console.log(`desk's resident memory after: ${rss().toFixed(1)} MB`);
await browser.close();
