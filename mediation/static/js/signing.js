// Signature pads on the agreement's signing page: a finger on a phone or tablet, or a mouse.
// Each form sends the drawing as a PNG data URL in its hidden "image" field.
(function () {
  'use strict';
  if (typeof SignaturePad === 'undefined') { return; }
  document.querySelectorAll('form.signature-form').forEach(function (form) {
    var canvas = form.querySelector('canvas.signature-pad');
    var pad = new SignaturePad(canvas, {minWidth: 0.8, maxWidth: 2.6, penColor: '#111', backgroundColor: 'rgba(0,0,0,0)'});
    function fit() {
      // Draw at the screen's real resolution; resizing clears the pad, so keep what was drawn.
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      var strokes = pad.toData();
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext('2d').scale(ratio, ratio);
      pad.clear();
      pad.fromData(strokes);
    }
    window.addEventListener('resize', fit);
    fit();
    // A pad folded away (signing again) has no size until it is opened.
    var fold = form.closest('details');
    if (fold) { fold.addEventListener('toggle', fit); }
    var error = form.querySelector('.pad-error');
    form.querySelector('.pad-clear').addEventListener('click', function () { pad.clear(); });
    form.addEventListener('submit', function (event) {
      if (pad.isEmpty()) {
        event.preventDefault();
        error.hidden = false;
        return;
      }
      error.hidden = true;
      form.querySelector('input[name="image"]').value = pad.toDataURL('image/png');
    });
  });
}());
