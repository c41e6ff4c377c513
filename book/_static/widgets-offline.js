// Set-up for the ipywidgets html-manager on the offline site (loaded by myst-nb on pages with saved
// widget state, after require.js and before vendored/html-manager/embed-amd.js; see _config.yml).
(function () {
  "use strict";
  // 1. Each bundle in embed-amd.js finds its fonts next to its own AMD module: it takes the folder of
  //    the module's URL as its public path. The modules are named "@jupyter-widgets/controls",
  //    "@jupyter-widgets/base", ..., which require.js would resolve against the page's folder (so the
  //    Font Awesome rules of the controls pointed at book/@jupyter-widgets/*.woff2, which do not
  //    exist, and a page sometimes fetched them). Map every one of them into the vendored folder (the
  //    folder is computed from this script's URL, so it works for every page depth, over http and from
  //    file://).
  var here = document.currentScript && document.currentScript.src;
  if (here && window.require && window.require.config) {
    var vendored = here.slice(0, here.lastIndexOf("/") + 1) + "vendored/html-manager";
    var paths = { "@jupyter-widgets/html-manager/dist": vendored };
    ["html-manager", "base", "base7", "controls", "controls7", "output"].forEach(function (name) {
      paths["@jupyter-widgets/" + name] = vendored + "/" + name;
    });
    window.require.config({ paths: paths });
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
  // 3. On the static site a widget is its saved state: the controls cannot redraw anything without
  //    a kernel. Say so under each rendered explorer, and give the figure it shows an alt text built
  //    from the saved settings (the html-manager renders saved images without one).
  var NOTE = "Saved view: these controls need a running notebook (launch buttons at the top of the " +
             "page); the figure shows the settings above.";
  function settings(box) {
    var parts = [];
    Array.prototype.forEach.call(box.querySelectorAll(".widget-inline-hbox, .widget-hbox"), function (row) {
      var label = row.querySelector(".widget-label");
      var value = row.querySelector(".widget-readout, select, .widget-toggle-button.mod-active, input");
      var text = value && (value.textContent || value.value || "").trim();
      if (label && label.textContent.trim() && text) parts.push(label.textContent.trim() + " = " + text);
    });
    return parts.join(", ");
  }
  function annotate(root) {
    Array.prototype.forEach.call(root.querySelectorAll(".widget-subarea"), function (area) {
      var box = area.querySelector(".widget-interact, .widget-vbox, .jupyter-widgets");
      if (!box || !area.querySelector("input, select, button, .widget-slider")) return;
      var shown = settings(area);
      Array.prototype.forEach.call(area.querySelectorAll(".widget-output img:not([alt])"), function (img) {
        img.setAttribute("alt", "Explorer figure for the saved settings" + (shown ? " (" + shown + ")" : "") +
                                "; the controls redraw it in a running notebook.");
      });
      if (!area.querySelector(".qgan-saved-view-note")) {
        var note = document.createElement("p");
        note.className = "qgan-saved-view-note";
        note.textContent = NOTE;
        area.appendChild(note);
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    // Synchronously after each change (a microtask), so that nobody sees an image without its text;
    // annotate() is idempotent, so the changes it makes itself end the loop.
    new MutationObserver(function () { annotate(document); })
      .observe(document.body, { childList: true, subtree: true });
  });
})();
