// The 打印 (print) button of the print views: opens the browser's print dialog. No inline
// script (the content policy forbids it): buttons carry data-print and this file listens.
document.addEventListener('click', (event) => {
  const target = event.target instanceof Element ? event.target.closest('[data-print]') : null;
  if (target) {
    event.preventDefault();
    window.print();
  }
});
