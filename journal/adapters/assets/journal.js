/* The journal's own script (self-hosted, no dependencies).
 *
 * 1. Comments: turns the .giscus-container that overrides/partials/comments.html renders into a
 *    giscus widget (https://giscus.app) when the reader scrolls near it, so no request goes to
 *    a third party before the reader reaches the comments.
 * 2. Keeps the giscus theme in step with Material's palette toggle.
 * 3. Names the toolbars Material adds to code blocks (<nav class="md-code__nav">), so each
 *    landmark on the page has its own name (axe-core: landmark-unique).
 * 4. Figures: a click on a figure opens it enlarged in a native <dialog> (Escape or the button
 *    closes it); without JavaScript the figure's link opens the SVG itself.
 */
(function () {
  "use strict";
  var GISCUS = "https://giscus.app";

  /* The giscus theme for Material's current colour scheme. */
  function giscusTheme() {
    var scheme = document.body.getAttribute("data-md-color-scheme");
    return scheme === "slate" ? "dark" : "light";
  }

  /* Insert giscus' client script with the container's data-* settings. */
  function loadGiscus(container) {
    if (container.getAttribute("data-loaded") === "1") return;
    container.setAttribute("data-loaded", "1");
    container.setAttribute("data-theme", giscusTheme());
    var script = document.createElement("script");
    script.src = GISCUS + "/client.js";
    script.async = true;
    script.crossOrigin = "anonymous";
    Array.prototype.forEach.call(container.attributes, function (attr) {
      if (attr.name.indexOf("data-") === 0 && attr.name !== "data-loaded") {
        script.setAttribute(attr.name, attr.value);
      }
    });
    container.appendChild(script);
  }

  /* Tell a loaded giscus frame about the new theme. */
  function syncTheme() {
    var theme = giscusTheme();
    document.querySelectorAll(".giscus-container").forEach(function (container) {
      container.setAttribute("data-theme", theme);
    });
    var frame = document.querySelector("iframe.giscus-frame");
    if (frame && frame.contentWindow) {
      frame.contentWindow.postMessage({ giscus: { setConfig: { theme: theme } } }, GISCUS);
    }
  }

  /* The one <dialog> that shows an enlarged figure. */
  function zoomDialog() {
    var dialog = document.getElementById("journal-zoom");
    if (dialog) return dialog;
    dialog = document.createElement("dialog");
    dialog.id = "journal-zoom";
    dialog.className = "journal-zoom";
    dialog.setAttribute("aria-label", "Enlarged figure");
    dialog.innerHTML =
      '<form method="dialog"><button type="submit">Close</button></form><img alt="">';
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog || event.target.tagName === "IMG") dialog.close();
    });
    document.body.appendChild(dialog);
    return dialog;
  }

  function initZoom() {
    document.querySelectorAll("figure.journal-figure a").forEach(function (link) {
      var img = link.querySelector("img");
      if (!img || typeof HTMLDialogElement !== "function") return;
      link.setAttribute("aria-haspopup", "dialog");
      link.addEventListener("click", function (event) {
        if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        var dialog = zoomDialog();
        var big = dialog.querySelector("img");
        big.src = img.currentSrc || img.src;
        big.alt = img.alt;
        var keep = link.closest(".journal-figure--keep-colours") !== null;
        dialog.classList.toggle("journal-zoom--keep-colours", keep);
        dialog.showModal();
      });
    });
  }

  /* Give every code toolbar a unique accessible name, now and when Material adds more. */
  function labelCodeToolbars() {
    var navs = document.querySelectorAll("nav.md-code__nav");
    Array.prototype.forEach.call(navs, function (nav, i) {
      if (nav.hasAttribute("aria-label")) return;
      var block = nav.closest(".highlight");
      var title = block && block.querySelector(".filename");
      var kind = nav.closest(".journal-output") ? "Output" : "Code";
      var name = title ? kind + " " + title.textContent.trim() : kind;
      nav.setAttribute("aria-label", name + " (block " + (i + 1) + ")");
    });
  }

  function init() {
    initZoom();
    labelCodeToolbars();
    new MutationObserver(labelCodeToolbars).observe(document.body, { childList: true, subtree: true });
    var containers = document.querySelectorAll(".giscus-container");
    containers.forEach(function (container) {
      container.setAttribute("data-theme", giscusTheme());
      if ("IntersectionObserver" in window) {
        var observer = new IntersectionObserver(
          function (entries) {
            if (entries.some(function (e) { return e.isIntersecting; })) {
              observer.disconnect();
              loadGiscus(container);
            }
          },
          { rootMargin: "200px 0px" }
        );
        observer.observe(container);
      } else {
        loadGiscus(container);
      }
    });
    new MutationObserver(syncTheme).observe(document.body, {
      attributes: true,
      attributeFilter: ["data-md-color-scheme"],
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

// --- provenance: Escape closes a value's popover ---
/* The popovers open on hover and focus with CSS alone; Escape closes the open one (WCAG 1.4.13,
   content on hover or focus is dismissible) until the pointer leaves or focus moves on. */
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.querySelectorAll(".jv:hover, .jv:focus-within");
    for (var i = 0; i < open.length; i++) open[i].classList.add("jv--closed");
  });
  function reopen(event) {
    var value = event.target.closest && event.target.closest(".jv");
    if (value && !value.contains(event.relatedTarget)) value.classList.remove("jv--closed");
  }
  document.addEventListener("mouseout", reopen);
  document.addEventListener("focusout", reopen);
})();
