// A placeholder for the paste-from-Word converter (the real one replaces this file): HTML from
// the clipboard to the bulletin's Markdown, and what could not be carried over.
// window.bulletinPaste.htmlToMarkdown(html) -> { markdown: string, dropped: string[] }
(function () {
  'use strict';
  function htmlToMarkdown(html) {
    var doc = new DOMParser().parseFromString(String(html), 'text/html');
    var text = (doc.body ? doc.body.innerText || doc.body.textContent : '') || '';
    return { markdown: text.replace(/\u00a0/g, ' ').replace(/\u00ad/g, '').trim(), dropped: [] };
  }
  window.bulletinPaste = { htmlToMarkdown: htmlToMarkdown };
})();
