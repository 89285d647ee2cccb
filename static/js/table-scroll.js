/* Wide tables (issue 15): a table wider than its box scrolls inside it (`.table-scroll` or
 * `.table-responsive`, static/css/portal.css), and the user sees that there is more to the right.
 *
 * For each such box whose content is wider than the box:
 * - the box gets `is-scrollable`, and tabindex="0" so that the keyboard can scroll it;
 * - a hint line (the <body>'s data-table-scroll-hint, translated by base.html) is shown above it;
 * - `more-right` while columns are hidden on the right (the CSS fades the right edge);
 * - `scrolled` once scrolled away from the start (the sticky first column casts a shadow).
 * Boxes that htmx swaps in are set up too; a ResizeObserver follows window and content changes. */
(function () {
  "use strict";

  var SELECTOR = ".table-scroll, .table-responsive";
  var observer = window.ResizeObserver ? new ResizeObserver(function (entries) {
    entries.forEach(function (entry) { update(entry.target); });
  }) : null;

  function hintFor(box) {
    var hint = box.previousElementSibling;
    if (hint && hint.classList.contains("table-scroll-hint")) {
      return hint;
    }
    hint = document.createElement("p");
    hint.className = "table-scroll-hint";
    hint.setAttribute("data-testid", "table-scroll-hint");
    var icon = document.createElement("i");
    icon.className = "bi bi-arrow-left-right me-1";
    icon.setAttribute("aria-hidden", "true");
    hint.appendChild(icon);
    hint.appendChild(document.createTextNode(document.body.getAttribute("data-table-scroll-hint") || ""));
    box.parentNode.insertBefore(hint, box);
    return hint;
  }

  function update(box) {
    var scrollable = box.scrollWidth > box.clientWidth + 1;
    var atEnd = box.scrollLeft + box.clientWidth >= box.scrollWidth - 1;
    box.classList.toggle("is-scrollable", scrollable);
    box.classList.toggle("more-right", scrollable && !atEnd);
    box.classList.toggle("scrolled", scrollable && box.scrollLeft > 0);
    if (scrollable) {
      box.setAttribute("tabindex", "0");
    } else if (box.getAttribute("tabindex") === "0") {
      box.removeAttribute("tabindex");
    }
    if (scrollable || box.previousElementSibling && box.previousElementSibling.classList.contains("table-scroll-hint")) {
      hintFor(box).classList.toggle("is-shown", scrollable);
    }
  }

  function setUp(root) {
    var boxes = [];
    if (root.matches && root.matches(SELECTOR)) {
      boxes.push(root);
    }
    if (root.querySelectorAll) {
      boxes = boxes.concat(Array.prototype.slice.call(root.querySelectorAll(SELECTOR)));
    }
    boxes.forEach(function (box) {
      if (box.hasAttribute("data-table-scroll-ready")) {
        update(box);
        return;
      }
      box.setAttribute("data-table-scroll-ready", "");
      box.addEventListener("scroll", function () { update(box); }, {passive: true});
      if (observer) {
        observer.observe(box);
        if (box.firstElementChild) {
          observer.observe(box.firstElementChild);
        }
      }
      update(box);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  } else {
    setUp(document);
  }
  // htmx swaps in new rows or whole tables: set up what arrived.
  document.addEventListener("htmx:load", function (event) { setUp(event.target); });
  // Without ResizeObserver (old browsers), follow the window's size at least.
  if (!observer) {
    window.addEventListener("resize", function () { setUp(document); });
  }
})();
