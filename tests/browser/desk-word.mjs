// Checks two parts of a running `bulletin desk` in Debian's headless Chromium (through
// playwright-core): "Start from a Word document" on Home, and the replies waiting for a person
// on Replies.
//
//   node tests/browser/desk-word.mjs --url http://127.0.0.1:PORT/?token=T --office DIR \
//     --docx FILE.docx --shots DIR
//
// DIR is an office folder holding bulletins/2021-10-20.yaml and a suppressions.yaml with
// amara.okafor@example.org and sam.jones@example.org under `to_confirm:`. Steps: the document is
// chosen in the file field and imported as the issue of 2021-10-27 (next week's, the date the
// field offers); the Write page of the new issue lists what was not carried over; a second
// import for the same date is refused and leaves the file as it was; on Replies, "Confirm" for
// Amara and "Dismiss" for Sam (the caller asserts on suppressions.yaml); axe-core finds no
// WCAG 2.2 A or AA violation; screenshots at 1280 and 768 px; no console error, page error or
// failed request. Prints one line per step; exits 0 if all pass, 1 otherwise.

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const WAIT_MS = 8_000;

const opts = parseArgs({
  options: { url: { type: 'string' }, office: { type: 'string' }, docx: { type: 'string' }, shots: { type: 'string' } },
}).values;
for (const name of ['url', 'office', 'docx', 'shots']) {
  if (!opts[name]) {
    console.error(`desk-word: --${name} is required`);
    process.exit(2);
  }
}
const office = path.resolve(opts.office);
const imported = path.join(office, 'bulletins', '2021-10-27.yaml');
const shots = path.resolve(opts.shots);
fs.mkdirSync(shots, { recursive: true });
const start = new URL(opts.url);
const at = (p) => new URL(p, start.origin).href;

class CheckFailed extends Error {}
const fail = (message) => {
  throw new CheckFailed(message);
};
const step = (message) => console.log(`ok: ${message}`);

async function accessible(page, what) {
  await page.evaluate(fs.readFileSync(AXE, 'utf8'));
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(
      { exclude: [['#preview']] },
      { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } },
    );
    return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
  });
  if (found.length) fail(`axe finds on ${what}:\n${found.join('\n')}`);
}

async function shoot(page, name) {
  await page.setViewportSize({ width: 768, height: 900 });
  await page.screenshot({ path: path.join(shots, `${name}-768.png`), fullPage: true });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  if (wide > 768) fail(`${name} scrolls sideways at 768 px (${wide} px wide)`);
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: path.join(shots, `${name}-1280.png`) });
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
const problems = [];
let failed = false;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  page.on('console', (m) => {
    // The refused second import answers 409, which Chromium logs.
    if (m.type() === 'error' && !/status of (503|409)/.test(m.text())) problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    if (!/ERR_ABORTED/.test(r.failure()?.errorText ?? '')) problems.push(`failed request: ${r.url()} ${r.failure()?.errorText}`);
  });

  // Home: the Word document, next week's date offered.
  await page.goto(opts.url);
  const word = page.getByRole('form', { name: 'Start from a Word document' });
  const date = word.getByLabel('Date of the new issue');
  if ((await date.inputValue()) !== '2021-10-27') fail(`the date offered is ${await date.inputValue()}, not next week's`);
  await accessible(page, 'Home');
  await shoot(page, 'home-word');
  await word.getByLabel('Word document').setInputFiles(opts.docx);
  await word.getByRole('button', { name: 'Start from this document' }).click();
  await page.waitForURL(/\/write\/2021-10-27\.yaml$/);
  if (!fs.existsSync(imported)) fail('no bulletins/2021-10-27.yaml was written');
  const written = fs.readFileSync(imported, 'utf8');
  if (!written.startsWith('# The bulletin for 27 October 2021, imported from a Word document')) fail(`not the import:\n${written.slice(0, 200)}`);
  const notes = page.locator('#imported');
  await notes.waitFor();
  const said = await notes.textContent();
  if (!/table \(2 rows, 3 columns/.test(said)) fail(`the Write page does not say the wide table was not carried over:\n${said}`);
  if ((await page.getByLabel('Title', { exact: true }).inputValue()) !== 'Improving access for patients and supporting general practice') fail('the Write page is not the imported issue');
  await accessible(page, 'the Write page of the imported issue');
  await shoot(page, 'write-imported');
  step('the Word document became bulletins/2021-10-27.yaml, opened in Write, with what was not carried over');

  // The same date again: refused, the file untouched.
  await page.goto(at('/'));
  await date.fill('2021-10-27');
  await word.getByLabel('Word document').setInputFiles(opts.docx);
  await word.getByRole('button', { name: 'Start from this document' }).click();
  await page.locator('#word-status', { hasText: 'There is already an issue dated 27 October 2021' }).waitFor();
  if (fs.readFileSync(imported, 'utf8') !== written) fail('the second import changed the first');
  if (!page.url().endsWith('/')) fail(`the page moved to ${page.url()}`);
  step('a second import for the same date is refused and overwrites nothing');

  // Replies: one confirmed, one dismissed, a click each.
  await page.goto(at('/replies'));
  await page.getByText('amara.okafor@example.org').first().waitFor();
  await accessible(page, 'Replies with two waiting');
  await shoot(page, 'replies-waiting');
  await page.getByRole('button', { name: 'Confirm amara.okafor@example.org' }).click();
  await page.waitForURL(/done=confirmed/);
  await page.getByRole('button', { name: 'Dismiss sam.jones@example.org' }).click();
  await page.waitForURL(/done=dismissed/);
  await page.getByText('Nothing is waiting for you.').waitFor();
  await shoot(page, 'replies-done');
  step('on Replies, Amara confirmed and Sam dismissed, one click each');

  if (problems.length > 0) fail(problems.join('\n'));
  step('no console error, page error or failed request');
} catch (e) {
  failed = true;
  console.error(e instanceof CheckFailed ? `FAILED: ${e.message}` : e);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
