// Transcript review for support leads. Vanilla JS, no external requests; every piece of
// customer or staff text goes on the page with textContent, never as HTML.
//
// Stable selectors (for browser tests):
//   #filters (#f-from, #f-to, #f-channel, #f-customer, #f-point, #f-intent, #f-escalated,
//   #f-angry, #f-fallback, #f-outcome, input[name=satisfaction], #f-q, #apply-filters),
//   #export-csv, #export-jsonl, #export-nlu, #review-error, #total,
//   #conversations [data-testid=conversation-row][data-record-id=ID], #more,
//   #transcript-panel, #t-title, #reveal, #tag-text/#add-tag, #note-text/#add-note,
//   #annotations, #transcript [data-testid=item][data-kind=customer|bot|agent|marker|case|handoff]
//   customer items: [data-testid=intent], [data-testid=mark-wrong] (opens
//   [data-testid=correct-intent] + [data-testid=save-correction]), class "marked" once marked.
"use strict";

(function () {
  const API = "/console/api";
  const INTENT_NAMES = {
    greet: "打招呼", goodbye: "再见", thank: "感谢", affirm: "肯定", deny: "否定",
    request_return: "申请退货", report_spoiled: "变质", report_damaged: "破损",
    report_wrong_item: "发错货", report_missing_item: "少件", return_no_reason: "无理由退货",
    ask_return_policy: "问退货规则", ask_case_status: "查售后进度", urge_case: "催办",
    cancel_case: "取消售后", request_human: "要人工", complain_leader: "投诉团长",
    ask_order_status: "查订单", out_of_scope: "无关话题", nlu_fallback: "没听懂",
  };
  const OUTCOMES = {
    case_opened: "开了售后单", approved: "已同意", rejected: "已拒绝", refunded: "已退款",
    no_case: "没有售后单",
  };
  const SEGMENTS = { start: "转人工", claimed: "客服接入", returned: "交还机器人", closed: "人工结束" };
  const MARKERS = { paused: "机器人暂停（人工处理中）", resumed: "机器人恢复", restarted: "对话重新开始" };
  const state = { csrf: null, cursor: null, recordId: null, view: null, options: null };
  const $ = (id) => document.getElementById(id);
  const { el, clear } = window.ConsoleDom;
  const time = (iso) => window.ConsoleDom.time(iso, true);

  function intentName(intent) {
    return intent ? `${INTENT_NAMES[intent] || intent}` : "—";
  }

  function showError(message) {
    const banner = $("review-error");
    banner.textContent = message || "";
    banner.hidden = !message;
  }

  async function call(method, path, body) {
    const headers = { Accept: "application/json" };
    if (method !== "GET") {
      headers["Content-Type"] = "application/json";
      headers["X-CSRF-Token"] = state.csrf;
    }
    const response = await fetch(API + path, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401) {
      window.location.assign("/console/login");
      throw new Error("请先登录");
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || "操作没有成功，请稍后再试");
    return data;
  }

  // ---- filters ------------------------------------------------------------------

  function query() {
    const form = new FormData($("filters"));
    const params = new URLSearchParams();
    for (const [name, value] of form.entries()) {
      if (String(value).trim() !== "") params.append(name, String(value).trim());
    }
    return params;
  }

  function fillOptions(options) {
    for (const channel of options.channels) {
      $("f-channel").append(el("option", { value: channel, text: channel }));
    }
    for (const point of options.points) {
      const label = point.leader ? `${point.name}（团长 ${point.leader}）` : point.name;
      $("f-point").append(el("option", { value: point.id, text: label }));
    }
    for (const intent of options.intents) {
      $("f-intent").append(el("option", { value: intent, text: `${intentName(intent)} ${intent}` }));
    }
    for (const outcome of options.outcomes) {
      $("f-outcome").append(el("option", { value: outcome, text: OUTCOMES[outcome] || outcome }));
    }
  }

  // ---- the list -----------------------------------------------------------------

  function flags(row) {
    const cell = el("td");
    if (row.escalated) cell.append(el("span", { class: "flag escalated", text: "转人工" }));
    if (row.angry) cell.append(el("span", { class: "flag angry", text: `情绪 ${row.max_anger}` }));
    if (row.fallbacks) cell.append(el("span", { class: "flag", text: `没听懂×${row.fallbacks}` }));
    if (row.is_leader) cell.append(el("span", { class: "flag", text: "团长" }));
    return cell;
  }

  function caseCell(row) {
    const cell = el("td");
    for (const item of row.cases) cell.append(el("div", { text: `${item.ref} ${item.state_label}` }));
    return cell;
  }

  function rowOf(row) {
    const who = row.customer ? `${row.customer} ${row.phone || ""}` : row.sender_id;
    const tr = el("tr", { class: "row", "data-testid": "conversation-row", "data-record-id": row.id },
      el("td", { text: time(row.started_at) }),
      el("td", { text: row.channel || "—" }),
      el("td", { text: who }),
      el("td", { text: row.pickup_point || "—" }),
      el("td", { text: row.intents.map(intentName).join("、") }),
      flags(row),
      caseCell(row),
      el("td", { text: row.satisfaction ? `${row.satisfaction} 分` : "—" }),
      el("td", { text: row.snippet }));
    tr.addEventListener("click", () => openConversation(row.id));
    return tr;
  }

  async function load(append) {
    const params = query();
    if (append && state.cursor) params.set("cursor", state.cursor);
    try {
      const page = await call("GET", `/review/conversations?${params}`);
      showError("");
      if (!append) clear($("conversations"));
      for (const row of page.conversations) $("conversations").append(rowOf(row));
      $("total").textContent = page.total_capped ? `${page.total}+` : String(page.total);
      state.cursor = page.next_cursor;
      $("more").hidden = !page.next_cursor;
      $("empty").hidden = $("conversations").children.length > 0;
    } catch (error) {
      showError(error.message);
    }
  }

  // ---- one conversation ---------------------------------------------------------

  function annotationItem(note) {
    const kinds = { tag: "标签", note: "备注", wrong_intent: "理解错误" };
    const target = note.event_id ? "（针对一句话）" : "";
    const text = note.kind === "wrong_intent"
      ? `${intentName(note.predicted_intent)} → ${intentName(note.correct_intent)} ${note.text}`
      : note.text;
    const remove = el("button", { type: "button", class: "secondary", text: "撤销" });
    remove.addEventListener("click", async () => {
      try {
        const data = await call("POST", `/review/annotations/${note.id}/remove`, {});
        state.view.annotations = data.annotations;
        renderConversation();
      } catch (error) { $("t-message").textContent = error.message; }
    });
    return el("li", { "data-testid": "annotation", "data-kind": note.kind },
      `${kinds[note.kind]}${target}：${text} — ${note.author} `, remove);
  }

  async function annotate(body) {
    try {
      const data = await call("POST", `/review/conversations/${state.recordId}/annotations`, body);
      state.view.annotations = data.annotations;
      $("t-message").textContent = "已保存";
      renderConversation();
      return true;
    } catch (error) {
      $("t-message").textContent = error.message;
      return false;
    }
  }

  function correctionTools(item) {
    const tools = el("div", { class: "turn-tools" });
    const mark = el("button", { type: "button", class: "secondary", "data-testid": "mark-wrong", text: "理解错了" });
    mark.addEventListener("click", () => {
      clear(tools);
      const select = el("select", { "data-testid": "correct-intent" },
        el("option", { value: "", text: "正确的意图…" }));
      for (const intent of state.options.intents) {
        if (intent !== item.intent) select.append(el("option", { value: intent, text: `${intentName(intent)} ${intent}` }));
      }
      const save = el("button", { type: "button", "data-testid": "save-correction", text: "保存" });
      save.addEventListener("click", () => annotate({
        kind: "wrong_intent", event_id: item.event_id, correct_intent: select.value,
      }));
      tools.append(select, save);
    });
    const note = el("button", { type: "button", class: "secondary", text: "备注这句" });
    note.addEventListener("click", () => {
      clear(tools);
      const input = el("input", { maxlength: 1000, placeholder: "备注" });
      const save = el("button", { type: "button", text: "保存" });
      save.addEventListener("click", () => annotate({ kind: "note", event_id: item.event_id, text: input.value }));
      tools.append(input, save);
    });
    tools.append(mark, note);
    return tools;
  }

  function customerItem(item, marked) {
    const entities = (item.entities || []).map((e) => `${e.entity}=${e.value}`).join("，");
    const confidence = item.confidence === null ? "" : ` ${(item.confidence * 100).toFixed(0)}%`;
    const head = el("div", { class: "turn-head" },
      el("span", { text: `顾客 ${time(item.at)}` }),
      el("span", { "data-testid": "intent", text: `意图：${intentName(item.intent)}${confidence}` }),
      el("span", { text: `情绪：${item.anger === null ? "—" : item.anger.toFixed(2)}` }),
      entities ? el("span", { text: `实体：${entities}` }) : null);
    const body = [head, el("p", { class: "turn-text", text: item.text })];
    if (item.evidence_id) {
      body.push(el("img", { alt: "顾客照片", "data-testid": "photo",
        src: `${API}/review/evidence/${item.evidence_id}?conversation=${state.recordId}` }));
    }
    if (item.event_id) body.push(correctionTools(item));
    const classes = [item.misunderstood ? "misunderstood" : "", marked ? "marked" : ""].join(" ").trim();
    return el("li", { "data-testid": "item", "data-kind": "customer", "data-event-id": item.event_id, class: classes || null }, ...body);
  }

  function itemOf(item, marked) {
    if (item.kind === "customer") return customerItem(item, marked.has(item.event_id));
    let text;
    if (item.kind === "bot") text = `机器人 ${time(item.at)}：${item.text}`;
    else if (item.kind === "agent") text = `客服 ${item.agent} ${time(item.at)}：${item.text}`;
    else if (item.kind === "marker") text = `${time(item.at)} ${MARKERS[item.marker] || item.marker}`;
    else if (item.kind === "case") text = `${time(item.at)} 售后单 ${item.ref}：${item.to_state || item.event}${item.note ? `（${item.note}）` : ""}`;
    else if (item.kind === "handoff") text = `${time(item.at)} ${SEGMENTS[item.segment] || item.segment}${item.agent ? ` · ${item.agent}` : ""}`;
    else text = "";
    return el("li", { "data-testid": "item", "data-kind": item.kind }, el("p", { class: "turn-text", text }));
  }

  function renderConversation() {
    const view = state.view;
    const head = view.conversation;
    $("t-title").textContent = head.customer ? `${head.customer} ${head.phone || ""}` : head.sender_id;
    $("t-meta").textContent = `${head.channel || ""} · ${time(head.started_at)} · ${head.pickup_point || ""}`;
    $("reveal").hidden = view.revealed;
    clear($("annotations"));
    for (const note of view.annotations) $("annotations").append(annotationItem(note));
    const marked = new Set(view.annotations.filter((a) => a.kind === "wrong_intent").map((a) => a.event_id));
    clear($("transcript"));
    for (const item of view.items) $("transcript").append(itemOf(item, marked));
    $("transcript-panel").hidden = false;
    for (const row of document.querySelectorAll("tr.row")) {
      row.classList.toggle("selected", Number(row.dataset.recordId) === state.recordId);
    }
  }

  async function openConversation(recordId, reveal) {
    try {
      state.view = reveal
        ? await call("POST", `/review/conversations/${recordId}/reveal`, {})
        : await call("GET", `/review/conversations/${recordId}`);
      state.recordId = recordId;
      $("t-message").textContent = reveal ? "已显示完整信息（此操作已记录）" : "";
      renderConversation();
    } catch (error) {
      showError(error.message);
    }
  }

  // ---- downloads ----------------------------------------------------------------

  async function download(path) {
    try {
      const response = await fetch(API + path, { credentials: "same-origin" });
      if (!response.ok) {
        const data = await response.json().catch(() => ({}));
        throw new Error(data.error || "导出没有成功，请稍后再试");
      }
      const disposition = response.headers.get("Content-Disposition") || "";
      const name = (disposition.match(/filename="([^"]+)"/) || [])[1] || "export";
      const url = URL.createObjectURL(await response.blob());
      const link = el("a", { href: url, download: name });
      document.body.append(link);
      link.click();
      link.remove();
      URL.revokeObjectURL(url);
      showError("");
    } catch (error) {
      showError(error.message);
    }
  }

  // ---- start --------------------------------------------------------------------

  async function start() {
    const me = await call("GET", "/me");
    state.csrf = me.csrf_token;
    $("me-name").textContent = me.display_name;
    if (!me.permissions.includes("review_transcripts")) {
      $("forbidden").hidden = false;
      return;
    }
    state.options = await call("GET", "/review/options");
    fillOptions(state.options);
    $("review").hidden = false;
    $("filters").addEventListener("submit", (event) => { event.preventDefault(); load(false); });
    $("more").addEventListener("click", () => load(true));
    $("reveal").addEventListener("click", () => openConversation(state.recordId, true));
    $("add-tag").addEventListener("click", async () => {
      if (await annotate({ kind: "tag", text: $("tag-text").value })) $("tag-text").value = "";
    });
    $("add-note").addEventListener("click", async () => {
      if (await annotate({ kind: "note", text: $("note-text").value })) $("note-text").value = "";
    });
    $("export-csv").addEventListener("click", () => download(`/review/export?format=csv&${query()}`));
    $("export-jsonl").addEventListener("click", () => download(`/review/export?format=jsonl&${query()}`));
    $("export-nlu").addEventListener("click", () => download("/review/nlu-export"));
    $("logout").addEventListener("click", async () => {
      const data = await call("POST", "/logout", {});
      window.location.assign(data.redirect);
    });
    await load(false);
  }

  start().catch((error) => showError(error.message));
})();
