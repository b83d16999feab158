// The case list's filters: open without JavaScript; on a phone folded, unless one of them is in use.
(function () {
  var more = document.querySelector('details.more-filters');
  if (more && !more.hasAttribute('data-in-use') && window.matchMedia('(max-width: 640px)').matches) {
    more.open = false;
  }
})();
