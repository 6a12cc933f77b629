// Checks a running `bulletin desk` in Debian's headless Chromium (through playwright-core), as
// the office would use it, and asserts on the bulletin file it writes.
//
//   node tests/browser/desk-check.mjs --url http://127.0.0.1:PORT/?token=T --office DIR \
//     --bin target/debug/bulletin --shots DIR
//
// DIR is a copy of an office folder holding bulletins/2021-10-20.yaml (the example) and
// publisher.yaml, which the desk serves; this script changes the bulletin through the page and
// on disk. Steps: Home and its bar of links; Save with nothing changed leaves the file byte for
// byte; a new Title changes exactly one line; a new section with a link and a key date passes
// `bulletin check --strict` and shows in the preview (changed in place, not loaded again); a paste of HTML goes through paste.js; a
// wrong date shows its problem next to the Date field and Send is refused until it is fixed; a
// file changed on disk is never overwritten silently (and "keep their version as a copy"
// keeps it); keyboard focus is visible; screenshots at 1280 and 768 px; no console error, page
// error or failed request. Prints one line per step; exits 0 if all pass, 1 otherwise.

import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** axe-core's WCAG 2.2 A and AA rules on the page (the email in the preview is checked elsewhere). */
async function accessible(page, what) {
  // Evaluated through the DevTools protocol: the desk's Content-Security-Policy (rightly) lets
  // no script tag of anyone else's run.
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

const WAIT_MS = 8_000;

const opts = parseArgs({
  options: {
    url: { type: 'string' },
    office: { type: 'string' },
    bin: { type: 'string' },
    shots: { type: 'string' },
  },
}).values;
for (const name of ['url', 'office', 'bin', 'shots']) {
  if (!opts[name]) {
    console.error(`desk-check: --${name} is required`);
    process.exit(2);
  }
}
const office = path.resolve(opts.office);
const bulletin = path.join(office, 'bulletins', '2021-10-20.yaml');
const shots = path.resolve(opts.shots);
fs.mkdirSync(shots, { recursive: true });
const start = new URL(opts.url);
const at = (p) => new URL(p, start.origin).href;

class CheckFailed extends Error {}
const fail = (message) => {
  throw new CheckFailed(message);
};
const step = (message) => console.log(`ok: ${message}`);
const read = () => fs.readFileSync(bulletin, 'utf8');

/** Waits until the page says it saved what was typed (the status starts "Saved"). */
async function saved(page) {
  await page
    .waitForFunction(() => /^Saved/.test(document.getElementById('status').textContent), null, { timeout: WAIT_MS })
    .catch(async () => fail(`the page did not save: its status says "${await page.locator('#status').textContent()}"`));
}

/** Waits until `done()` holds (the page saves a moment after the last keystroke); fails with `why()`. */
async function settled(done, why) {
  const until = Date.now() + WAIT_MS;
  while (!done()) {
    if (Date.now() > until) fail(why());
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The lines of `a` and `b` that differ (both must have as many lines). */
function changedLines(a, b) {
  const x = a.split('\n');
  const y = b.split('\n');
  if (x.length !== y.length) fail(`expected the same number of lines, got ${x.length} and ${y.length}`);
  return x.map((l, i) => [i + 1, l, y[i]]).filter(([, l, m]) => l !== m);
}

function check(strict) {
  const args = ['check', 'bulletins/2021-10-20.yaml'];
  if (strict) args.push('--strict');
  try {
    execFileSync(opts.bin, args, { cwd: office, encoding: 'utf8', stdio: 'pipe' });
    return null;
  } catch (e) {
    return `${e.stdout}${e.stderr}`;
  }
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
const problems = [];
let failed = false;
// While a step makes the desk refuse this page on purpose, the browser's own console line for a
// refused request is expected.
let expectRefused = false;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: start.origin });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of (503|409)/.test(m.text()) && !(expectRefused && /status of 403/.test(m.text()))) problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    if (!/ERR_ABORTED/.test(r.failure()?.errorText ?? '')) problems.push(`failed request: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('dialog', (d) => d.accept());

  // The message placed after a section named in other capitals than its title: the choice in
  // "Where it goes" must keep the file's own spelling.
  const role = '  role: Chief Executive of Essex LMCs\n';
  if (!read().includes(role)) fail(`the example has no line ${JSON.stringify(role)}`);
  fs.writeFileSync(bulletin, read().replace(role, `${role}  after: introduction\n`));

  // Home, then Write in one click.
  await page.goto(opts.url);
  if (new URL(page.url()).search !== '') fail(`the token stayed in the address: ${page.url()}`);
  const nav = page.getByRole('navigation', { name: 'Desk' });
  for (const name of ['Home', 'Write', 'Send', 'Archive', 'Replies']) {
    if ((await nav.getByRole('link', { name, exact: true }).count()) !== 1) fail(`the bar has no "${name}" link`);
  }
  await page.setViewportSize({ width: 768, height: 900 });
  await page.screenshot({ path: path.join(shots, 'home-768.png') });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: path.join(shots, 'home-1280.png') });
  await nav.getByRole('link', { name: 'Write', exact: true }).click();
  await page.waitForLoadState('load');
  await page.getByRole('heading', { name: 'Write: 20 October 2021' }).waitFor({ timeout: WAIT_MS });
  step('Home links to every page; Write is one click away');

  // Save with nothing changed: the same bytes.
  const original = fs.readFileSync(bulletin);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await saved(page);
  if (!fs.readFileSync(bulletin).equals(original)) fail('Save with nothing changed changed the file');
  if ((await page.locator('#m-after').inputValue()) !== 'introduction') fail('"Where it goes" does not show the section the file names');
  step('Save with nothing changed leaves the file byte for byte');

  // One field: one line.
  const before = read();
  await page.getByLabel('Title', { exact: true }).fill('Flu clinics this winter');
  await saved(page);
  const diff = changedLines(before, read());
  if (diff.length !== 1 || diff[0][2] !== 'title: Flu clinics this winter') fail(`a new title changed: ${JSON.stringify(diff)}`);
  step(`a new Title changes exactly one line (line ${diff[0][0]})`);

  // A new section with a link and a key date. The preview follows in the same document (it is
  // changed in place, not loaded again): a mark left in it stays.
  await page.locator('#preview').evaluate((f) => {
    f.contentWindow.deskMark = 'kept';
  });
  await page.getByRole('button', { name: 'Add a section' }).click();
  const section = page.locator('#sections > .section').last();
  await section.getByLabel('Section title').fill('Practice manager vacancy');
  await section.getByLabel(/^Text/).first().fill('The Brentwood Road practice is looking for a practice manager.\n\n- Full time\n- **Closing soon**');
  await section.getByRole('button', { name: 'Add a link' }).click();
  await section.getByLabel('Link text').fill('The job description (PDF)');
  await section.getByLabel('Link address').fill('https://www.example.org/job.pdf');
  await section.getByRole('button', { name: 'Add a key date' }).click();
  const row = section.locator('.dates .row');
  await row.getByLabel('What').fill('Applications close');
  await row.getByLabel('Date', { exact: true }).fill('2021-11-30');
  await row.getByLabel('Time', { exact: true }).fill('17:00');
  await saved(page);
  const withSection = read();
  const kept = before.split('\n').filter((l) => !l.startsWith('title: '));
  const now = withSection.split('\n');
  let k = 0;
  for (const line of now) if (k < kept.length && line === kept[k]) k += 1;
  if (k !== kept.length) fail(`a line of the file was lost or changed when the section was added: ${JSON.stringify(kept[k])}`);
  const problem = check(true);
  if (problem !== null) fail(`bulletin check --strict fails after adding a section:\n${problem}\n${withSection.slice(-800)}`);
  const frame = page.frameLocator('#preview');
  await frame.getByRole('heading', { name: 'Practice manager vacancy' }).waitFor({ timeout: WAIT_MS });
  if ((await page.locator('#preview').evaluate((f) => f.contentWindow.deskMark)) !== 'kept') fail('the preview loaded a new document instead of changing its own');
  step('the preview changes its document in place as the office types');
  step('a new section with a link and a key date: check --strict passes, every other line kept, the preview shows it');

  // Moving a section moves its own lines, comments included; nothing else changes.
  const unmoved = read();
  await page.getByRole('button', { name: 'Move up, section 3' }).click();
  await saved(page);
  const moved = read();
  const titles = (t) => t.split('\n').filter((l) => l.startsWith('  - title: ')).slice(0, 3);
  if (!titles(moved)[1].includes('Infection Prevention Control')) fail(`after moving section 3 up the sections are ${JSON.stringify(titles(moved))}`);
  const sorted = (t) => t.split('\n').sort().join('\n');
  if (sorted(moved) !== sorted(unmoved)) fail('moving a section changed lines, not only their order');
  if (check(true) !== null) fail(`check --strict fails after moving a section:\n${check(true)}`);
  await page.getByRole('button', { name: 'Move up, section 3' }).click();
  await saved(page);
  if (read() !== unmoved) fail('moving the section back did not give back the same file');
  step('moving a section up moves its lines (its comment too) and moving it back gives the same bytes');

  // The format buttons: bold on the words chosen, bullets on the lines chosen.
  const area = section.getByLabel(/^Text/).first();
  await area.fill('Closing soon\nFull time\nPart time');
  await area.evaluate((el) => el.setSelectionRange(0, 'Closing soon'.length));
  await section.getByRole('toolbar', { name: /^Format Text/ }).getByRole('button', { name: 'Bold' }).click();
  await area.evaluate((el) => el.setSelectionRange(el.value.indexOf('Full'), el.value.length));
  await section.getByRole('toolbar', { name: /^Format Text/ }).getByRole('button', { name: 'Bullets' }).click();
  const formatted = await area.inputValue();
  if (formatted !== '**Closing soon**\n- Full time\n- Part time') fail(`Bold and Bullets gave ${JSON.stringify(formatted)}`);
  await saved(page);
  if (!read().includes('      **Closing soon**\n      - Full time\n      - Part time\n')) fail('the formatted text was not saved as Markdown');
  step('the Bold and Bullets buttons write the Markdown, saved in the file');

  // A paste of HTML goes through paste.js into the text.
  const text = section.getByLabel(/^Text/).first();
  await text.focus();
  await page.keyboard.press('End');
  await page.keyboard.press('Control+End');
  await page.evaluate(async () => {
    const html = '<p>Pasted <b>words</b> from Word</p>';
    await navigator.clipboard.write([
      new ClipboardItem({
        'text/html': new Blob([html], { type: 'text/html' }),
        'text/plain': new Blob(['Pasted words from Word'], { type: 'text/plain' }),
      }),
    ]);
  });
  await page.keyboard.press('Control+V');
  await saved(page);
  const pasted = await text.inputValue();
  if (!/Pasted/.test(pasted) || !/words/.test(pasted) || /</.test(pasted)) fail(`the paste gave ${JSON.stringify(pasted)}`);
  if (!read().includes('Pasted')) fail('the pasted text was not saved');
  step('a paste of HTML goes through paste.js into the Text field and is saved');

  // A wrong date: its problem at the Date field, and Send refused until it is fixed.
  await page.locator('#f-date').fill('2021-10-21');
  await saved(page);
  const at_date = page.locator('#p-f-date');
  await at_date.waitFor({ state: 'visible', timeout: WAIT_MS });
  const words = await at_date.textContent();
  if (!/named for 2021-10-20/.test(words) || /:\d+:\d+/.test(words)) fail(`the problem at Date says: ${words}`);
  if ((await page.locator('#f-date').getAttribute('aria-invalid')) !== 'true') fail('the Date field is not marked invalid');
  await page.screenshot({ path: path.join(shots, 'write-problem-1280.png') });
  await nav.getByRole('link', { name: 'Send', exact: true }).click();
  await page.locator('#send-refused').waitFor({ timeout: WAIT_MS });
  if (!(await page.getByRole('button', { name: 'Send a test copy' }).isDisabled())) fail('Send is offered while the bulletin has a problem');
  await page.screenshot({ path: path.join(shots, 'send-refused-1280.png') });
  await nav.getByRole('link', { name: 'Write', exact: true }).click();
  await page.waitForLoadState('load');
  await page.locator('#f-date').fill('2021-10-20');
  await saved(page);
  if (await at_date.isVisible()) fail('the problem at Date stayed after the date was fixed');
  await nav.getByRole('link', { name: 'Send', exact: true }).click();
  await page.locator('#send-ready').waitFor({ timeout: WAIT_MS });
  step(`a wrong date shows "${words.trim()}" at the Date field; Send is refused until it is fixed`);

  // The file changed on disk while the page is open: never overwritten silently.
  // The form is on the screen before desk.js (at the page's end) has run, under load long
  // enough for a keystroke to go unheard: each visit to Write waits for the page to load.
  await nav.getByRole('link', { name: 'Write', exact: true }).click();
  await page.waitForLoadState('load');
  await page.locator('#f-summary').waitFor();
  const theirs = read().replace('date: 2021-10-20\n', 'date: 2021-10-20\n# Changed by hand in another editor.\n');
  fs.writeFileSync(bulletin, theirs);
  await page.locator('#f-summary').fill('Our summary');
  await page.locator('#conflict').waitFor({ state: 'visible', timeout: WAIT_MS });
  if (read() !== theirs) fail('the desk overwrote a file changed on disk');
  await page.screenshot({ path: path.join(shots, 'conflict-1280.png') });
  await page.getByRole('button', { name: 'Keep their version as a copy, and save mine' }).click();
  await saved(page);
  const copy = path.join(office, 'bulletins', '2021-10-20.theirs-1.yaml');
  if (!fs.existsSync(copy) || fs.readFileSync(copy, 'utf8') !== theirs) fail('their version was not kept as a copy');
  const mine = read();
  if (!mine.includes('summary: Our summary') || !mine.includes('# Changed by hand in another editor.')) fail(`after keeping theirs, the file is:\n${mine.slice(0, 600)}`);
  step('a file changed on disk is not overwritten: the page says so; "keep theirs as a copy" keeps it and saves ours into it');

  // Start next week's from Home: what `bulletin new` writes.
  const scratch = fs.mkdtempSync(path.join(office, 'scratch-'));
  for (const f of ['2021-10-20.yaml', 'publisher.yaml']) fs.copyFileSync(path.join(office, 'bulletins', f), path.join(scratch, f));
  execFileSync(opts.bin, ['new', '--dir', scratch], { stdio: 'pipe' });
  await nav.getByRole('link', { name: 'Home', exact: true }).click();
  await page.getByRole('button', { name: /^Start next week's \(27 October 2021\)$/ }).click();
  await page.getByRole('heading', { name: 'Write: 27 October 2021' }).waitFor({ timeout: WAIT_MS });
  const started = fs.readFileSync(path.join(office, 'bulletins', '2021-10-27.yaml'), 'utf8');
  if (started !== fs.readFileSync(path.join(scratch, '2021-10-27.yaml'), 'utf8')) fail('Start next week\'s wrote something other than what bulletin new writes');
  await page.locator('#summary.has-errors').waitFor({ timeout: WAIT_MS });
  await page.screenshot({ path: path.join(shots, 'write-new-1280.png') });
  step('"Start next week\'s" on Home writes what bulletin new writes and opens it, its blanks listed as problems');
  // A blank's hint is not put back once the office has typed there: an optional field emptied
  // again leaves the file, a required one is reported empty; the problem is in the page's words.
  const fresh = () => fs.readFileSync(path.join(office, 'bulletins', '2021-10-27.yaml'), 'utf8');
  const labelSays = await page.locator('#sections > .section').first().locator('.problem').allTextContents();
  if (!labelSays.some((t) => /Not filled in yet.*or press “Leave it out” under the box/s.test(t))) fail(`the new issue's Label says: ${JSON.stringify(labelSays)}`);
  if (labelSays.some((t) => /brackets/.test(t))) fail(`the page speaks of brackets it does not show: ${JSON.stringify(labelSays)}`);
  await page.locator('#sections > .section').first().getByRole('button', { name: 'Leave it out: Label' }).click();
  await settled(() => (fresh().match(/\n\s*label:/g) || []).length === 1, () => `an emptied Label is still in the file:\n${fresh()}`);
  const title = page.locator('#f-title');
  await title.pressSequentially('x');
  await title.press('Backspace');
  await settled(() => /\ntitle: ""\n/.test(fresh()), () => `an emptied Title is not empty in the file:\n${fresh()}`);
  // The page says so once the save's answer is in (the blank's own problem was there before).
  const titleProblem = page.locator('#f-title').locator('xpath=ancestor::*[contains(@class,"field")][1]').locator('.problem');
  await page
    .waitForFunction(() => document.querySelector('#p-f-title')?.textContent === 'Problem: “Title” in the bulletin is empty.', null, { timeout: WAIT_MS })
    .catch(async () => fail(`an emptied Title says: ${await titleProblem.textContent()}`));
  if ((await page.locator('#f-title').getAttribute('aria-invalid')) !== 'true') fail('an emptied Title is not marked as a problem');
  step('an optional blank is left out with Leave it out (Label); a required one typed in and emptied is reported empty (Title), not its hint put back');
  await page.goto(at('/write/2021-10-20.yaml'));

  // Archive: one click adds the issue (bulletin archive), and Home then says it is archived.
  await nav.getByRole('link', { name: 'Archive', exact: true }).click();
  await page.getByRole('row', { name: /2021-10-20\.yaml/ }).getByRole('button', { name: /^Add to the archive/ }).click();
  await page.waitForFunction(() => /^(Finished|Stopped)/.test(document.getElementById('job-status').textContent), null, { timeout: 30_000 });
  const archived = await page.locator('#job-output').textContent();
  if ((await page.locator('#job-status').textContent()) !== 'Finished.' || !fs.existsSync(path.join(office, 'archive', 'index.html'))) fail(`archiving from the desk failed:\n${archived}`);
  await page.getByRole('button', { name: 'Open the archive website' }).click();
  await page.getByText('The archive is open in your browser.').waitFor({ timeout: WAIT_MS });
  await nav.getByRole('link', { name: 'Home', exact: true }).click();
  const issueRow = page.getByRole('row', { name: /Write 2021-10-20\.yaml/ });
  if (!/archived/.test(await issueRow.textContent())) fail(`Home does not say the issue is archived: ${await issueRow.textContent()}`);
  await nav.getByRole('link', { name: 'Archive', exact: true }).click();
  const archiveRow = page.getByRole('row', { name: /2021-10-20\.yaml/ });
  if (!/archived/.test(await archiveRow.textContent()) || !(await archiveRow.getByRole('button', { name: /^Update it in the archive/ }).count())) fail(`the Archive page does not say the issue is in it: ${await archiveRow.textContent()}`);
  step('Archive adds the issue with bulletin archive and opens the archive website; Home and Archive say it is archived');
  await page.goto(at('/write/2021-10-20.yaml'));

  // A section just added is not met with its problems (no title yet) while it is being filled
  // in: they show once the office leaves it. Removed again, the file is as it was.
  await page.goto(at('/write/2021-10-20.yaml'));
  const unadded = read();
  await page.getByRole('button', { name: 'Add a section' }).click();
  const added = page.locator('#sections > .section').last();
  await saved(page);
  if (await added.locator('[aria-invalid="true"]').count()) fail('a section just added shows problems before anything was typed in it');
  await page.locator('#f-title').focus();
  await added.locator('[aria-invalid="true"]').first().waitFor({ timeout: WAIT_MS });
  const told = await added.locator('.problem:not([hidden])').first().textContent();
  if (!/Title.*is empty/.test(told)) fail(`a section left without a title says: ${told}`);
  await added.getByRole('button', { name: /^Remove section/ }).click();
  await saved(page);
  await settled(() => read() === unadded, () => 'the file is not as it was after the new section was removed');
  step('a section just added shows its problems once the office leaves it, not before; removed, the file is as it was');

  // Typing while the desk is away is kept in the browser: the page says so (for a desk started
  // again, whose new key refuses this page, too), and the Write page opened again offers it back.
  await page.goto(at('/write/2021-10-20.yaml'));
  expectRefused = true;
  await context.route('**/api/save/**', (route) => route.fulfill({ status: 403, contentType: 'text/html', body: '<!DOCTYPE html><p>Refused</p>' }));
  await page.locator('#f-summary').fill('Typed while the desk was started again');
  await page.waitForFunction(() => /^Not saved: the desk was started again/.test(document.getElementById('status').textContent), null, { timeout: WAIT_MS });
  await context.unroute('**/api/save/**');
  await context.route('**/api/save/**', (route) => route.abort('aborted'));
  await page.locator('#f-summary').fill('Typed while the desk was away');
  await page.waitForFunction(() => /^Not saved: the desk is not running.*kept in this browser/.test(document.getElementById('status').textContent), null, { timeout: WAIT_MS });
  // The Write page opened again (another tab of the same browser, the desk still unreachable)
  // offers it back; put back once the desk answers, it is in the file.
  if (read().includes('Typed while')) fail('the save reached the file while the desk was away');
  const again = await context.newPage();
  again.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await again.goto(at('/write/2021-10-20.yaml'));
  await again.locator('#draft').waitFor({ timeout: WAIT_MS });
  await again.screenshot({ path: path.join(shots, 'write-draft-1280.png') });
  await context.unroute('**/api/save/**');
  expectRefused = false;
  // Put back, the page loads again from the file.
  await Promise.all([
    again.waitForEvent('load', { timeout: WAIT_MS }),
    again.getByRole('button', { name: 'Put back what I typed' }).click(),
  ]);
  await settled(() => read().includes('summary: Typed while the desk was away'), () => `the draft was not put back:\n${read()}`);
  await again.locator('#f-summary').waitFor();
  if ((await again.locator('#f-summary').inputValue()) !== 'Typed while the desk was away') fail('the page does not show what was put back');
  if (await again.locator('#draft').count()) fail('the draft is offered again after it was put back');
  await again.close();
  step('typing while the desk is away (or started again) is kept in the browser and put back when the Write page opens again');

  // Keyboard: the skip link comes first and focus is visible.
  await page.reload();
  await page.keyboard.press('Tab');
  const focus = await page.evaluate(() => {
    const el = document.activeElement;
    const s = getComputedStyle(el);
    return { text: el.textContent, outline: s.outlineStyle, width: s.outlineWidth };
  });
  if (focus.text !== 'Skip to the page' || focus.outline === 'none') fail(`the first Tab focuses ${JSON.stringify(focus)}`);
  await page.keyboard.press('Tab');
  const second = await page.evaluate(() => [document.activeElement.textContent, getComputedStyle(document.activeElement).outlineStyle]);
  if (second[1] === 'none') fail(`focus is not visible on ${second[0]}`);
  step('the keyboard reaches the skip link, then the bar, with visible focus');

  // axe-core on every page, with problems shown on the Write page.
  await page.goto(at('/write/2021-10-20.yaml'));
  await page.locator('#f-date').fill('2021-10-22');
  await saved(page);
  await accessible(page, 'the Write page with a problem');
  for (const name of ['Home', 'Send', 'Archive', 'Replies']) {
    await nav.getByRole('link', { name, exact: true }).click();
    await page.waitForLoadState('load');
    await accessible(page, name);
  }
  await page.goto(at('/write/2021-10-20.yaml'));
  await page.locator('#f-date').fill('2021-10-20');
  await saved(page);
  if (!read().includes('\ndate: 2021-10-20\n')) fail('the date was not put back');
  step('axe-core finds no WCAG 2.2 A or AA violation on Write (with a problem shown), Home, Send, Archive or Replies');

  // Screenshots, and no sideways scrolling at 768 px.
  if ((await page.locator('h1').first().textContent()) !== 'Write: 20 October 2021') fail('the screenshots are not of the example');
  await page.screenshot({ path: path.join(shots, 'write-1280.png') });
  await page.setViewportSize({ width: 768, height: 1000 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(shots, 'write-768.png') });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  if (wide > 768) fail(`the Write page scrolls sideways at 768 px (${wide} px wide)`);
  step(`screenshots in ${shots}; no sideways scrolling at 768 px`);

  if (problems.length > 0) fail(problems.join('\n'));
  step('no console error, page error or failed request');
} catch (e) {
  failed = true;
  console.error(e instanceof CheckFailed ? `FAILED: ${e.message}` : e);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
