// The metrics dashboard page. Vanilla JS, no external requests. Charts arrive as SVG
// rendered (and escaped) by the server and are parsed with DOMParser as SVG, never as
// HTML; every other text goes on the page with textContent.
//
// Stable selectors (for browser tests):
//   #page-error (no permission), #dashboard, #range (#from, #to, #apply, [data-days]),
//   #range-error, #loading, #alerts (#alert-list li a), #cards ([data-card=ID]),
//   #charts ([data-testid=chart][data-chart-id=ID] > svg, details table),
//   #suppliers tbody tr[data-supplier-id=ID], #supplier (#supplier-title,
//   #supplier-alert, #supplier-loss, #report-week, #export, #export-message, #incidents)
"use strict";

(function () {
  const API = "/console/api";
  const $ = (id) => document.getElementById(id);
  const { el, clear } = window.ConsoleDom;
  const state = { csrf: null, period: null, supplierId: null, loads: 0 };

  async function getJson(path) {
    const response = await fetch(path, { credentials: "same-origin" });
    let body = null;
    try { body = await response.json(); } catch (error) { body = null; }
    if (response.status === 401) {
      window.location.href = "/console/login";
    }
    return { status: response.status, body };
  }

  function errorText(answer) {
    return (answer.body && answer.body.error) || "加载失败，请稍后再试";
  }

  function forbidden(message) {
    $("page-error").textContent = message;
    $("dashboard").hidden = true;
  }

  function rangeQuery() {
    const params = new URLSearchParams();
    if ($("from").value) params.set("from", $("from").value);
    if ($("to").value) params.set("to", $("to").value);
    return params.toString();
  }

  // ---- charts ---------------------------------------------------------------------

  function svgNode(markup) {
    const doc = new DOMParser().parseFromString(markup, "image/svg+xml");
    const root = doc.documentElement;
    if (root.nodeName !== "svg" || doc.getElementsByTagName("parsererror").length) return null;
    return document.importNode(root, true);
  }

  function table(data) {
    const head = el("tr", {}, ...data.columns.map((name) => el("th", { text: name })));
    const rows = data.rows.map((row) => el("tr", {}, ...row.map((cell) => el("td", { text: cell }))));
    return el("table", { class: "data-table" }, el("thead", {}, head), el("tbody", {}, ...rows));
  }

  function chartBox(chart) {
    const box = el("figure", { class: "panel chart-box", "data-testid": "chart",
                               "data-chart-id": chart.id });
    const svg = svgNode(chart.svg);
    box.append(svg || el("p", { class: "muted", text: chart.title }));
    if (chart.table.rows.length) {
      box.append(el("details", { class: "chart-table" },
                    el("summary", { text: "查看数据表" }), table(chart.table)));
    }
    return box;
  }

  // ---- dashboard ------------------------------------------------------------------

  function renderCards(cards) {
    const holder = $("cards");
    clear(holder);
    for (const card of cards) {
      holder.append(el("div", { class: "panel card", "data-card": card.id },
                       el("div", { class: "card-label", text: card.label }),
                       el("div", { class: "card-value", text: card.value })));
    }
  }

  function supplierLink(id, text) {
    return el("a", { href: `#supplier-${id}`, text });
  }

  function renderAlerts(alerts) {
    const list = $("alert-list");
    clear(list);
    for (const alert of alerts) {
      list.append(el("li", { "data-supplier-id": alert.supplier_id },
                     supplierLink(alert.supplier_id, alert.text)));
    }
    $("alerts").hidden = alerts.length === 0;
  }

  function renderSuppliers(rows) {
    const body = $("suppliers").querySelector("tbody");
    clear(body);
    for (const row of rows) {
      body.append(el("tr", { "data-supplier-id": row.id, class: row.alert ? "alerted" : null },
                     el("td", {}, supplierLink(row.id, `${row.name}（${row.code}）`)),
                     el("td", { text: row.incidents }), el("td", { text: row.refund }),
                     el("td", { text: row.compensation }), el("td", { text: row.loss }),
                     el("td", { text: row.alert ? "预警" : "" })));
    }
    $("suppliers").hidden = rows.length === 0;
    $("suppliers-empty").hidden = rows.length > 0;
  }

  async function loadDashboard() {
    $("range-error").textContent = "";
    $("loading").textContent = "加载中…";
    const load = ++state.loads;
    const answer = await getJson(`${API}/metrics?${rangeQuery()}`);
    if (load !== state.loads) return;  // a newer request is on its way
    $("loading").textContent = "";
    if (answer.status === 403) { forbidden(errorText(answer)); return; }
    if (answer.status !== 200) { $("range-error").textContent = errorText(answer); return; }
    const data = answer.body;
    state.period = data.period;
    $("from").value = data.period.from;
    $("to").value = data.period.to;
    renderCards(data.cards);
    renderAlerts(data.alerts);
    const charts = $("charts");
    clear(charts);
    for (const chart of data.charts) charts.append(chartBox(chart));
    renderSuppliers(data.suppliers);
    await showSupplierFromHash();
  }

  // ---- one supplier ---------------------------------------------------------------

  function renderIncidents(incidents) {
    const body = $("incidents").querySelector("tbody");
    clear(body);
    for (const item of incidents) {
      body.append(el("tr", {}, ...[item.date, item.product, item.batch, item.reason,
                                   item.case_ref || "", item.state, item.words, item.refund,
                                   item.compensation].map((cell) => el("td", { text: cell }))));
    }
    $("incidents").hidden = incidents.length === 0;
    $("incidents-empty").hidden = incidents.length > 0;
  }

  async function showSupplierFromHash() {
    const match = /^#supplier-(\d+)$/.exec(window.location.hash);
    if (!match) { $("supplier").hidden = true; state.supplierId = null; return; }
    const id = match[1];
    const answer = await getJson(`${API}/metrics/suppliers/${id}?${rangeQuery()}`);
    if (answer.status !== 200) { $("range-error").textContent = errorText(answer); return; }
    const data = answer.body;
    state.supplierId = data.supplier.id;
    $("supplier-title").textContent =
      `${data.supplier.name}（${data.supplier.code}） ${data.period.from} 至 ${data.period.to}`;
    $("supplier-alert").textContent = data.alert ? data.alert.text : "";
    $("supplier-alert").hidden = !data.alert;
    $("supplier-loss").textContent =
      `质量问题 ${data.incidents.length} 起；损失 ¥${data.loss.total}` +
      `（退款 ¥${data.loss.refund} + 补偿 ¥${data.loss.compensation}）`;
    if (!$("report-week").value) $("report-week").value = data.week;
    $("export-message").textContent = "";
    renderIncidents(data.incidents);
    $("supplier").hidden = false;
    $("supplier").scrollIntoView({ block: "start" });
  }

  async function exportReport() {
    const message = $("export-message");
    const params = new URLSearchParams({ week: $("report-week").value.trim() });
    if (state.supplierId) params.set("supplier", state.supplierId);
    message.textContent = "导出中…";
    const response = await fetch(`${API}/metrics/report.csv?${params}`, { credentials: "same-origin" });
    if (!response.ok) {
      let body = null;
      try { body = await response.json(); } catch (error) { body = null; }
      message.textContent = errorText({ body });
      return;
    }
    const disposition = response.headers.get("Content-Disposition") || "";
    const name = (/filename="([^"]+)"/.exec(disposition) || [])[1] || "supplier-report.csv";
    const url = URL.createObjectURL(await response.blob());
    const link = el("a", { href: url, download: name, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    message.textContent = `已导出 ${name}`;
  }

  // ---- page -----------------------------------------------------------------------

  function isoDay(date) {
    const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
    return local.toISOString().slice(0, 10);
  }

  function lastDays(days) {
    const end = state.period ? new Date(`${state.period.to}T00:00:00`) : new Date();
    const start = new Date(end.getTime() - (days - 1) * 86400000);
    $("from").value = isoDay(start);
    $("to").value = isoDay(end);
    loadDashboard();
  }

  async function loadMe() {
    const answer = await getJson(`${API}/me`);
    if (answer.status === 200) {
      state.csrf = answer.body.csrf_token;
      $("me-name").textContent = answer.body.display_name || answer.body.username;
    }
  }

  async function logout() {
    const response = await fetch("/console/logout", {
      method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": state.csrf || "" },
    });
    window.location.href = response.ok ? "/console/login" : window.location.href;
  }

  function start() {
    $("logout").addEventListener("click", logout);
    loadMe();
    if ($("page-error").textContent.trim()) { $("dashboard").hidden = true; return; }
    $("range").addEventListener("submit", (event) => { event.preventDefault(); loadDashboard(); });
    for (const button of document.querySelectorAll("[data-days]")) {
      button.addEventListener("click", () => lastDays(Number(button.dataset.days)));
    }
    $("export").addEventListener("click", exportReport);
    window.addEventListener("hashchange", showSupplierFromHash);
    loadDashboard();
  }

  start();
}());
