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

/* The new-deposit page: a running total of the ticked receipts (amounts in fen on each box). */
document.addEventListener("change", function (e) {
  var f = e.target.form;
  if (!f || f.getAttribute("data-deposit-form") === null) return;
  var fen = 0;
  f.querySelectorAll('input[name="receipt"]:checked').forEach(function (b) { fen += parseInt(b.dataset.fen, 10); });
  var out = f.querySelector("[data-running-total]");
  if (!out) return;
  var sign = fen < 0 ? "-" : "";
  fen = Math.abs(fen);
  out.textContent = sign + Math.floor(fen / 100).toLocaleString("en-US") + "." + String(fen % 100).padStart(2, "0");
});

/* A "select all" box: <input type="checkbox" data-select-all="unit"> ticks every box named unit in its form. */
document.addEventListener("change", function (e) {
  var name = e.target.getAttribute && e.target.getAttribute("data-select-all");
  if (!name) return;
  var scope = e.target.form || document;
  scope.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (b) { b.checked = e.target.checked; });
});

/* A date-time box (app/core/fields.py): the calendar button opens the browser's own picker and
   writes the choice into the box as the office writes it, 2026-12-09 08:00. */
document.addEventListener("click", function (e) {
  var button = e.target.closest && e.target.closest("[data-pick-datetime]");
  if (!button) return;
  var group = button.closest(".estate-datetime");
  var box = group.querySelector("[data-datetime]");
  var picker = group.querySelector(".estate-datetime-picker");
  var m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})/.exec(box.value.trim());
  picker.value = m ? m[1] + "-" + m[2] + "-" + m[3] + "T" + m[4] + ":" + m[5] : "";
  if (picker.showPicker) { picker.showPicker(); } else { picker.focus(); }
});
document.addEventListener("change", function (e) {
  if (!e.target.classList || !e.target.classList.contains("estate-datetime-picker") || !e.target.value) return;
  var box = e.target.closest(".estate-datetime").querySelector("[data-datetime]");
  box.value = e.target.value.replace("T", " ");
  box.dispatchEvent(new Event("change", { bubbles: true }));
});
