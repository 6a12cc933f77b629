// What people paste into a text field of the desk, made into the bulletin's Markdown.
//
// Word, Outlook and web pages put HTML on the clipboard. This turns it into the Markdown a
// bulletin accepts (src/input/markdown.rs): paragraphs, line breaks, bullets and numbering (Word's
// `mso-list` paragraphs as well as <ul>/<ol>), bold, italic and links; headings become bold lines
// and tables of one or two columns a bulleted list. Everything else is dropped, and said so in
// plain English. Text that would otherwise turn into formatting (`*`, `_`, `[`, a `-` starting a
// line, ...) is escaped; curly quotes, dashes and `£` are kept as typed.
//
//   window.bulletinPaste.htmlToMarkdown(html) -> { markdown: string, dropped: string[] }
//
// A plain browser script with no dependencies (it is embedded in the binary); it needs only
// DOMParser. Tested in Chromium by tests/browser/paste-check.mjs on tests/fixtures/paste/.
(function () {
  'use strict';

  // Elements whose content is never text of the bulletin.
  const SKIPPED = new Set(['HEAD', 'STYLE', 'SCRIPT', 'TEMPLATE', 'TITLE', 'META', 'LINK', 'XML',
    'NOSCRIPT', 'BUTTON', 'SELECT', 'TEXTAREA', 'INPUT', 'O:SMARTTAGTYPE']);
  // Embedded things that cannot go into an email's text: dropped with a note.
  const EMBEDDED = {
    IMG: 'image', SVG: 'picture', CANVAS: 'picture', VIDEO: 'video', AUDIO: 'sound recording',
    IFRAME: 'embedded page', OBJECT: 'embedded object', EMBED: 'embedded object',
    'V:SHAPE': 'image', 'V:IMAGEDATA': 'image',
  };
  const BLOCKS = new Set(['P', 'DIV', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'UL', 'OL', 'LI', 'TABLE',
    'BLOCKQUOTE', 'PRE', 'HR', 'SECTION', 'ARTICLE', 'HEADER', 'FOOTER', 'MAIN', 'ASIDE', 'NAV',
    'FIGURE', 'FIGCAPTION', 'ADDRESS', 'DL', 'DT', 'DD', 'CENTER', 'FORM', 'FIELDSET', 'BODY',
    'TBODY', 'THEAD', 'TFOOT', 'TR', 'TD', 'TH', 'CAPTION']);
  const ORDERED_MARKER = /^\(?([0-9]+|[a-z]|[ivxlcdm]+)[.)]$/i;

  /** The clipboard's HTML with Word's conditional comments made into elements or removed. */
  function prepare(html) {
    let s = String(html || '');
    const start = s.indexOf('<!--StartFragment-->');
    const end = s.indexOf('<!--EndFragment-->');
    if (start >= 0 && end > start) s = s.slice(start + '<!--StartFragment-->'.length, end);
    // Downlevel-hidden blocks (`<!--[if gte mso 9]>…<![endif]-->`): Office's own settings.
    s = s.replace(/<!--\[if[^\]]*\]>[\s\S]*?<!\[endif\]-->/gi, '');
    // Downlevel-revealed blocks (`<![if !supportLists]>…<![endif]>`, or as a browser writes them
    // back, `<!--[if !supportLists]-->…<!--[endif]-->`): kept, marked, to find Word's bullets.
    s = s.replace(/<!(?:--)?\[if ([^\]]*)\](?:--)?>/gi, (_, cond) =>
      `<span data-paste-if="${cond.replace(/[^a-z!]/gi, '')}">`);
    s = s.replace(/<!(?:--)?\[endif\](?:--)?>/gi, '</span>');
    return s;
  }

  function style(el, name) {
    const css = (el.getAttribute && el.getAttribute('style')) || '';
    const m = css.match(new RegExp('(?:^|;)\\s*' + name + '\\s*:\\s*([^;]+)', 'i'));
    return m ? m[1].trim().toLowerCase() : '';
  }

  function isBold(el) {
    const weight = style(el, 'font-weight');
    if (/^(normal|lighter|[1-5]00)$/.test(weight)) return false;
    return el.tagName === 'B' || el.tagName === 'STRONG' || /^(bold|bolder|[6-9]00)$/.test(weight);
  }

  function isItalic(el) {
    const font = style(el, 'font-style');
    if (font === 'normal') return false;
    return el.tagName === 'I' || el.tagName === 'EM' || font === 'italic' || font === 'oblique';
  }

  /** Text escaped so that it stays text: `*`, `_`, `` ` ``, `[`, `]`, `<`, `\` and entities. */
  function escapeText(text) {
    return text.split(/(\s+)/).map((word) => {
      if (/^https:\/\/\S+$/.test(word)) return word; // a bare address stays a link
      return word
        .replace(/[\\`*[\]<]/g, '\\$&')
        .replace(/_/g, (u, at, w) =>
          /[\p{L}\p{N}]/u.test(w[at - 1] || '') && /[\p{L}\p{N}]/u.test(w[at + 1] || '') ? u : '\\_')
        .replace(/&(?=#?[a-z0-9]+;)/gi, '\\&');
    }).join('');
  }

  /** What starts a line and would make it a list, heading or quote, escaped. */
  function escapeLineStart(line) {
    if (/^[-+*](\s|$)/.test(line)) return '\\' + line;
    if (/^[#>]/.test(line)) return '\\' + line;
    if (/^=+\s*$/.test(line)) return '\\' + line;
    const m = line.match(/^(\d{1,9})([.)])(\s|$)/);
    if (m) return m[1] + '\\' + line.slice(m[1].length);
    return line;
  }

  /** Whether an inline element holds paragraphs (Google Docs wraps everything in a `<b>`). */
  function holdsBlocks(el) {
    return !!el.querySelector('p, div, ul, ol, li, table, h1, h2, h3, h4, h5, h6, blockquote, pre');
  }

  /** `**text**` around inline Markdown, with its outer spaces left outside the markers. */
  function wrap(inner, marker) {
    const m = inner.match(/^(\s*)([\s\S]*?)(\s*)$/);
    if (!m[2]) return inner;
    return m[1] + marker + m[2] + marker + m[3];
  }

  function Converter() {
    this.blocks = []; // { kind: 'para' | 'item', text, level, ordered, number }
    this.notes = []; // dropped, in plain words
    this.counts = {}; // embedded things dropped, by kind
  }

  Converter.prototype.drop = function (note) {
    if (!this.notes.includes(note)) this.notes.push(note);
  };

  /** A web address as the bulletin takes it, or null (with a note) when it cannot be a link. */
  Converter.prototype.linkTarget = function (href, text) {
    let url = (href || '').trim();
    if (!url || url.startsWith('#') || /^javascript:/i.test(url)) return null;
    // Outlook's Safe Links wrap the real address.
    const safe = url.match(/^https:\/\/[a-z0-9.-]*safelinks\.protection\.outlook\.com\/.*[?&]url=([^&]+)/i);
    if (safe) {
      try { url = decodeURIComponent(safe[1]); } catch (e) { /* keep it wrapped */ }
    }
    if (/^(https:\/\/|mailto:)/i.test(url)) {
      return url.replace(/ /g, '%20').replace(/\(/g, '%28').replace(/\)/g, '%29');
    }
    const shown = text.trim() || url;
    this.drop(`the link on “${shown}” (${url}): only https:// and mailto: addresses can be links; its text is kept`);
    return null;
  };

  /** The Markdown of an element's inline content; `<br>` becomes a newline. */
  Converter.prototype.inline = function (node, ctx) {
    let out = '';
    for (const child of node.childNodes) out += this.inlineNode(child, ctx);
    return out;
  };

  Converter.prototype.inlineNode = function (node, ctx) {
    if (node.nodeType === 3) {
      const text = node.nodeValue.replace(/\u00ad/g, '').replace(/[\s\u00a0]+/g, ' ');
      return ctx.pre ? node.nodeValue.replace(/\u00ad/g, '') : escapeText(text);
    }
    if (node.nodeType !== 1) return '';
    const tag = node.tagName.toUpperCase();
    if (SKIPPED.has(tag)) return '';
    if (EMBEDDED[tag]) {
      this.counts[EMBEDDED[tag]] = (this.counts[EMBEDDED[tag]] || 0) + 1;
      return '';
    }
    if (style(node, 'mso-list') === 'ignore') return '';
    if (style(node, 'display') === 'none' || node.hidden) return '';
    if (tag === 'BR') return '\n';
    if (tag === 'A' && node.hasAttribute('href')) {
      const inner = this.inline(node, ctx);
      const target = this.linkTarget(node.getAttribute('href'), node.textContent);
      const words = inner.trim();
      if (!target || !words) return inner;
      if (words === target || words === escapeText(target)) return target;
      const m = inner.replace(/\n/g, ' ').match(/^(\s*)([\s\S]*?)(\s*)$/);
      return `${m[1]}[${m[2]}](${target})${m[3]}`;
    }
    let inner = this.inline(node, {
      bold: ctx.bold || isBold(node),
      italic: ctx.italic || isItalic(node),
      pre: ctx.pre,
    });
    if (isItalic(node) && !ctx.italic) inner = wrap(inner, '*');
    if (isBold(node) && !ctx.bold) inner = wrap(inner, '**');
    return inner;
  };

  /** Adds a paragraph (or list item) made of inline Markdown, cleaned line by line. */
  Converter.prototype.addText = function (markdown, item) {
    let text = markdown
      .replace(/(^|[^\\])\*\*\*\*/g, '$1') // two bold runs side by side are one
      .replace(/(?<![\\*])\*\* \*\*(?!\*)/g, ' ') // and so are two with a space between
      .replace(/ {2,}/g, ' ')
      .split('\n').map((l) => l.trim()).join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim();
    if (!text.replace(/\\?[*_]/g, '').trim()) return;
    if (!item) {
      // A bullet typed as a character (`•<tab>text`) is a bullet point.
      const plain = text.match(/^(?:\\\*|[•◦▪·●○■§Ø–—-])\s+([\s\S]+)$/);
      if (plain) {
        item = { level: 1, ordered: false };
        text = plain[1];
      }
    }
    const lines = text.split('\n').map(escapeLineStart);
    if (item) {
      this.blocks.push({ kind: 'item', lines, level: item.level, ordered: item.ordered, number: item.number });
    } else {
      this.blocks.push({ kind: 'para', lines });
    }
  };

  /** Word's list paragraph: its level and whether it is numbered, from its style and bullet. */
  Converter.prototype.wordListItem = function (p) {
    const list = style(p, 'mso-list');
    const level = list.match(/level(\d+)/);
    if (!level) return null;
    let marker = '';
    const cond = p.querySelector('[data-paste-if="!supportLists"]') ||
      Array.from(p.querySelectorAll('span')).find((s) => style(s, 'mso-list') === 'ignore');
    if (cond) {
      marker = cond.textContent.replace(/[\s\u00a0]+/g, ' ').trim();
      cond.remove();
    }
    const m = marker.match(ORDERED_MARKER);
    return {
      level: Math.max(1, parseInt(level[1], 10)),
      ordered: !!m,
      number: m && /^\d+$/.test(m[1]) ? parseInt(m[1], 10) : null,
    };
  };

  /** Walks block content. `level` is the depth of the list being read (0 outside lists). */
  Converter.prototype.block = function (node, level, ordered) {
    let run = ''; // inline content waiting for the end of its block
    const flush = () => {
      this.addText(run);
      run = '';
    };
    for (const child of node.childNodes) {
      const tag = child.nodeType === 1 ? child.tagName.toUpperCase() : '';
      if (!BLOCKS.has(tag) && !(tag && !SKIPPED.has(tag) && holdsBlocks(child))) {
        run += this.inlineNode(child, {});
        continue;
      }
      flush();
      this.element(child, tag, level, ordered);
    }
    flush();
  };

  Converter.prototype.element = function (el, tag, level, ordered) {
    if (style(el, 'display') === 'none') return;
    if (/^H[1-6]$/.test(tag)) {
      this.addText(wrap(this.inline(el, { bold: true }).replace(/\n+/g, ' '), '**'));
    } else if (tag === 'UL' || tag === 'OL') {
      this.list(el, level + 1, tag === 'OL');
    } else if (tag === 'LI') {
      this.listItem(el, Math.max(level, 1), ordered);
    } else if (tag === 'TABLE') {
      this.table(el);
    } else if (tag === 'HR') {
      this.drop('a horizontal line: leave a blank line between paragraphs instead');
    } else if (tag === 'PRE') {
      this.addText(this.inline(el, { pre: true }).split('\n').map(escapeText).join('\n'));
    } else if (tag === 'P' && style(el, 'mso-list') && level === 0) {
      const item = this.wordListItem(el);
      this.addText(this.inline(el, {}), item);
    } else if (tag === 'P') {
      this.addText(this.inline(el, {}));
    } else {
      this.block(el, level, ordered);
    }
  };

  Converter.prototype.list = function (el, level, ordered) {
    let number = parseInt(el.getAttribute('start') || '1', 10);
    for (const child of el.childNodes) {
      const tag = child.nodeType === 1 ? child.tagName.toUpperCase() : '';
      if (tag === 'LI') {
        this.listItem(child, level, ordered, ordered ? number++ : null);
      } else if (tag === 'UL' || tag === 'OL') {
        this.list(child, level + 1, tag === 'OL');
      } else if (tag) {
        this.element(child, tag, level, ordered);
      } else if (child.nodeType === 3 && child.nodeValue.trim()) {
        this.addText(escapeText(child.nodeValue), { level, ordered });
      }
    }
  };

  /** One list item: its own text, then any lists inside it one level deeper. */
  Converter.prototype.listItem = function (li, level, ordered, number) {
    let run = '';
    let first = true;
    const flush = () => {
      if (first || run.trim()) {
        this.addText(run, { level, ordered, number });
        first = false;
      }
      run = '';
    };
    for (const child of li.childNodes) {
      const tag = child.nodeType === 1 ? child.tagName.toUpperCase() : '';
      if (tag === 'UL' || tag === 'OL') {
        flush();
        this.list(child, level + 1, tag === 'OL');
      } else if (tag === 'P' || tag === 'DIV' || /^H[1-6]$/.test(tag)) {
        run += (run.trim() ? '\n' : '') + this.inline(child, /^H/.test(tag) ? { bold: true } : {});
      } else if (BLOCKS.has(tag)) {
        flush();
        this.element(child, tag, level, ordered);
      } else {
        run += this.inlineNode(child, {});
      }
    }
    flush();
  };

  /** The cells of each row, as inline Markdown on one line. */
  Converter.prototype.rows = function (table) {
    const rows = [];
    for (const tr of table.querySelectorAll('tr')) {
      if (tr.closest('table') !== table) continue;
      const cells = Array.from(tr.children).filter((c) => /^T[DH]$/.test(c.tagName));
      rows.push({
        header: cells.length > 0 && (cells.every((c) => c.tagName === 'TH') || tr.parentElement.tagName === 'THEAD'),
        cells: cells.map((c) => this.inline(c, {}).replace(/\s+/g, ' ').trim()),
      });
    }
    return rows.filter((r) => r.cells.some((c) => c));
  };

  /**
   * A table: a layout table (one column, as e-mails and web pages use to place their text) is
   * read as the text it holds; one of two columns becomes a bullet per row (`- Monday: 9am to
   * 5pm`), as docs/format.md advises; a wider one cannot be said in a list and is dropped.
   */
  Converter.prototype.table = function (table) {
    const rows = Array.from(table.querySelectorAll('tr')).filter((tr) => tr.closest('table') === table);
    const width = Math.max(0, ...rows.map((tr) =>
      Array.from(tr.children).filter((c) => /^T[DH]$/.test(c.tagName))
        .reduce((n, c) => n + (parseInt(c.getAttribute('colspan') || '1', 10) || 1), 0)));
    const withText = rows.filter((tr) => tr.textContent.replace(/[\s\u00a0]+/g, '').length > 0);
    if (width <= 1) {
      for (const tr of rows) {
        for (const cell of tr.children) this.block(cell, 0, false);
      }
      return;
    }
    const n = withText.length;
    const size = `${n} row${n === 1 ? '' : 's'}, ${width} columns`;
    if (width > 2) {
      this.drop(`a table (${size}): tables are not supported in the text, and one this wide cannot be made a list; write each row as a bullet point, e.g. “- Monday: 8am to 6.30pm”`);
      return;
    }
    const body = this.rows(table);
    const shown = body.filter((r) => !r.header);
    for (const r of shown) {
      const [a, b] = [r.cells[0] || '', r.cells[1] || ''];
      this.addText(a && b ? `${a}: ${b}` : a || b, { level: 1, ordered: false });
    }
    this.blocks.push({ kind: 'end' });
    const headers = body.filter((r) => r.header).map((r) => r.cells.filter((c) => c).join(', '));
    const heading = headers.length ? ` (its heading row, “${headers.join('; ')}”, was left out)` : '';
    this.drop(`a table (${size}) became a bulleted list, one row per bullet${heading}: tables are not supported in the text`);
  };

  /** The blocks as Markdown: items of a list together, a blank line around everything else. */
  Converter.prototype.markdown = function () {
    const out = [];
    let stack = []; // per open list level: { width, ordered, number }
    let prev = null;
    for (const b of this.blocks) {
      if (b.kind === 'end') {
        stack = [];
        prev = b;
        continue;
      }
      if (b.kind === 'para') {
        if (out.length) out.push('');
        out.push(b.lines.join('\n'));
        stack = [];
        prev = b;
        continue;
      }
      const level = Math.min(b.level, stack.length + 1);
      stack.length = level;
      const open = stack[level - 1];
      const other = open && open.ordered !== b.ordered; // a list of the other kind starts
      if (((!prev || prev.kind !== 'item') || (other && level === 1)) && out.length) out.push('');
      if (other) stack.length = level - 1;
      let entry = stack[level - 1];
      if (!entry) {
        entry = { ordered: b.ordered, number: b.ordered ? (b.number || 1) : 0 };
        stack[level - 1] = entry;
      } else if (b.ordered) {
        entry.number += 1;
      }
      const marker = b.ordered ? `${entry.number}.` : '-';
      const indent = ' '.repeat(stack.slice(0, level - 1).reduce((n, e) => n + e.width, 0));
      entry.width = marker.length + 1;
      const pad = ' '.repeat(entry.width);
      out.push(indent + marker + ' ' + b.lines.join('\n' + indent + pad));
      prev = b;
    }
    return out.join('\n').replace(/\n{3,}/g, '\n\n').trim() + '\n';
  };

  Converter.prototype.droppedList = function () {
    const out = [];
    for (const [kind, n] of Object.entries(this.counts)) {
      const what = n === 1 ? `a${/^[aeiou]/.test(kind) ? 'n' : ''} ${kind}` : `${n} ${kind}s`;
      out.push(kind === 'image'
        ? `${what}: pictures cannot go into the text (Outlook blocks them); link to the document instead`
        : `${what}: only text, lists and links can go into the text`);
    }
    return out.concat(this.notes);
  };

  /** A CSS colour's red, green and blue (0 to 255), for `#rgb`, `#rrggbb` and `rgb(r,g,b)`. */
  function rgb(colour) {
    let m = colour.match(/^#([0-9a-f])([0-9a-f])([0-9a-f])$/);
    if (m) return m.slice(1).map((h) => parseInt(h + h, 16));
    m = colour.match(/^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/);
    if (m) return m.slice(1).map((h) => parseInt(h, 16));
    m = colour.match(/^rgba?\((\d+),(\d+),(\d+)(?:,([\d.]+))?/);
    if (m && m[4] !== undefined && Number(m[4]) === 0) return 'clear';
    if (m) return m.slice(1, 4).map(Number);
    return null;
  }

  /** Whether words of the paste are coloured or highlighted (not black, or nearly, on white);
   * a link's own colour does not count, as links are coloured in the email too. */
  function coloured(body) {
    const named = { black: 'ink', windowtext: 'ink', white: 'paper', transparent: 'paper', none: 'paper' };
    const plain = (value, want) => {
      if (!value || /^(auto|inherit|initial|currentcolor|windowtext1|unset)$/.test(value)) return true;
      if (named[value]) return named[value] === want;
      const c = rgb(value);
      if (c === 'clear') return want === 'paper';
      if (!c) return false;
      return want === 'ink' ? c.every((x) => x < 80) : c.every((x) => x > 230);
    };
    for (const el of body.querySelectorAll('*')) {
      if (!el.textContent.trim() || el.closest('a')) continue;
      const ink = (style(el, 'color') || el.getAttribute('color') || '').toLowerCase().replace(/\s/g, '');
      const paper = (style(el, 'background-color') || style(el, 'background') || style(el, 'mso-highlight') || '').toLowerCase().replace(/\s/g, '');
      if (!plain(ink, 'ink') || !plain(paper, 'paper')) return true;
    }
    return false;
  }

  function htmlToMarkdown(html) {
    const doc = new DOMParser().parseFromString(prepare(html), 'text/html');
    const c = new Converter();
    if (coloured(doc.body)) c.drop('colours and highlighting: the email\'s text is one colour, so use bold for what must stand out');
    c.block(doc.body, 0, false);
    const markdown = c.blocks.length ? c.markdown() : '';
    return { markdown, dropped: c.droppedList() };
  }

  window.bulletinPaste = { htmlToMarkdown };
})();
