// Checks the desk's paste converter (src/desk/paste.js) in Debian's headless Chromium (through
// playwright-core, which never downloads a browser of its own).
//
//   node tests/browser/paste-check.mjs --script src/desk/paste.js \
//     --fixtures tests/fixtures/paste --out DIR
//
// 1. Every fixture NAME.html (clipboard HTML as Word, Outlook, Google Docs or a web page put it)
//    is converted in the page with window.bulletinPaste.htmlToMarkdown; the Markdown must be
//    NAME.md exactly and the list of what was dropped NAME.dropped.txt (one a line) exactly.
//    Each result is written to DIR/NAME.md.
// 2. A real paste: the page is served as http://127.0.0.1/ (answered here, never over the
//    network, so the clipboard API is available), the clipboard gets word-lists.html as
//    text/html (and its words as text/plain) through navigator.clipboard.write, a textarea whose
//    paste handler calls htmlToMarkdown is focused, and Control+V is pressed: the textarea must
//    then hold word-lists.md after the text typed before it. Its value is written to
//    DIR/pasted.md.
// Prints one line per check; exits 0 if all pass, 1 otherwise (2 on bad arguments).

import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.mjs';

const PAGE_URL = 'http://127.0.0.1/paste';
const PASTED = 'word-lists';
const TYPED_BEFORE = 'Typed first.\n\n';

function usage(message) {
  console.error(`paste-check: ${message}`);
  console.error('usage: node paste-check.mjs --script paste.js --fixtures DIR --out DIR');
  process.exit(2);
}

let opts;
try {
  opts = parseArgs({
    options: {
      script: { type: 'string' },
      fixtures: { type: 'string' },
      out: { type: 'string' },
    },
  }).values;
} catch (e) {
  usage(e.message);
}
for (const key of ['script', 'fixtures', 'out']) if (!opts[key]) usage(`--${key} is required`);
const script = fs.readFileSync(opts.script, 'utf8');
const names = fs.readdirSync(opts.fixtures)
  .filter((f) => f.endsWith('.html'))
  .map((f) => f.slice(0, -'.html'.length))
  .sort();
if (names.length === 0) usage(`no .html fixtures in ${opts.fixtures}`);
fs.mkdirSync(opts.out, { recursive: true });
const read = (name, ext) => fs.readFileSync(path.join(opts.fixtures, name + ext), 'utf8');
const lines = (text) => text.split('\n').filter((l) => l !== '');

const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Paste</title>
<script>${script}</script></head><body>
<label for="text">Text</label>
<textarea id="text" rows="20" cols="80"></textarea>
<script>
  // As the desk does: HTML on the clipboard becomes Markdown at the caret; plain text is left
  // to the browser.
  document.getElementById('text').addEventListener('paste', (event) => {
    const html = event.clipboardData.getData('text/html');
    if (!html) return;
    event.preventDefault();
    const { markdown } = window.bulletinPaste.htmlToMarkdown(html);
    const t = event.target;
    t.setRangeText(markdown, t.selectionStart, t.selectionEnd, 'end');
    t.dispatchEvent(new Event('input', { bubbles: true }));
  });
</script></body></html>`;

let failures = 0;
function check(ok, what, detail) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) {
    failures += 1;
    if (detail) console.log(detail);
  }
}

/** A line-by-line account of where two texts differ. */
function diff(want, got) {
  const a = want.split('\n');
  const b = got.split('\n');
  const out = [];
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    if (a[i] !== b[i]) out.push(`  line ${i + 1}:\n    want ${JSON.stringify(a[i])}\n    got  ${JSON.stringify(b[i])}`);
  }
  return out.join('\n');
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
try {
  const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  // Nothing leaves this machine: the page is answered here, anything else is refused.
  await page.route('**/*', (route) =>
    route.request().url() === PAGE_URL
      ? route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: PAGE })
      : route.abort());
  await page.goto(PAGE_URL);
  check(await page.evaluate(() => typeof window.bulletinPaste?.htmlToMarkdown === 'function'),
    'paste.js defines window.bulletinPaste.htmlToMarkdown');

  for (const name of names) {
    const result = await page.evaluate((html) => window.bulletinPaste.htmlToMarkdown(html), read(name, '.html'));
    fs.writeFileSync(path.join(opts.out, `${name}.md`), result.markdown);
    const want = read(name, '.md');
    check(result.markdown === want, `${name}: the Markdown is ${name}.md`, diff(want, result.markdown));
    const wantDropped = lines(read(name, '.dropped.txt'));
    check(JSON.stringify(result.dropped) === JSON.stringify(wantDropped),
      `${name}: dropped ${wantDropped.length ? wantDropped.length + ' thing(s), as listed' : 'nothing'}`,
      `    want ${JSON.stringify(wantDropped, null, 2)}\n    got  ${JSON.stringify(result.dropped, null, 2)}`);
  }

  // A real paste, through the system clipboard and a key press.
  const html = read(PASTED, '.html');
  await page.evaluate(async (html) => {
    const plain = new DOMParser().parseFromString(html, 'text/html').body.innerText;
    await navigator.clipboard.write([new ClipboardItem({
      'text/html': new Blob([html], { type: 'text/html' }),
      'text/plain': new Blob([plain], { type: 'text/plain' }),
    })]);
  }, html);
  const field = page.getByRole('textbox', { name: 'Text' });
  await field.fill(TYPED_BEFORE);
  await field.focus();
  await page.evaluate(() => {
    const t = document.getElementById('text');
    t.setSelectionRange(t.value.length, t.value.length);
  });
  await page.keyboard.press('Control+V');
  const pasted = await field.inputValue();
  fs.writeFileSync(path.join(opts.out, 'pasted.md'), pasted);
  const wantPasted = TYPED_BEFORE + read(PASTED, '.md');
  check(pasted === wantPasted, `Control+V of ${PASTED}.html into the text field gives ${PASTED}.md`,
    diff(wantPasted, pasted));
  check(errors.length === 0, 'no error in the page', errors.join('\n'));
} finally {
  await browser.close();
}
process.exit(failures ? 1 : 0);
