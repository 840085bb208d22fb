/* The take-payment page: ticking charges adds up what they still owe and fills in the amount
   received. Sums in integer fen (each box carries data-fen), so 0.10 + 0.20 is 0.30, never
   0.30000000000000004. Without this script the form still posts: the server settles the ticked
   charges with whatever amount was typed. No inline script: loaded from the page's head. */
(function () {
  "use strict";

  function yuan(fen) {
    var sign = fen < 0 ? "-" : "";
    fen = Math.abs(fen);
    return sign + Math.floor(fen / 100) + "." + String(fen % 100).padStart(2, "0");
  }

  document.addEventListener("change", function (e) {
    var box = e.target;
    if (!box || box.name !== "charge" || !box.form || box.form.getAttribute("data-take-payment") === null) return;
    var form = box.form;
    var fen = 0, ticked = 0;
    form.querySelectorAll('input[name="charge"]:checked').forEach(function (b) {
      fen += parseInt(b.getAttribute("data-fen"), 10) || 0;
      ticked += 1;
    });
    var amount = form.querySelector("[data-ticked-amount]");
    var line = form.querySelector("[data-ticked-total-line]");
    var total = form.querySelector("[data-ticked-total]");
    if (amount) amount.value = ticked ? yuan(fen) : "";
    if (total) total.textContent = ticked ? yuan(fen) : "";
    if (line) line.hidden = !ticked;
  });
})();
