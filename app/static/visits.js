/* The visit form's signature pad: the owner signs on a <canvas> with a finger, a pen or the
   mouse; the drawing goes with the form as a PNG file (input "signature"), or as a data URL
   (hidden "signature_data") in a browser that cannot fill a file input. No inline script. */
(function () {
  "use strict";

  function setup(pad) {
    var canvas = pad.querySelector("canvas");
    var fileInput = pad.querySelector("[data-signature-file]");
    var dataInput = pad.querySelector("[data-signature-data]");
    var ctx = canvas.getContext("2d");
    var drawing = false, drawn = false, last = null;

    canvas.style.touchAction = "none"; // no scrolling while signing
    ctx.lineWidth = 2.5;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#000";

    function point(e) {
      var r = canvas.getBoundingClientRect();
      return { x: (e.clientX - r.left) * canvas.width / r.width, y: (e.clientY - r.top) * canvas.height / r.height };
    }

    function store() {
      if (!drawn) {
        dataInput.value = "";
        try { fileInput.value = ""; } catch (err) { /* old browsers */ }
        return;
      }
      var url = canvas.toDataURL("image/png");
      if (window.DataTransfer && canvas.toBlob) {
        canvas.toBlob(function (blob) {
          try {
            var dt = new DataTransfer();
            dt.items.add(new File([blob], "signature.png", { type: "image/png" }));
            fileInput.files = dt.files;
            dataInput.value = "";
          } catch (err) {
            dataInput.value = url;
          }
        }, "image/png");
      } else {
        dataInput.value = url;
      }
    }

    canvas.addEventListener("pointerdown", function (e) {
      drawing = true;
      last = point(e);
      canvas.setPointerCapture && canvas.setPointerCapture(e.pointerId);
      e.preventDefault();
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!drawing) return;
      var p = point(e);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      last = p;
      drawn = true;
      e.preventDefault();
    });
    function end() {
      if (!drawing) return;
      drawing = false;
      store();
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("pointerleave", end);

    var clear = pad.querySelector("[data-signature-clear]");
    if (clear) {
      clear.addEventListener("click", function () {
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        drawn = false;
        store();
      });
    }
  }

  /* show the pad or the scan field for the chosen way of signing */
  function toggle(form) {
    var checked = form.querySelector('input[name="signature_kind"]:checked');
    var kind = checked ? checked.value : "none";
    form.querySelectorAll("[data-signature-pad]").forEach(function (el) { el.hidden = kind !== "drawn"; });
    form.querySelectorAll(".signature-scan").forEach(function (el) { el.hidden = kind !== "paper"; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-signature-pad]").forEach(setup);
    document.querySelectorAll("form[data-visit-form]").forEach(function (form) {
      toggle(form);
      form.addEventListener("change", function (e) {
        if (e.target.name === "signature_kind") toggle(form);
      });
    });
  });
})();
