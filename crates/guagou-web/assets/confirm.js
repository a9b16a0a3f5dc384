// Consequential steps ask first: a form with data-confirm submits only after the user agrees
// to its message (what will happen). No inline script: the page links this file.
document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const message = form.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
