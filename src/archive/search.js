// The archive's search box (written to archive/search.js by `bulletin archive`, from
// src/archive/search.js): finds past issues by the words in their titles, summaries, the Chief
// Executive's message and their sections.
//
// The index is archive/searchindex.js, a script that assigns `window.bulletinSearchIndex`, loaded
// the first time the box is used. A script rather than JSON read with fetch(), because browsers
// refuse fetch() of a file opened from disk (file://) but load scripts, so the search works there
// and on any web server alike (mdBook's search does the same).
//
// Every word typed must start a word of the issue, its date included ("vacc" finds
// "vaccination", "april 2021" the issues of that month), whatever the
// capitals and accents; words of one letter are left out. Results are built with DOM methods and
// textContent: nothing from the index is ever read as HTML.
(() => {
  'use strict';
  const form = document.getElementById('search');
  const box = document.getElementById('search-box');
  const status = document.getElementById('search-status');
  const results = document.getElementById('search-results');
  const issues = document.getElementById('issues');
  if (!form || !box || !status || !results || !issues) return;

  const WORD = /[\p{L}\p{N}]+/gu;
  const fold = (s) => s.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase();
  const words = (s) => fold(s).match(WORD) ?? [];
  // The same, keeping every character where it was, so a match found here is at the same place
  // in the original text (for the excerpt and its highlight).
  const foldInPlace = (s) =>
    s.replace(/[A-Z]|[^\0-\x7f]/g, (c) => {
      const f = c.normalize('NFD').charAt(0).toLowerCase();
      return f.length === 1 ? f : c;
    });
  // The sorted, distinct words of a text.
  const vocabulary = (s) => [...new Set(words(s))].sort();
  // Whether a sorted vocabulary has a word starting with `term` (binary search).
  const starts = (sorted, term) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] < term) lo = mid + 1;
      else hi = mid;
    }
    return lo < sorted.length && sorted[lo].startsWith(term);
  };
  // Only relative links, as the archive writes them: nothing else can become a link here.
  const safe = (url) => (typeof url === 'string' && /^\.\.?\//.test(url) ? url : '#');

  let docs = null;
  let loading = null;
  function load() {
    if (!loading) {
      loading = new Promise((resolve, reject) => {
        if (window.bulletinSearchIndex) return resolve();
        const script = document.createElement('script');
        script.src = './searchindex.js';
        script.onload = () => resolve();
        script.onerror = () => reject(new Error('searchindex.js did not load'));
        document.head.appendChild(script);
      }).then(() => {
        const index = window.bulletinSearchIndex;
        if (!index || !Array.isArray(index.issues)) throw new Error('searchindex.js holds no index');
        docs = index.issues.map((issue, order) => ({
          issue,
          order,
          title: vocabulary(issue.title ?? ''),
          summary: vocabulary(issue.summary ?? ''),
          // Its day, month and year ("15 April 2021"): "fit note april" finds last spring's.
          when: vocabulary(issue.date ?? ''),
          passages: (issue.passages ?? []).map((p) => ({
            ...p,
            heading: p.heading ?? '',
            text: p.text ?? '',
            headingWords: vocabulary(p.heading ?? ''),
            textWords: vocabulary(p.text ?? ''),
          })),
        }));
      });
      loading.catch(() => {
        loading = null;
      });
    }
    return loading;
  }

  function search(terms) {
    const found = [];
    for (const doc of docs) {
      let score = 0;
      const hit = new Set();
      let all = true;
      for (const term of terms) {
        let seen = false;
        if (starts(doc.title, term)) {
          score += 10;
          seen = true;
        }
        if (starts(doc.summary, term)) {
          score += 4;
          seen = true;
        }
        if (starts(doc.when, term)) {
          score += 2;
          seen = true;
        }
        for (const p of doc.passages) {
          const inHeading = starts(p.headingWords, term);
          const inText = starts(p.textWords, term);
          if (inHeading || inText) {
            score += inHeading ? 5 : 1;
            hit.add(p);
            seen = true;
          }
        }
        if (!seen) {
          all = false;
          break;
        }
      }
      if (all) found.push({ doc, score, passages: doc.passages.filter((p) => hit.has(p)) });
    }
    // The most relevant first; among equals, the newest (the index's order).
    found.sort((a, b) => b.score - a.score || a.doc.order - b.doc.order);
    return found;
  }

  const element = (tag, className, text) => {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  };

  // Where the words of `text` that a term starts are: [start, end] pairs. (No look-behind in
  // these expressions: Safari before 16.4 cannot compile one.)
  const MARKED_WORD = /[\p{L}\p{N}\p{M}]+/gu;
  function found(text, terms) {
    const out = [];
    for (const m of foldInPlace(text).matchAll(MARKED_WORD)) {
      const word = m[0].replace(/\p{M}+/gu, '');
      if (terms.some((t) => word.startsWith(t))) out.push([m.index, m.index + m[0].length]);
    }
    return out;
  }

  // Appends `text` to `parent`, with the words that `terms` start in <mark>.
  function highlighted(parent, text, terms) {
    let last = 0;
    for (const [start, end] of found(text, terms)) {
      if (start > last) parent.append(text.slice(last, start));
      parent.append(element('mark', '', text.slice(start, end)));
      last = end;
    }
    if (last < text.length) parent.append(text.slice(last));
  }

  // About 200 characters of `text` around the first word that a term starts.
  function excerpt(text, terms) {
    const at = found(text, terms)[0]?.[0] ?? 0;
    let start = Math.max(0, at - 70);
    let end = Math.min(text.length, at + 130);
    if (start > 0) start = Math.min(at, text.indexOf(' ', start) + 1 || start);
    if (end < text.length) end = text.lastIndexOf(' ', end) > at ? text.lastIndexOf(' ', end) : end;
    return `${start > 0 ? '… ' : ''}${text.slice(start, end)}${end < text.length ? ' …' : ''}`;
  }

  function card({ doc, passages }, terms) {
    const { issue } = doc;
    const article = element('article', 'issue');
    const heading = element('h3');
    const link = element('a');
    link.href = safe(issue.url);
    highlighted(link, issue.title ?? '', terms);
    heading.append(link);
    article.append(heading);
    article.append(element('p', 'meta', issue.issue ? `${issue.date} · Issue ${issue.issue}` : issue.date));
    if (issue.summary) {
      const summary = element('p', 'summary');
      highlighted(summary, issue.summary, terms);
      article.append(summary);
    }
    if (passages.length > 0) {
      const list = element('ul', 'hits');
      list.setAttribute('aria-label', 'Found in');
      for (const p of passages.slice(0, 3)) {
        const item = element('li');
        const to = element('a');
        to.href = `${safe(issue.url)}#${encodeURIComponent(p.anchor ?? '')}`;
        highlighted(to, p.heading, terms);
        item.append(to);
        const words = element('span', 'snippet');
        highlighted(words, excerpt(p.text, terms), terms);
        item.append(words);
        list.append(item);
      }
      if (passages.length > 3) {
        const more = passages.length - 3;
        list.append(element('li', 'snippet', `and ${more} more section${more === 1 ? '' : 's'}`));
      }
      article.append(list);
    }
    const li = element('li');
    li.append(article);
    return li;
  }

  function clear() {
    results.replaceChildren();
    results.hidden = true;
    issues.hidden = false;
    status.textContent = '';
  }

  function show(query) {
    const terms = [...new Set(words(query))].filter((t) => t.length > 1);
    if (terms.length === 0) {
      clear();
      status.textContent = 'Type at least two letters of a word.';
      return;
    }
    const found = search(terms);
    const shown = query.trim();
    if (found.length === 0) {
      status.textContent = `No issue has words starting “${shown}”. Try fewer words, or the start of a word.`;
    } else {
      status.textContent = `${found.length} ${found.length === 1 ? 'issue has' : 'issues have'} words starting “${shown}”:`;
    }
    results.replaceChildren(...found.map((f) => card(f, terms)));
    results.hidden = found.length === 0;
    issues.hidden = true;
  }

  async function run() {
    const query = box.value;
    if (query.trim() === '') return clear();
    if (!docs) status.textContent = 'Loading the search…';
    try {
      await load();
    } catch {
      status.textContent = 'The search is not available: searchindex.js is missing beside this page.';
      return;
    }
    if (box.value === query) show(query);
  }

  let timer = 0;
  form.hidden = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    run();
  });
  box.addEventListener('focus', () => load().catch(() => {}), { once: true });
  box.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(run, 150);
  });
  box.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && box.value !== '') {
      box.value = '';
      clear();
    }
  });
  // A search given in the address (index.html?q=word), as the form sends it.
  const asked = new URLSearchParams(location.search).get('q');
  if (asked) {
    box.value = asked;
    run();
  }
})();
