// Set-up for the ipywidgets html-manager on the offline site (loaded by myst-nb on pages with saved
// widget state, after require.js and before vendored/html-manager/embed-amd.js; see _config.yml).
(function () {
  "use strict";
  // 1. The html-manager finds its fonts next to its own AMD module. Its bundle names the module
  //    "@jupyter-widgets/html-manager/dist/...", which require.js would resolve against the page's
  //    folder; point it at the vendored copy instead (the folder is computed from this script's URL,
  //    so it works for every page depth, over http and from file://).
  var here = document.currentScript && document.currentScript.src;
  if (here && window.require && window.require.config) {
    var staticDir = here.slice(0, here.lastIndexOf("/") + 1);
    window.require.config({
      paths: { "@jupyter-widgets/html-manager/dist": staticDir + "vendored/html-manager" },
    });
  }
  // 2. @jupyter-widgets/base typesets widget labels with the MathJax 2 call
  //    MathJax.Hub.Queue(["Typeset", MathJax.Hub, element]); the site runs MathJax 3, which has no
  //    Hub. Provide that one call on top of MathJax 3 (the page's deferred MathJax script has run by
  //    DOMContentLoaded; the widgets render at "load").
  document.addEventListener("DOMContentLoaded", function () {
    var mj = window.MathJax;
    if (!mj || mj.Hub || !mj.startup) return;
    mj.Hub = {
      Queue: function () {
        Array.prototype.forEach.call(arguments, function (job) {
          if (Array.isArray(job) && job[0] === "Typeset" && job[2]) {
            mj.startup.promise = mj.startup.promise.then(function () {
              return mj.typesetPromise([job[2]]);
            });
          }
        });
      },
    };
  });
})();
