// The desk's script (src/desk/pages.rs puts it on every page). On the Write page: saves the
// form as the office types (debounced, one save at a time, and once more when the tab closes),
// shows the problems `bulletin check` finds next to their fields, keeps the preview beside the
// form up to date, adds, removes and moves sections, links and key dates, and turns what is
// pasted from Word or a web page into the bulletin's Markdown (paste.js). Every request that
// changes something is a POST carrying the page's CSRF token.
(function () {
  'use strict';
  var csrf = (document.querySelector('meta[name="desk-csrf"]') || {}).content || '';

  function post(url, body, extra) {
    var init = {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Desk-CSRF': csrf },
      body: body === undefined ? '' : JSON.stringify(body),
      credentials: 'same-origin',
    };
    if (extra) Object.keys(extra).forEach(function (k) { init[k] = extra[k]; });
    return fetch(url, init);
  }

  // Forms that change something (Start next week's): sent with the token, then followed.
  Array.prototype.forEach.call(document.querySelectorAll('form[data-desk-post]'), function (f) {
    f.addEventListener('submit', function (e) {
      e.preventDefault();
      var fields = {};
      new FormData(f).forEach(function (v, k) { fields[k] = v; });
      post(f.getAttribute('action'), fields).then(function (r) {
        if (r.ok) {
          location.href = r.url;
          return;
        }
        // A refusal: its reason, beside the form.
        r.text().then(function (t) {
          var why = new DOMParser().parseFromString(t, 'text/html').querySelector('p');
          var said = (f.closest('li') || f).querySelector('[role=status]');
          if (said) said.textContent = why ? why.textContent : 'The desk refused this.';
        });
      });
    });
  });

  // "Start from a Word document": the file itself as the body, the date in the address; then
  // the new issue's Write page, or why not.
  Array.prototype.forEach.call(document.querySelectorAll('form[data-desk-upload]'), function (f) {
    f.addEventListener('submit', function (e) {
      e.preventDefault();
      var file = f.querySelector('input[type=file]').files[0];
      var date = f.querySelector('input[type=date]').value;
      var said = f.querySelector('[role=status]');
      if (!file || !date) return;
      if (file.size > 25 * 1024 * 1024) {
        said.textContent = 'This document is larger than 25 MB: save a copy without its pictures and choose that.';
        return;
      }
      said.textContent = 'Reading the document…';
      fetch(f.dataset.deskUpload + '?date=' + encodeURIComponent(date), {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream', 'X-Desk-CSRF': csrf },
        body: file,
        credentials: 'same-origin',
      }).then(function (r) {
        if (r.status === 413) return { error: 'This document is too large for the desk.' };
        return r.json();
      }).then(function (v) {
        if (v.write) location.href = v.write;
        else said.textContent = v.error || 'The desk refused this document.';
      }, function () {
        said.textContent = 'The desk did not answer: is it still running?';
      });
    });
  });

  // A line of a run's output. The address `bulletin login --no-open` prints after "Open this
  // address in your browser to sign in:" is a link to the sign-in page, in a new tab.
  function show(out, line, before) {
    if (/to sign in:$/.test(before) && /^https:\/\/\S+$|^http:\/\/(127\.0\.0\.1|localhost)[:\/]\S*$/.test(line)) {
      var a = document.createElement('a');
      a.href = line;
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      a.className = 'button';
      a.textContent = 'Open the sign-in page';
      out.appendChild(a);
      out.appendChild(document.createTextNode('\n'));
      return;
    }
    // A send's progress, every second: the newest in place of the one before.
    if (/^progress: /.test(line) && /^progress: /.test(before) && out.lastChild && out.lastChild.nodeType === 3) {
      out.lastChild.textContent = line + '\n';
      return;
    }
    out.appendChild(document.createTextNode(line + '\n'));
  }

  // Send, Archive and Replies: a run of the bulletin program, its output shown as it comes.
  function follow(id) {
    var box = document.getElementById('job');
    var out = document.getElementById('job-output');
    var said = document.getElementById('job-status');
    var from = 0;
    var last = '';
    box.hidden = false;
    out.textContent = '';
    said.textContent = 'Running…';
    function poll() {
      fetch('/api/job/' + id + '?from=' + from, { credentials: 'same-origin' })
        .then(function (r) { return r.json(); })
        .then(function (v) {
          from += v.lines.length;
          v.lines.forEach(function (line) {
            show(out, line, last);
            last = line;
          });
          if (v.done) {
            said.textContent = v.code === 0 ? 'Finished.' : 'Stopped: see what it says below.';
            Array.prototype.forEach.call(document.querySelectorAll('[data-send],[data-run]'), function (b) {
              if (!b.dataset.blocked) b.disabled = false;
            });
          } else {
            setTimeout(poll, 300);
          }
        });
    }
    poll();
  }

  function started(r) {
    return r.json().then(function (v) {
      if (v.job) {
        Array.prototype.forEach.call(document.querySelectorAll('[data-send],[data-run]'), function (b) {
          if (b.disabled) b.dataset.blocked = '1';
          b.disabled = true;
        });
        follow(v.job);
      } else {
        var box = document.getElementById('job');
        box.hidden = false;
        document.getElementById('job-status').textContent = v.said || 'Not started: ' + (v.error || 'the desk refused');
      }
    });
  }

  document.addEventListener('click', function (e) {
    var b = e.target.closest('button[data-send],button[data-run]');
    if (!b || b.disabled) return;
    if (b.dataset.run) {
      post('/api/run', { what: b.dataset.run, name: b.dataset.name || '' }).then(started);
      return;
    }
    var action = b.dataset.send;
    var name = location.pathname.split('/').pop();
    var to = action === 'test' ? document.getElementById('test-to').value : (document.getElementById('list') || {}).value;
    if (action === 'send') {
      var label = document.getElementById('list').selectedOptions[0].textContent;
      if (!confirm('Send this bulletin to ' + label + ' now?')) return;
    }
    post('/api/send/' + name, { action: action, to: to || '', mode: b.dataset.mode || '' }).then(started);
  });

  var page = document.querySelector('.write');
  if (!page) return;
  var name = page.dataset.name;
  var base = page.dataset.base;
  var status = document.getElementById('status');
  var sections = document.getElementById('sections');
  var uid = 1000;
  var timer = null;
  var inFlight = false;
  var again = false;
  var dirty = false;
  var stopped = false; // a conflict waits for the office's choice
  var previewVersion = 0;
  // How long after the last keystroke the form is saved (and the preview follows).
  var SAVE_AFTER_MS = 300;

  function say(text) {
    status.textContent = text;
  }

  // A field whose value is a blank of a new issue ([[like this]]) shows it as a hint, and keeps
  // it in the file until something is typed there.
  function v(el) {
    if (!el) return '';
    return el.value === '' && el.dataset.blank ? el.dataset.blank : el.value;
  }
  // An optional one (its hint ends "or delete this line") gets a Leave it out button.
  Array.prototype.forEach.call(page.querySelectorAll('input[data-key], textarea[data-key]'), function (el) {
    var m = /^\[\[([\s\S]*)\]\]$/.exec(el.value.trim());
    if (!m) return;
    el.dataset.blank = el.value;
    var optional = /,? or delete this line$/.test(m[1]);
    el.placeholder = m[1].replace(/,? or delete this line$/, '');
    el.value = '';
    if (!optional) return;
    var out = document.createElement('button');
    out.type = 'button';
    out.className = 'leave-out';
    out.textContent = 'Leave it out';
    var label = el.closest('.field') && el.closest('.field').querySelector('label');
    if (label) out.setAttribute('aria-label', 'Leave it out: ' + label.textContent);
    el.insertAdjacentElement('afterend', out);
    out.addEventListener('click', function () {
      delete el.dataset.blank;
      el.value = '';
      out.remove();
      el.focus();
      schedule();
    });
  });
  // Once something has been typed in such a field, it is the office's: emptied again, an
  // optional one leaves the file and a required one is reported empty (not the hint put back).
  page.addEventListener('input', function (e) {
    if (e.target.dataset && e.target.dataset.blank !== undefined) delete e.target.dataset.blank;
  }, true);

  function val(scope, key) {
    return v(scope.querySelector('[data-key="' + key + '"]'));
  }

  function origOf(el) {
    return el.dataset.orig === undefined || el.dataset.orig === '' ? null : Number(el.dataset.orig);
  }

  // The section's own fields, not those of its rows.
  function own(sec, key) {
    var found = null;
    Array.prototype.forEach.call(sec.querySelectorAll('[data-key="' + key + '"]'), function (el) {
      if (!found && !el.closest('.row')) found = el;
    });
    return found;
  }

  // The form as the server reads it, the elements it came from (for renumbering after a save),
  // and where each field's problems go.
  function collect() {
    var fields = {};
    var top = function (id, key) {
      var el = document.getElementById(id);
      fields[key] = el;
      return v(el);
    };
    var form = {
      title: top('f-title', 'title'),
      date: top('f-date', 'date'),
      issue: top('f-issue', 'issue'),
      summary: top('f-summary', 'summary'),
      message: null,
      sections: [],
    };
    var m = {
      title: top('m-title', 'message.title'),
      author: top('m-author', 'message.author'),
      role: top('m-role', 'message.role'),
      after: top('m-after', 'message.after'),
      body: top('m-body', 'message.body'),
    };
    fields.message = fields['message.author'];
    if (Object.keys(m).some(function (k) { return m[k] !== ''; })) form.message = m;
    var elements = [];
    Array.prototype.forEach.call(sections.querySelectorAll(':scope > .section'), function (sec, i) {
      var p = 'sections.' + i + '.';
      var s = { orig: origOf(sec), links: [], dates: [] };
      ['title', 'label', 'date', 'body', 'note', 'until'].forEach(function (k) {
        var el = own(sec, k);
        s[k] = v(el);
        fields[p + k] = el;
      });
      fields['sections.' + i] = fields[p + 'title'];
      fields[p + 'links'] = sec.querySelector('[data-action="add-link"]');
      fields[p + 'dates'] = sec.querySelector('[data-action="add-date"]');
      var rows = { links: [], dates: [] };
      Array.prototype.forEach.call(sec.querySelectorAll('.links .row'), function (row, j) {
        s.links.push({ orig: origOf(row), text: val(row, 'text'), url: val(row, 'url') });
        fields[p + 'links.' + j + '.text'] = row.querySelector('[data-key="text"]');
        fields[p + 'links.' + j + '.url'] = row.querySelector('[data-key="url"]');
        fields[p + 'links.' + j] = fields[p + 'links.' + j + '.text'];
        rows.links.push(row);
      });
      Array.prototype.forEach.call(sec.querySelectorAll('.dates .row'), function (row, j) {
        s.dates.push({
          orig: origOf(row),
          what: val(row, 'what'),
          date: val(row, 'date'),
          time: val(row, 'time'),
          end: val(row, 'end'),
          place: val(row, 'where'),
        });
        ['what', 'date', 'time', 'end', 'where'].forEach(function (k) {
          fields[p + 'dates.' + j + '.' + k] = row.querySelector('[data-key="' + k + '"]');
        });
        fields[p + 'dates.' + j] = fields[p + 'dates.' + j + '.what'];
        rows.dates.push(row);
      });
      form.sections.push(s);
      elements.push({ section: sec, rows: rows });
    });
    return { form: form, elements: elements, fields: fields };
  }

  // After a save, the saved items are the file's items in this order.
  function renumber(elements) {
    elements.forEach(function (e, i) {
      if (!e.section.isConnected) return;
      e.section.dataset.orig = i;
      e.rows.links.forEach(function (r, j) { r.dataset.orig = j; });
      e.rows.dates.forEach(function (r, j) { r.dataset.orig = j; });
    });
  }

  function fieldFor(fields, id) {
    while (id) {
      if (fields[id]) return fields[id];
      var cut = id.lastIndexOf('.');
      id = cut < 0 ? '' : id.slice(0, cut);
    }
    return null;
  }

  // A section or a row just added waits for the office: its problems (a title or a date not
  // given yet) show once they leave it, not while they fill it in.
  var lastProblems = [];
  function waitFor(part) {
    Array.prototype.forEach.call(part.querySelectorAll('input, textarea, select'), function (el) {
      el.dataset.fresh = '1';
    });
    part.addEventListener('focusout', function leave(e) {
      if (e.relatedTarget && part.contains(e.relatedTarget)) return;
      part.removeEventListener('focusout', leave);
      Array.prototype.forEach.call(part.querySelectorAll('[data-fresh]'), function (el) {
        delete el.dataset.fresh;
      });
      showProblems(lastProblems, collect().fields);
    });
  }

  function showProblems(problems, fields) {
    lastProblems = problems;
    problems = problems.filter(function (p) {
      var el = p.field ? fieldFor(fields, p.field) : null;
      return !(el && el.dataset.fresh);
    });
    Array.prototype.forEach.call(page.querySelectorAll('.problem'), function (p) {
      p.hidden = true;
      p.textContent = '';
      p.classList.remove('warning');
    });
    Array.prototype.forEach.call(page.querySelectorAll('[aria-invalid]'), function (el) {
      el.removeAttribute('aria-invalid');
    });
    var summary = document.getElementById('summary');
    summary.textContent = '';
    var errors = problems.filter(function (p) { return p.error; }).length;
    var list = document.createElement('ul');
    problems.forEach(function (p) {
      var cap = function (t) { return t.charAt(0).toUpperCase() + t.slice(1); };
      var words = cap(p.message) + '.';
      var fix = p.help ? 'To fix: ' + p.help + '.' : '';
      var el = p.field ? fieldFor(fields, p.field) : null;
      var slot = el && el.closest('.field') ? el.closest('.field').querySelector('.problem') : null;
      var li = document.createElement('li');
      if (slot) {
        var line = document.createElement('span');
        line.textContent = (p.error ? 'Problem: ' : 'Check: ') + words;
        if (slot.textContent) slot.appendChild(document.createElement('br'));
        slot.appendChild(line);
        if (fix) {
          slot.appendChild(document.createElement('br'));
          var how = document.createElement('span');
          how.className = 'fix';
          how.textContent = fix;
          slot.appendChild(how);
        }
        slot.hidden = false;
        if (p.error) el.setAttribute('aria-invalid', 'true');
        else if (!slot.querySelector('.err')) slot.classList.add('warning');
        if (p.error) line.className = 'err';
        var a = document.createElement('a');
        a.href = '#' + el.id;
        var label = el.closest('.field').querySelector('label').textContent;
        var sec = el.closest('.section');
        var where = sec ? 'Section ' + sec.querySelector(':scope > legend .num').textContent + ', ' : '';
        a.textContent = where + label + ': ' + words;
        a.addEventListener('click', function (e) {
          e.preventDefault();
          el.focus();
        });
        li.appendChild(a);
      } else {
        li.textContent = words + (fix ? ' ' + fix : '');
      }
      li.className = p.error ? 'err' : 'warn';
      list.appendChild(li);
    });
    if (problems.length === 0) {
      summary.hidden = true;
      return;
    }
    var head = document.createElement('p');
    var warnings = problems.length - errors;
    head.textContent = errors > 0
      ? errors + (errors === 1 ? ' problem' : ' problems') + ' to fix before the bulletin can be sent' +
        (warnings ? ', and ' + warnings + ' to check' : '') + ':'
      : warnings + (warnings === 1 ? ' thing' : ' things') + ' to check (the bulletin can be sent):';
    summary.appendChild(head);
    summary.appendChild(list);
    summary.className = errors > 0 ? 'summary has-errors' : 'summary';
    summary.hidden = false;
  }

  function refreshPreview() {
    previewVersion += 1;
    var frame = document.getElementById('preview');
    frame.src = '/preview/' + name + '/email.html?v=' + previewVersion;
    var text = document.getElementById('preview-text');
    if (!text.hidden) loadText();
  }

  function loadText() {
    var text = document.getElementById('preview-text');
    fetch('/preview/' + name + '/email.txt?v=' + previewVersion, { credentials: 'same-origin' }).then(function (r) {
      return r.ok ? r.text() : 'The plain text comes back once the problems marked in red are fixed.';
    }).then(function (t) { text.textContent = t; });
  }

  // What was typed and not yet saved is kept in this browser (localStorage) until a save of it
  // succeeds: a desk that stopped, a closed tab or a crash loses nothing. The Write page offers
  // it back when it opens with a form that differs from it.
  // A draft remembers the file it was typed on (`base`): put back over a file changed since, it
  // is refused as any save would be, and can then keep the file's version as a copy.
  var DRAFT = 'bulletin-desk-draft:' + page.dataset.office + ':' + name;
  function keepDraft(form) {
    try {
      localStorage.setItem(DRAFT, JSON.stringify({ form: form, base: base, at: Date.now() }));
    } catch (e) { /* storage full or disabled: the file is still saved as before */ }
  }
  function dropDraft() {
    try { localStorage.removeItem(DRAFT); } catch (e) { /* as above */ }
  }
  function offerDraft() {
    var draft = null;
    try { draft = JSON.parse(localStorage.getItem(DRAFT) || 'null'); } catch (e) { draft = null; }
    if (!draft || !draft.form) return;
    if (JSON.stringify(draft.form) === JSON.stringify(collect().form)) {
      dropDraft();
      return;
    }
    var box = document.createElement('div');
    box.className = 'card draft';
    box.id = 'draft';
    box.setAttribute('role', 'alert');
    var words = document.createElement('p');
    var strong = document.createElement('strong');
    strong.textContent = 'What you typed at ' + new Date(draft.at).toLocaleString('en-GB', { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }) + ' was not saved';
    words.appendChild(strong);
    words.appendChild(document.createTextNode(' (the desk had stopped, or the page was closed before it could save). It is kept in this browser.'));
    var back = document.createElement('button');
    back.type = 'button';
    back.className = 'button';
    back.textContent = 'Put back what I typed';
    var away = document.createElement('button');
    away.type = 'button';
    away.textContent = 'Throw it away';
    box.appendChild(words);
    box.appendChild(back);
    box.appendChild(document.createTextNode(' '));
    box.appendChild(away);
    var toolbar = page.querySelector('.toolbar');
    toolbar.parentNode.insertBefore(box, toolbar.nextSibling);
    var keepTheirs = false;
    back.addEventListener('click', function () {
      back.disabled = true;
      post('/api/save/' + name, { base: draft.base || base, form: draft.form, keep_theirs: keepTheirs }).then(function (r) {
        if (r.ok) {
          dropDraft();
          location.reload();
        } else if (r.status === 409 && !keepTheirs) {
          // The file changed after this was typed: put back only with its version kept.
          keepTheirs = true;
          back.disabled = false;
          back.textContent = 'Put it back, keeping the file as it is now as a copy';
          words.appendChild(document.createTextNode(' The bulletin was changed after you typed this (in another program, or another desk).'));
        } else {
          back.disabled = false;
          say('Not put back: the desk could not save it (press the button again, or start the desk again)');
        }
      }, function () {
        back.disabled = false;
        say('Not put back: the desk is not running');
      });
    });
    away.addEventListener('click', function () {
      dropDraft();
      box.remove();
    });
  }

  function save(options) {
    options = options || {};
    clearTimeout(timer);
    if (stopped && !options.keepTheirs) return;
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    dirty = false;
    var snap = collect();
    keepDraft(snap.form);
    say('Saving…');
    post('/api/save/' + name, { base: base, form: snap.form, keep_theirs: !!options.keepTheirs })
      .then(function (r) {
        // A desk started again has a new key: this page's requests are refused (403), with a
        // page rather than an answer.
        if (r.status === 403) return { status: 403, reply: {} };
        return r.json().then(function (reply) { return { status: r.status, reply: reply }; });
      })
      .then(function (res) {
        var reply = res.reply;
        if (res.status === 409) {
          stopped = true;
          dirty = true;
          document.getElementById('conflict').hidden = false;
          say('Not saved: the file was changed outside the desk');
          return;
        }
        if (res.status === 403) {
          dirty = true;
          say('Not saved: the desk was started again, and this page no longer reaches it. Open the desk from the address it printed: what you typed is kept in this browser and offered back there.');
          return;
        }
        if (res.status !== 200) {
          dirty = true;
          say('Not saved: ' + (reply.error || 'the desk could not save'));
          return;
        }
        stopped = false;
        document.getElementById('conflict').hidden = true;
        base = reply.base;
        renumber(snap.elements);
        showProblems(reply.problems, snap.fields);
        var when = new Date().toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
        // Typed while this save was under way: that is not saved yet, and must not read as saved.
        if (dirty || again) {
          say('Changes not saved yet…');
        } else {
          dropDraft();
          say((reply.copy ? 'Saved (their version is kept as ' + reply.copy + '), ' : 'Saved ') + when);
        }
        if (reply.saved && !previewShown) refreshPreview();
      })
      .catch(function () {
        dirty = true;
        say('Not saved: the desk is not running. Start it again and open it from the address it prints: what you typed is kept in this browser and offered back there.');
      })
      .then(function () {
        inFlight = false;
        if (again) {
          again = false;
          if (!stopped) schedule();
        }
      });
  }

  // The preview follows the form as it is typed, before it is saved: the server writes the
  // form into the file's text in memory and renders it. One request at a time: keystrokes that
  // come while one is answered are shown by the next.
  var previewBusy = false;
  var previewWanted = false;
  var previewTimer = null;
  // A burst of keystrokes asks once, this long after the last.
  var PREVIEW_AFTER_MS = 20;
  function followPreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(askPreview, PREVIEW_AFTER_MS);
  }
  function askPreview() {
    if (previewBusy) {
      previewWanted = true;
      return;
    }
    previewBusy = true;
    previewWanted = false;
    post('/api/preview/' + name, { form: collect().form })
      .then(function (r) { return r.json(); })
      .then(function (v) {
        var note = document.getElementById('preview-note');
        note.hidden = !v.broken;
        if (v.broken) return;
        showPreview(v.html);
        document.getElementById('preview-text').textContent = v.text;
      })
      .catch(function () {})
      .then(function () {
        previewBusy = false;
        if (previewWanted) askPreview();
      });
  }

  // Puts the email into the preview frame. Once the frame holds a document, it is changed in
  // place (its head and body replaced) rather than a new one loaded: no navigation, no load
  // event, and the reader's scroll position stays where it was.
  var previewShown = false;
  function showPreview(html) {
    var frame = document.getElementById('preview');
    var doc = null;
    try {
      doc = frame.contentDocument;
    } catch (e) {
      doc = null;
    }
    previewShown = true;
    if (!doc || !doc.body || doc.readyState !== 'complete') {
      frame.srcdoc = html;
      return;
    }
    var next = new DOMParser().parseFromString(html, 'text/html');
    var copyAttributes = function (from, to) {
      Array.prototype.slice.call(to.attributes).forEach(function (a) {
        if (!from.hasAttribute(a.name)) to.removeAttribute(a.name);
      });
      Array.prototype.forEach.call(from.attributes, function (a) {
        if (to.getAttribute(a.name) !== a.value) to.setAttribute(a.name, a.value);
      });
    };
    copyAttributes(next.documentElement, doc.documentElement);
    if (doc.head.innerHTML !== next.head.innerHTML) doc.head.innerHTML = next.head.innerHTML;
    copyAttributes(next.body, doc.body);
    doc.body.innerHTML = next.body.innerHTML;
  }

  function schedule() {
    keepDraft(collect().form);
    followPreview();
    if (!stopped) say('Changes not saved yet…');
    dirty = true;
    clearTimeout(timer);
    timer = setTimeout(save, SAVE_AFTER_MS);
  }

  page.addEventListener('input', schedule);

  // "Where it goes" offers the sections as they are now.
  function sectionChoices() {
    var select = document.getElementById('m-after');
    var chosen = select.value;
    var titles = Array.prototype.map.call(sections.querySelectorAll(':scope > .section'), function (sec) {
      return own(sec, 'title').value;
    }).filter(function (t) { return t.trim() !== ''; });
    while (select.options.length > 1) select.remove(1);
    var same = function (a, b) { return a.trim().toLowerCase() === b.trim().toLowerCase(); };
    var found = false;
    titles.forEach(function (t) {
      // The spelling already chosen, so that an unchanged choice changes nothing.
      var mine = chosen !== '' && same(t, chosen);
      found = found || mine;
      select.add(new Option('After “' + t + '”', mine ? chosen : t, false, mine));
    });
    if (chosen && !found) select.add(new Option('After “' + chosen + '”', chosen, false, true));
    if (!chosen) select.options[0].selected = true;
  }
  page.addEventListener('focusin', function (e) {
    if (e.target.id === 'm-after') sectionChoices();
  });
  document.getElementById('save').addEventListener('click', function () { save(); });
  document.getElementById('reload').addEventListener('click', function () {
    dropDraft();
    location.reload();
  });
  document.getElementById('keep-theirs').addEventListener('click', function () {
    save({ keepTheirs: true });
  });
  // Closing the tab: one last save of what was typed.
  window.addEventListener('pagehide', function () {
    if (!dirty || stopped) return;
    keepDraft(collect().form);
    post('/api/save/' + name, { base: base, form: collect().form }, { keepalive: true });
  });

  function fresh(templateId) {
    uid += 1;
    var html = document.getElementById(templateId).innerHTML.replace(/__/g, String(uid));
    var holder = document.createElement('div');
    holder.innerHTML = html;
    return holder.firstElementChild;
  }

  function numberSections() {
    Array.prototype.forEach.call(sections.querySelectorAll(':scope > .section'), function (sec, i) {
      sec.querySelector(':scope > legend .num').textContent = String(i + 1);
      var n = i + 1;
      sec.querySelector('[data-action="up"]').setAttribute('aria-label', 'Move up, section ' + n);
      sec.querySelector('[data-action="down"]').setAttribute('aria-label', 'Move down, section ' + n);
      sec.querySelector('[data-action="remove"]').setAttribute('aria-label', 'Remove section ' + n);
    });
  }
  numberSections();

  document.getElementById('add-section').addEventListener('click', function () {
    var sec = fresh('section-template');
    sections.appendChild(sec);
    numberSections();
    waitFor(sec);
    own(sec, 'title').focus();
    schedule();
  });

  page.addEventListener('click', function (e) {
    var button = e.target.closest('button[data-action]');
    if (!button) return;
    var sec = button.closest('.section');
    var action = button.dataset.action;
    if (action === 'up' && sec.previousElementSibling) {
      sections.insertBefore(sec, sec.previousElementSibling);
    } else if (action === 'down' && sec.nextElementSibling) {
      sections.insertBefore(sec.nextElementSibling, sec);
    } else if (action === 'remove') {
      if (sections.querySelectorAll(':scope > .section').length === 1) {
        say('A bulletin needs at least one section');
        return;
      }
      var title = own(sec, 'title').value;
      if (!confirm('Remove the section “' + title + '”?')) return;
      var next = sec.nextElementSibling || sec.previousElementSibling;
      sec.remove();
      if (next) next.querySelector('[data-action="remove"]').focus();
    } else if (action === 'add-link' || action === 'add-date') {
      var row = fresh(action === 'add-link' ? 'link-template' : 'date-template');
      var secId = own(sec, 'title').id.split('-')[0];
      Array.prototype.forEach.call(row.querySelectorAll('[id]'), function (el) {
        el.id = el.id.replace(/^s\d+/, secId);
      });
      Array.prototype.forEach.call(row.querySelectorAll('[for]'), function (el) {
        el.setAttribute('for', el.getAttribute('for').replace(/^s\d+/, secId));
      });
      Array.prototype.forEach.call(row.querySelectorAll('[aria-describedby]'), function (el) {
        el.setAttribute('aria-describedby', el.getAttribute('aria-describedby').replace(/(^|\s)(p|h)-s\d+/g, '$1$2-' + secId));
      });
      button.previousElementSibling.appendChild(row);
      waitFor(row);
      row.querySelector('input').focus();
    } else if (action === 'row-up') {
      var moving = button.closest('.row');
      if (!moving.previousElementSibling) return;
      moving.parentElement.insertBefore(moving, moving.previousElementSibling);
      button.focus();
    } else if (action === 'remove-row') {
      var r = button.closest('.row');
      var nextRow = r.nextElementSibling || r.previousElementSibling;
      var add = r.parentElement.nextElementSibling;
      r.remove();
      (nextRow ? nextRow.querySelector('input') : add).focus();
    } else {
      return;
    }
    if (action === 'up' || action === 'down') button.focus();
    numberSections();
    schedule();
  });

  // The format buttons above a text (and Ctrl+B, Ctrl+I in it): the bulletin's Markdown for
  // people who never type `**`.
  function format(area, how) {
    var start = area.selectionStart;
    var end = area.selectionEnd;
    var chosen = area.value.slice(start, end);
    if (how === 'bold' || how === 'italic') {
      var mark = how === 'bold' ? '**' : '_';
      var words = chosen || (how === 'bold' ? 'bold words' : 'slanted words');
      area.setRangeText(mark + words + mark, start, end, 'select');
      area.setSelectionRange(start + mark.length, start + mark.length + words.length);
    } else if (how === 'link') {
      var address = prompt('The link\'s web address (starting https://):', 'https://');
      if (!address || address === 'https://') return;
      area.setRangeText('[' + (chosen || address) + '](' + address.trim() + ')', start, end, 'end');
    } else {
      // Whole lines: from the start of the first line chosen to the end of the last.
      var from = area.value.lastIndexOf('\n', start - 1) + 1;
      var to = area.value.indexOf('\n', end);
      if (to < 0) to = area.value.length;
      var lines = area.value.slice(from, to).split('\n');
      var n = 0;
      var marked = lines.map(function (l) {
        if (l.trim() === '') return l;
        var bare = l.replace(/^(\s*)(- |\d+\. )/, '$1');
        n += 1;
        return how === 'bullets' ? '- ' + bare : n + '. ' + bare;
      });
      area.setRangeText(marked.join('\n'), from, to, 'select');
    }
    area.focus();
    area.dispatchEvent(new Event('input', { bubbles: true }));
  }
  page.addEventListener('click', function (e) {
    var b = e.target.closest('button[data-format]');
    if (!b) return;
    format(document.getElementById(b.closest('.format').getAttribute('aria-controls')), b.dataset.format);
  });
  page.addEventListener('keydown', function (e) {
    if (!(e.target instanceof HTMLTextAreaElement) || !(e.ctrlKey || e.metaKey) || e.altKey) return;
    var key = e.key.toLowerCase();
    if (key === 'b' || key === 'i') {
      e.preventDefault();
      format(e.target, key === 'b' ? 'bold' : 'italic');
    }
  });

  // What people paste from Word, Outlook or a web page: its Markdown, and what was left out.
  page.addEventListener('paste', function (e) {
    var el = e.target;
    if (!(el instanceof HTMLTextAreaElement || (el instanceof HTMLInputElement && el.type === 'text'))) return;
    var data = e.clipboardData;
    if (!data || data.types.indexOf('text/html') < 0 || !window.bulletinPaste) return;
    var result = window.bulletinPaste.htmlToMarkdown(data.getData('text/html'));
    e.preventDefault();
    var md = result.markdown;
    if (el instanceof HTMLInputElement) md = md.replace(/\s*\n\s*/g, ' ');
    el.setRangeText(md, el.selectionStart, el.selectionEnd, 'end');
    el.dispatchEvent(new Event('input', { bubbles: true }));
    var slot = el.closest('.field').querySelector('.pasted') || document.createElement('p');
    slot.className = 'pasted hint';
    slot.setAttribute('role', 'status');
    slot.textContent = result.dropped.length
      ? 'Pasted. Not kept as it was: ' + result.dropped.join('; ') + '.'
      : 'Pasted.';
    el.closest('.field').appendChild(slot);
  });

  // The preview's three views.
  Array.prototype.forEach.call(document.querySelectorAll('.views button'), function (b) {
    b.addEventListener('click', function () {
      var view = b.dataset.view;
      Array.prototype.forEach.call(document.querySelectorAll('.views button'), function (o) {
        o.setAttribute('aria-pressed', String(o === b));
      });
      var frame = document.getElementById('preview');
      var text = document.getElementById('preview-text');
      frame.hidden = view === 'text';
      text.hidden = view !== 'text';
      frame.className = view === 'phone' ? 'phone' : '';
      if (view === 'text') loadText();
    });
  });

  var initial = JSON.parse(document.getElementById('problems-data').textContent || '[]');
  showProblems(initial, collect().fields);
  offerDraft();
})();
