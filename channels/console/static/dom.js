// DOM helpers every console page shares (desk, review, metrics). Text always goes in as
// text nodes or textContent, never as HTML.
"use strict";

window.ConsoleDom = (function () {
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child !== null && child !== undefined && child !== false) node.append(child);
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  // "11/21 14:05" (with seconds when asked) in the browser's time zone.
  function time(iso, withSeconds) {
    if (!iso) return "";
    const options = { hour12: false, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" };
    if (withSeconds) options.second = "2-digit";
    return new Date(iso).toLocaleString("zh-CN", options);
  }

  return Object.freeze({ el, clear, time });
})();
