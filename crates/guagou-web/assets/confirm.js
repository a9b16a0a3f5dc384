// The page's own script (no inline script: the page links this file).
//
// 1. Consequential steps ask first: a form with data-confirm submits only after the user agrees
//    to its message (what will happen).
// 2. Nothing typed is lost: what a POST form sends is kept in this tab (sessionStorage) until the
//    next page shows whether it went through. If that page is a refusal (#refusal) or the
//    sign-in page (the session ended), the input is kept and put back into the same form the
//    next time it is opened, with a note; otherwise it is forgotten. Passwords, files and the
//    form's tokens are never kept. A refusal that names a field (data-field) also puts its
//    reason beside that field (aria-invalid, aria-describedby) when the form is shown again.
// 3. "Back" links (data-back) return to the previous page, where the browser also keeps input.

const PENDING = 'guagou.pending';
const DRAFT = 'guagou.draft:';
const DAY_MS = 24 * 60 * 60 * 1000;
// Hidden fields that change with every page (tokens) and never decide which form it was.
const TOKENS = new Set(['csrf', 'idempotency_key', 'key', 'token']);

function read(key) {
  try {
    return JSON.parse(sessionStorage.getItem(key) || 'null');
  } catch (_) {
    return null;
  }
}

function actionOf(form) {
  return new URL(form.getAttribute('action') || window.location.pathname, window.location.href).pathname;
}

/** The typed values of a form, and its hidden values that say which form it is. */
function valuesOf(form) {
  const typed = {};
  const hidden = {};
  for (const el of form.elements) {
    if (!el.name || TOKENS.has(el.name)) continue;
    const type = (el.type || '').toLowerCase();
    if (type === 'password' || type === 'file' || type === 'submit' || type === 'button') continue;
    if (type === 'hidden') hidden[el.name] = el.value;
    else if (type === 'checkbox' || type === 'radio') typed[`${el.name}=${el.value}`] = el.checked;
    else typed[el.name] = el.value;
  }
  return { typed, hidden };
}

document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const message = form.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
    return;
  }
  if ((form.getAttribute('method') || '').toLowerCase() !== 'post') return;
  const { typed, hidden } = valuesOf(form);
  try {
    // This submission supersedes whatever was kept for the form before.
    sessionStorage.removeItem(DRAFT + actionOf(form));
    sessionStorage.setItem(PENDING, JSON.stringify({ action: actionOf(form), typed, hidden, at: Date.now() }));
  } catch (_) {
    // Storage full or disabled: the browser's own back button still keeps the input.
  }
});

function restore(form, draft) {
  const { hidden } = valuesOf(form);
  for (const [name, value] of Object.entries(draft.hidden || {})) {
    if (name in hidden && hidden[name] !== value) return false;
  }
  let filled = 0;
  for (const el of form.elements) {
    if (!el.name || TOKENS.has(el.name)) continue;
    const type = (el.type || '').toLowerCase();
    if (type === 'checkbox' || type === 'radio') {
      const key = `${el.name}=${el.value}`;
      if (key in draft.typed) el.checked = draft.typed[key];
    } else if (el.name in draft.typed && type !== 'hidden' && type !== 'password' && type !== 'file') {
      el.value = draft.typed[el.name];
      filled += 1;
    }
  }
  if (filled === 0) return false;
  markRefusedField(form, draft.refusal);
  const note = document.createElement('p');
  note.className = 'flash restored';
  note.setAttribute('role', 'status');
  note.textContent = document.documentElement.lang === 'en'
    ? 'What you typed last time (not saved then) is back in this form: check it and submit again.'
    : '已恢复您上次填写但未成功提交的内容，请核对后再提交。';
  form.prepend(note);
  return true;
}

/** Shows a refusal's reason beside the field it concerns. */
function markRefusedField(form, refusal) {
  if (!refusal || !refusal.field) return;
  const field = Array.from(form.elements).find((el) => el.name === refusal.field);
  if (!field) return;
  const id = `error-${form.id || 'form'}-${refusal.field}`;
  let error = document.getElementById(id);
  if (!error) {
    error = document.createElement('small');
    error.id = id;
    error.className = 'field-error';
    field.insertAdjacentElement('afterend', error);
  }
  error.textContent = refusal.message;
  field.setAttribute('aria-invalid', 'true');
  field.setAttribute('aria-describedby', id);
  field.addEventListener('input', () => field.removeAttribute('aria-invalid'), { once: true });
}

document.addEventListener('DOMContentLoaded', () => {
  const pending = read(PENDING);
  sessionStorage.removeItem(PENDING);
  const refused = document.getElementById('refusal');
  if (pending && (refused || document.getElementById('login-form'))) {
    if (refused) {
      const message = document.getElementById('refusal-message');
      pending.refusal = {
        field: refused.dataset.field || null,
        message: message ? message.textContent : '',
      };
    }
    sessionStorage.setItem(DRAFT + pending.action, JSON.stringify(pending));
  }
  for (const form of document.querySelectorAll('form[method="post"], form[method="POST"]')) {
    const key = DRAFT + actionOf(form);
    const draft = read(key);
    if (!draft) continue;
    if (Date.now() - draft.at > DAY_MS) {
      sessionStorage.removeItem(key);
      continue;
    }
    if (restore(form, draft)) sessionStorage.removeItem(key);
  }
});

document.addEventListener('click', (event) => {
  const link = event.target instanceof Element ? event.target.closest('a[data-back]') : null;
  if (link && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});

// Fields of several codes (pickers.rs, picked_list_field.html): the chooser adds the code
// picked by name to the field, and the names of the codes in the field are listed under it.
function optionsOf(listId) {
  const list = listId ? document.getElementById(listId) : null;
  return list ? Array.from(list.querySelectorAll('option')) : [];
}

function codesIn(field) {
  return field.value.split(/[\s,，、;]+/).filter(Boolean);
}

function showPicked(field) {
  const shown = document.querySelector(`[data-names-of="${field.id}"]`);
  if (!shown) return;
  const names = new Map(optionsOf(shown.dataset.list).map((o) => [o.value, o.textContent]));
  shown.replaceChildren(
    ...codesIn(field).map((code) => {
      const item = document.createElement('li');
      item.textContent = names.get(code) || code;
      item.title = code;
      return item;
    }),
  );
}

document.addEventListener('change', (event) => {
  const adder = event.target;
  if (!(adder instanceof HTMLInputElement) || !adder.dataset.addsTo) return;
  const field = document.getElementById(adder.dataset.addsTo);
  const code = adder.value.trim();
  if (!field || !optionsOf(adder.getAttribute('list')).some((o) => o.value === code)) return;
  const codes = codesIn(field);
  if (!codes.includes(code)) field.value = [...codes, code].join(', ');
  adder.value = '';
  showPicked(field);
});

document.addEventListener('input', (event) => {
  const field = event.target;
  if (field instanceof HTMLInputElement && field.id) showPicked(field);
});

document.addEventListener('DOMContentLoaded', () => {
  for (const adder of document.querySelectorAll('.picker-add')) adder.hidden = false;
  for (const shown of document.querySelectorAll('[data-names-of]')) {
    const field = document.getElementById(shown.dataset.namesOf);
    if (field) showPicked(field);
  }
});
