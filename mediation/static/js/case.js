// The case page: each stage's state diagram is drawn by the vendored Mermaid when it is opened (the
// 3.5 MB script loads only then, once); without JavaScript the numbered path below it says the same.
// A link to a record (from the history) opens the record it points to.
(function () {
  'use strict';
  var loading = null;

  function mermaidReady(src) {
    if (window.mermaid) return Promise.resolve(window.mermaid);
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement('script');
        script.src = src;
        script.onload = function () {
          // drawn at its own size: on a phone the box scrolls sideways rather than shrinking the words
          window.mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'neutral',
                                      fontFamily: getComputedStyle(document.body).fontFamily,
                                      state: { useMaxWidth: false } });
          resolve(window.mermaid);
        };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function draw(details) {
    var shown = details.querySelector('.diagram-drawn'), box = details.querySelector('.diagram-box');
    if (!shown || !box || details.dataset.drawn) return;
    details.dataset.drawn = '1';
    shown.hidden = false;  // Mermaid measures text: the box must be displayed while it draws
    mermaidReady(details.dataset.mermaid).then(function (mermaid) {
      return mermaid.run({ nodes: box.querySelectorAll('pre.mermaid') });
    }).then(function () {
      fit(box);
    }).catch(function () {
      shown.hidden = true;  // the numbered path stays
      delete details.dataset.drawn;
    });
  }

  // On a narrow screen the diagram shrinks a little (never below 70 %, where the words stay readable) and
  // scrolls sideways to the state the stage is in.
  function fit(box) {
    var svg = box.querySelector('svg');
    if (!svg || !svg.viewBox || !svg.viewBox.baseVal) return;
    var width = svg.viewBox.baseVal.width, height = svg.viewBox.baseVal.height;
    var scale = Math.min(1, Math.max(0.7, box.clientWidth / width));
    svg.style.width = Math.round(width * scale) + 'px';
    svg.style.height = Math.round(height * scale) + 'px';
    var current = svg.querySelector('g.current, .current');
    if (current) {
      var node = current.getBoundingClientRect(), frame = box.getBoundingClientRect();
      box.scrollLeft += node.left + node.width / 2 - frame.left - box.clientWidth / 2;
    }
  }

  document.querySelectorAll('details.diagram').forEach(function (details) {
    details.addEventListener('toggle', function () { if (details.open) draw(details); });
    if (details.open) draw(details);
  });

  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (target && target.tagName === 'DETAILS') target.open = true;
  }
  window.addEventListener('hashchange', openTarget);
  openTarget();
})();
