// The desk's first-run page: sends the answers, shows what to correct at its field, and once the
// office is written waits for the desk to open it at this same address, then goes there.
'use strict';
(() => {
  const form = document.getElementById('setup');
  const problem = document.getElementById('setup-problem');
  const done = document.getElementById('setup-done');
  const other = document.getElementById('other-relay');
  const csrf = document.querySelector('meta[name="desk-csrf"]').content;

  const relay = () => form.querySelector('input[name="relay"]:checked').value;
  const showOther = () => { other.hidden = relay() !== 'other'; };
  form.addEventListener('change', showOther);
  showOther();

  const say = (message, help, field) => {
    problem.textContent = '';
    const p = document.createElement('p');
    p.textContent = message.charAt(0).toUpperCase() + message.slice(1) + '.';
    problem.append(p);
    if (help) {
      const h = document.createElement('p');
      h.textContent = help.charAt(0).toUpperCase() + help.slice(1) + '.';
      problem.append(h);
    }
    problem.hidden = false;
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    const input = field && document.getElementById(field);
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  };

  // The desk on the new office starts on this address a moment after the answer: wait for it.
  const open = async () => {
    for (let i = 0; i < 100; i += 1) {
      try {
        const r = await fetch('/', { headers: { accept: 'text/html' } });
        if (r.ok && !(await r.text()).includes('id="setup"')) {
          window.location.assign('/');
          return;
        }
      } catch (_) { /* not listening yet */ }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    say('the desk did not open the new office', 'close this page and start the desk again');
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const answers = Object.fromEntries(new FormData(form).entries());
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      const r = await fetch('/api/setup', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-desk-csrf': csrf },
        body: JSON.stringify(answers),
      });
      const reply = await r.json();
      if (!r.ok) {
        say(reply.message, reply.help, reply.field);
        button.disabled = false;
        return;
      }
      problem.hidden = true;
      form.hidden = true;
      done.textContent = `Your office is ready in ${reply.folder}. Opening it…`;
      done.hidden = false;
      await open();
    } catch (_) {
      say('the desk did not answer', 'check that it is still running, then try again');
      button.disabled = false;
    }
  });
})();
