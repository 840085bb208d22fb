/* Estate Desk staff pages. No inline scripts: a Content-Security-Policy can forbid them. */
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  // one click posts once: a second click while the page loads does nothing
  if (form.getAttribute("data-once") !== null) {
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
  }
}, true);
