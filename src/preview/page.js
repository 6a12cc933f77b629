// The preview page's script (src/preview.rs puts it at the end of the page's <body>): it reloads
// the page when the server says the bulletin changed, sizes each email iframe to its content, and
// brings the reader back to where they were reading after the reload.
//
// The place is kept per view: the email (the two iframes, #views) or the plain text (#text),
// whichever the top of the window is in, as a distance from that view's top. So a save that makes
// the email longer does not move a reader of the plain text, which sits below it. While the
// bulletin has errors the place is left as it was, for when the email comes back.
(function () {
  'use strict';
  var KEY = 'bulletin-preview-place';
  var frames = Array.prototype.slice.call(document.querySelectorAll('iframe'));
  var views = ['views', 'text']
    .map(function (id) { return document.getElementById(id); })
    .filter(Boolean);
  // The browser's own restoring would act before the iframes have their height.
  if ('scrollRestoration' in history) history.scrollRestoration = 'manual';

  function top(el) {
    return el.getBoundingClientRect().top + window.scrollY;
  }

  function place() {
    var y = window.scrollY;
    var saved = { x: window.scrollX, y: y, view: null, offset: 0, heights: {} };
    views.forEach(function (el) {
      if (top(el) <= y + 1) {
        saved.view = el.id;
        saved.offset = y - top(el);
      }
    });
    frames.forEach(function (f) {
      saved.heights[f.id] = f.style.height;
    });
    return saved;
  }

  var saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(KEY) || 'null');
  } catch (e) {
    saved = null;
  }

  // Until the reader scrolls, clicks or types, each change of layout puts them back.
  var restoring = saved !== null && views.length > 0;
  function restore() {
    if (!restoring) return;
    var el = saved.view && document.getElementById(saved.view);
    window.scrollTo(saved.x || 0, el ? top(el) + saved.offset : saved.y);
  }
  ['wheel', 'touchstart', 'keydown', 'mousedown'].forEach(function (type) {
    window.addEventListener(type, function () { restoring = false; }, { passive: true, once: true });
  });

  function fit(f) {
    try {
      var doc = f.contentDocument;
      if (!doc || doc.readyState !== 'complete' || doc.URL === 'about:blank') return;
      f.style.height = doc.documentElement.scrollHeight + 20 + 'px';
      restore();
    } catch (e) {
      // Not loaded yet: the load event comes back here.
    }
  }

  frames.forEach(function (f) {
    // The heights they had before the reload, so the page has its length before they load.
    if (restoring && saved.heights && saved.heights[f.id]) f.style.height = saved.heights[f.id];
    f.addEventListener('load', function () { fit(f); });
    fit(f);
  });
  restore();
  window.addEventListener('load', function () {
    restore();
    restoring = false;
  });

  // Leaving the page (a reload, or any other way): remember the place, unless this is the
  // page of errors.
  window.addEventListener('pagehide', function () {
    if (views.length > 0) sessionStorage.setItem(KEY, JSON.stringify(place()));
  });

  new EventSource('/events').addEventListener('reload', function () {
    location.reload();
  });
})();
