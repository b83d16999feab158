/* The intake form: each party card shows only the fields of its kind (person or organisation).
   CSS does it with :has() on the kind select; this sets data-kind for browsers without :has(),
   and the page works without either (all fields show; the server ignores the other kind's). */
(function () {
  'use strict';
  function follow(card) {
    var select = card.querySelector('select.party-kind');
    if (!select) { return; }
    var apply = function () { card.setAttribute('data-kind', select.value); };
    select.addEventListener('change', apply);
    apply();
  }
  Array.prototype.forEach.call(document.querySelectorAll('.party-card'), follow);
  var summary = document.getElementById('error-summary');
  if (summary) { summary.focus(); }
}());
