// The agent desk page. Vanilla JS, no external requests. Every piece of customer or
// staff text is put on the page with textContent / text nodes, never as HTML.
//
// Stable selectors (for browser tests):
//   #me-name, #me-role, #logout, #sound-toggle, #stream-status, #forbidden
//   queue:        #queue, #queue-count, [data-testid=queue-row][data-ticket-id=ID]
//                 (data-status=waiting|claimed, class "flash" while new)
//   conversation: #conversation, #ticket-customer, #ticket-status, #ticket-reason,
//                 #action-message
//   buttons:      #claim, #unclaim, #handback, #close, #resume (after a failed hand-back)
//   transcript:   #transcript, [data-testid=turn][data-kind=customer|bot|agent|marker]
//                 (data-misunderstood=true on misunderstood customer turns),
//                 photos: img[data-testid=photo]
//   summary:      #summary (photos: img[data-testid=summary-photo];
//                 risk flags for staff: [data-testid=summary-risk] li[data-risk-code])
//   reply:        #reply-text, #send-reply, #reply-error,
//                 [data-testid=quick-reply] (fills #reply-text)
//   cases:        #cases, [data-testid=case][data-case-id=ID][data-case-ref=REF],
//                 inside: #case-ID-approve-amount (blank = full), #case-ID-approve,
//                 #case-ID-reject-reason, #case-ID-reject, #case-ID-coupon-amount,
//                 #case-ID-coupon, #case-ID-resolution (select), #case-ID-change-resolution;
//                 risk flags: [data-testid=case-risk] li[data-risk-code];
//                 #case-message shows the outcome
//   orders:       #orders
//   notes:        #notes, #note-text, #add-note
//   delivery:     #delivery-alert (shown when messages are undeliverable),
//                 #callback-phone (tel: link), #log-call, #undeliverable-list
//   follow-ups:   #follow-ups, #follow-up-count, #follow-up-message,
//                 [data-testid=follow-up][data-follow-up-id=ID] (data-score),
//                 inside: [data-testid=follow-up-comment], [data-testid=follow-up-open]
//                 (opens the handoff it scored), #follow-up-ID-outcome,
//                 #follow-up-ID-done ("标记已回访")
//   manual refunds (待人工退款, act_on_case only): #manual-refund-panel, #manual-refunds,
//                 #manual-refund-count, #manual-refund-message,
//                 [data-testid=manual-refund][data-refund-id=ID] (data-uncertain),
//                 inside: #refund-ID-amount, #refund-ID-note, #refund-ID-paid ("标记已线下退款")
"use strict";

(function () {
  const API = "/console/api";
  const state = {
    me: null,
    csrf: null,
    queue: [],
    knownWaiting: null,
    ticketId: null,
    view: null,
    source: null,
    pendingReply: null,
    undeliverableCount: -1,
    audio: null,
    soundOn: true,
    knownFollowUps: null,
    followUpDrafts: {},
    refundDrafts: {},
  };

  const $ = (id) => document.getElementById(id);
  const { el, clear, time } = window.ConsoleDom;

  // ---- helpers ------------------------------------------------------------------

  function uuid4() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  class DeskError extends Error {
    constructor(message, status, data) {
      super(message);
      this.status = status;
      this.data = data || {};
    }
  }

  async function api(method, path, body) {
    return request(method, API + path, body);
  }

  async function request(method, url, body) {
    const options = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (method !== "GET") {
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRF-Token"] = state.csrf || "";
      options.body = JSON.stringify(body || {});
    }
    let response;
    try {
      response = await fetch(url, options);
    } catch (ignored) {
      throw new DeskError("网络不通，请稍后再试", 0);
    }
    let data = {};
    try {
      data = await response.json();
    } catch (ignored) {
      data = {};
    }
    if (response.status === 401) {
      window.location.assign("/console/login");
      throw new DeskError(data.error || "请先登录", 401, data);
    }
    if (!response.ok) throw new DeskError(data.error || `出错了（${response.status}）`, response.status, data);
    return data;
  }

  function say(node, text, isError) {
    node.textContent = text || "";
    node.classList.toggle("error", Boolean(isError));
  }

  // ---- sound and title cue ------------------------------------------------------

  function chime() {
    if (!state.soundOn || !state.audio) return;
    const ctx = state.audio;
    const now = ctx.currentTime;
    [880, 1320].forEach((frequency, i) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = "sine";
      osc.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, now + i * 0.18);
      gain.gain.exponentialRampToValueAtTime(0.3, now + i * 0.18 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.18 + 0.3);
      osc.connect(gain).connect(ctx.destination);
      osc.start(now + i * 0.18);
      osc.stop(now + i * 0.18 + 0.32);
    });
  }

  // Browsers only let a page play sound after the person has interacted with it, so the
  // audio context starts on the first click or key press (signing in does not count:
  // that was another page).
  function unlockAudio() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!state.audio && Context) state.audio = new Context();
    if (state.audio && state.audio.state === "suspended") state.audio.resume();
  }

  function showSound() {
    const button = $("sound-toggle");
    button.setAttribute("aria-pressed", String(state.soundOn));
    button.textContent = state.soundOn ? "🔔 提示音：开" : "🔕 提示音：关";
  }

  function toggleSound() {
    unlockAudio();
    state.soundOn = !state.soundOn;
    showSound();
    if (state.soundOn) chime();
  }

  function updateTitle(waiting) {
    document.title = waiting > 0 ? `(${waiting}) 售后客服工作台` : "售后客服工作台";
  }

  // ---- queue --------------------------------------------------------------------

  function renderQueue(tickets) {
    const waitingIds = new Set(tickets.filter((t) => t.status === "waiting").map((t) => t.id));
    const fresh = state.knownWaiting === null ? new Set()
      : new Set([...waitingIds].filter((id) => !state.knownWaiting.has(id)));
    state.knownWaiting = waitingIds;
    state.queue = tickets;

    const list = $("queue");
    clear(list);
    for (const t of tickets) {
      const classes = ["queue-row", t.status];
      if (fresh.has(t.id)) classes.push("flash");
      if (t.id === state.ticketId) classes.push("selected");
      if (t.anger >= 0.6) classes.push("angry");
      const who = t.claimed_by ? `${t.claimed_by.name}${t.mine ? "（我）" : ""} 已接手` : "等待接手";
      const row = el("li", {
        class: classes.join(" "), "data-testid": "queue-row", "data-ticket-id": t.id,
        "data-status": t.status, tabindex: "0", role: "button",
      },
      el("div", { class: "row-top" },
        el("strong", { class: "customer", text: t.customer_name }),
        el("span", { class: "badge reason", text: t.reason_label })),
      el("div", { class: "row-bottom muted" },
        el("span", { text: t.product ? t.product : "" }),
        el("span", { text: `优先级 ${t.priority}` }),
        el("span", { text: `怒气 ${Number(t.anger).toFixed(2)}` }),
        el("span", { text: `已等 ${t.waited_minutes} 分钟` }),
        el("span", { class: "who", text: who })));
      row.addEventListener("click", () => openTicket(t.id));
      row.addEventListener("keydown", (e) => { if (e.key === "Enter") openTicket(t.id); });
      list.append(row);
    }
    $("queue-empty").hidden = tickets.length > 0;
    $("queue-count").textContent = String(waitingIds.size);
    updateTitle(waitingIds.size);
    if (fresh.size > 0) chime();

    if (state.view && state.ticketId !== null) {
      const row = tickets.find((t) => t.id === state.ticketId);
      const head = state.view.ticket;
      const changed = row
        ? row.status !== head.status || (row.claimed_by && row.claimed_by.id) !== (head.claimed_by && head.claimed_by.id)
        : head.open;
      if (changed) refreshTicket(false);
    }
  }

  // ---- follow-ups (待回访) ---------------------------------------------------------

  function renderFollowUps(data) {
    const items = (data && data.follow_ups) || [];
    const ids = new Set(items.map((f) => f.id));
    const fresh = state.knownFollowUps === null ? new Set()
      : new Set([...ids].filter((id) => !state.knownFollowUps.has(id)));
    state.knownFollowUps = ids;
    const active = document.activeElement;
    const focused = active && active.dataset ? active.dataset.followUpInput : undefined;
    const canReply = state.me.permissions.includes("reply");
    const list = $("follow-ups");
    clear(list);
    for (const f of items) {
      const where = [f.case_ref ? `售后单 ${f.case_ref}` : null, f.ticket_id ? `人工会话 #${f.ticket_id}` : null]
        .filter((x) => x).join(" · ");
      const item = el("li", {
        class: `follow-up${fresh.has(f.id) ? " flash" : ""}`, "data-testid": "follow-up",
        "data-follow-up-id": f.id, "data-score": f.score,
      },
      el("div", { class: "row-top" },
        el("strong", { class: "customer", text: `${f.customer_name}${f.phone ? ` ${f.phone}` : ""}` }),
        el("span", { class: "badge warn", "data-testid": "follow-up-score", text: `${f.score} 分` })),
      el("div", { class: f.comment ? "comment" : "comment muted", "data-testid": "follow-up-comment",
        text: f.comment ? `“${f.comment}”` : "没有留言" }),
      el("div", { class: "muted", text: [f.subject_label, where, time(f.answered_at || f.created_at)].filter((x) => x).join(" · ") }));
      if (f.ticket_id) {
        const view = el("button", { type: "button", class: "secondary", "data-testid": "follow-up-open", text: "查看那次会话" });
        view.addEventListener("click", () => openTicket(f.ticket_id));
        item.append(view);
      }
      if (canReply) {
        const input = el("input", {
          id: `follow-up-${f.id}-outcome`, "data-testid": "follow-up-outcome", "data-follow-up-input": f.id,
          maxlength: "500", placeholder: "回访结果，如：已电话致歉，顾客接受",
        });
        input.value = state.followUpDrafts[f.id] || "";
        input.addEventListener("input", () => { state.followUpDrafts[f.id] = input.value; });
        input.addEventListener("keydown", (e) => { if (e.key === "Enter") finishFollowUp(f.id); });
        const done = el("button", { id: `follow-up-${f.id}-done`, "data-testid": "follow-up-done", type: "button", text: "标记已回访" });
        done.addEventListener("click", () => finishFollowUp(f.id));
        item.append(el("div", { class: "action-row" }, input, done));
      }
      list.append(item);
    }
    $("follow-ups-empty").hidden = items.length > 0;
    $("follow-up-count").textContent = String(data && data.count !== undefined ? data.count : items.length);
    if (focused !== undefined) {
      const again = $(`follow-up-${focused}-outcome`);
      if (again) {
        again.focus();
        again.setSelectionRange(again.value.length, again.value.length);
      }
    }
  }

  async function refreshFollowUps() {
    try {
      renderFollowUps(await api("GET", "/follow-ups"));
    } catch (error) {
      say($("follow-up-message"), error.message, true);
    }
  }

  async function finishFollowUp(id) {
    const message = $("follow-up-message");
    const input = $(`follow-up-${id}-outcome`);
    const outcome = input ? input.value.trim() : "";
    if (!outcome) {
      say(message, "请先写下回访结果", true);
      return;
    }
    say(message, "处理中…");
    try {
      const result = await api("POST", `/follow-ups/${id}/done`, { outcome });
      delete state.followUpDrafts[id];
      say(message, `已标记回访：${result.follow_up.customer_name}`);
    } catch (error) {
      say(message, error.message, true);
      if (error.status !== 404 && error.status !== 409) return;
    }
    await refreshFollowUps();
  }

  // ---- manual refunds (待人工退款) ------------------------------------------------

  function refundDraft(id) {
    if (!state.refundDrafts[id]) state.refundDrafts[id] = { amount: "", note: "" };
    return state.refundDrafts[id];
  }

  function renderManualRefunds(data) {
    const items = (data && data.refunds) || [];
    const list = $("manual-refunds");
    const active = document.activeElement;
    const focused = active && active.id && active.id.startsWith("refund-") ? active.id : null;
    clear(list);
    for (const r of items) {
      const draft = refundDraft(r.id);
      const item = el("li", {
        class: "follow-up manual-refund", "data-testid": "manual-refund", "data-refund-id": r.id,
        "data-uncertain": r.uncertain ? "true" : "false",
      },
      el("div", { class: "row-top" },
        el("strong", { class: "customer", text: `${r.customer_name}${r.phone ? ` ${r.phone}` : ""}` }),
        el("span", { class: "badge warn", "data-testid": "manual-refund-amount", text: `¥${r.amount}` })),
      el("div", { text: `售后单 ${r.case_ref} · ${r.product} · 订单 ${r.order_no} · 退款单号 ${r.out_refund_no}` }),
      el("div", { class: "muted", "data-testid": "manual-refund-reason",
        text: [r.reason_label, r.failure, r.attempts ? `已尝试 ${r.attempts} 次` : null, time(r.since)].filter((x) => x).join(" · ") }),
      r.warning ? el("div", { class: "error", "data-testid": "manual-refund-warning", text: r.warning }) : null);
      const amount = el("input", {
        id: `refund-${r.id}-amount`, "data-testid": "manual-refund-paid-amount", inputmode: "decimal",
        maxlength: "12", placeholder: `实退金额，如 ${r.amount}`, "aria-label": "实退金额",
      });
      amount.value = draft.amount;
      amount.addEventListener("input", () => { draft.amount = amount.value; });
      const note = el("input", {
        id: `refund-${r.id}-note`, "data-testid": "manual-refund-note", maxlength: "200",
        placeholder: "退款方式和凭证，如：微信转账，流水号…", "aria-label": "退款方式和凭证",
      });
      note.value = draft.note;
      note.addEventListener("input", () => { draft.note = note.value; });
      const paid = el("button", { id: `refund-${r.id}-paid`, "data-testid": "manual-refund-paid", type: "button", text: "标记已线下退款" });
      paid.addEventListener("click", () => markRefundPaid(r.id));
      item.append(el("div", { class: "action-row" }, amount, note, paid));
      list.append(item);
    }
    $("manual-refunds-empty").hidden = items.length > 0;
    $("manual-refund-count").textContent = String(data && data.count !== undefined ? data.count : items.length);
    if (focused && $(focused)) $(focused).focus();
  }

  async function refreshManualRefunds() {
    try {
      renderManualRefunds(await api("GET", "/refunds/manual"));
    } catch (error) {
      say($("manual-refund-message"), error.message, true);
    }
  }

  async function markRefundPaid(id) {
    const message = $("manual-refund-message");
    const draft = refundDraft(id);
    if (!draft.amount.trim() || !draft.note.trim()) {
      say(message, "请填写实退金额和退款凭证", true);
      return;
    }
    say(message, "处理中…");
    try {
      const result = await api("POST", `/refunds/${id}/paid-offline`, { amount: draft.amount.trim(), note: draft.note.trim() });
      delete state.refundDrafts[id];
      say(message, `已标记线下退款：${result.refund.out_refund_no} ¥${result.refund.amount}，会通知顾客`);
    } catch (error) {
      say(message, error.message, true);
    }
    await refreshManualRefunds();
  }

  // ---- event stream -------------------------------------------------------------

  function connect() {
    if (state.source) state.source.close();
    const query = state.ticketId !== null ? `?ticket=${encodeURIComponent(state.ticketId)}` : "";
    const source = new EventSource(`${API}/events${query}`);
    state.source = source;
    source.addEventListener("open", () => {
      say($("stream-status"), "实时更新中");
      refreshFollowUps(); // the stream only tells what changes from now on
    });
    source.addEventListener("queue", (e) => renderQueue(JSON.parse(e.data).tickets));
    source.addEventListener("follow_ups", (e) => renderFollowUps(JSON.parse(e.data)));
    source.addEventListener("transcript", (e) => {
      const data = JSON.parse(e.data);
      if (data.ticket_id === state.ticketId) renderTranscript(data);
    });
    source.addEventListener("delivery", (e) => {
      const data = JSON.parse(e.data);
      if (data.ticket_id === state.ticketId) renderDelivery(data.undeliverable, data.phone);
    });
    source.addEventListener("error", async () => {
      say($("stream-status"), "连接中断，正在重连…", true);
      if (source.readyState === EventSource.CLOSED) {
        try {
          await api("GET", "/me");
          setTimeout(() => { if (state.source === source) connect(); }, 3000);
        } catch (ignored) {
          // api() already went to the login page on 401
        }
      }
    });
  }

  // ---- conversation -------------------------------------------------------------

  async function openTicket(id) {
    state.ticketId = id;
    state.pendingReply = null;
    state.undeliverableCount = -1;
    $("reply-text").value = "";
    say($("reply-error"), "");
    say($("action-message"), "");
    say($("case-message"), "");
    $("resume").hidden = true;
    await refreshTicket(true);
    connect();
    for (const row of document.querySelectorAll("[data-testid=queue-row]")) {
      row.classList.toggle("selected", Number(row.dataset.ticketId) === id);
    }
  }

  async function refreshTicket(withTranscript) {
    const id = state.ticketId;
    let view;
    try {
      view = await api("GET", `/tickets/${id}`);
    } catch (error) {
      say($("action-message"), error.message, true);
      return;
    }
    if (id !== state.ticketId) return;
    state.view = view;
    $("placeholder").hidden = true;
    $("conversation").hidden = false;
    renderHeader(view);
    renderSummary(view);
    renderCases(view);
    renderOrders(view.orders);
    renderNotes(view.notes);
    renderQuickReplies(view.quick_replies);
    renderDelivery(view.undeliverable, view.customer && view.customer.phone);
    if (withTranscript) renderTranscript(view.transcript);
  }

  function holding() {
    return Boolean(state.view && state.view.ticket.mine && state.view.ticket.status === "claimed");
  }

  function renderHeader(view) {
    const t = view.ticket;
    const customer = view.customer;
    $("ticket-customer").textContent = customer
      ? `${customer.name}${customer.nickname ? `（${customer.nickname}）` : ""}`
      : t.customer_name;
    $("ticket-status").textContent = t.claimed_by && t.status === "claimed"
      ? `${t.claimed_by.name}${t.mine ? "（我）" : ""} 已接手` : t.status_label;
    $("ticket-status").dataset.status = t.status;
    $("ticket-reason").textContent = t.reason_label;
    $("ticket-meta").textContent =
      `优先级 ${t.priority} · 怒气 ${Number(t.anger).toFixed(2)} · ${time(t.created_at)} 转人工 · 渠道 ${t.channel || "-"}`;
    $("claim").hidden = t.status !== "waiting";
    const mine = holding();
    $("unclaim").hidden = !mine;
    $("handback").hidden = !mine;
    $("close").hidden = !mine;
    $("reply-text").disabled = !mine;
    $("send-reply").disabled = !mine;
  }

  function line(label, value) {
    if (value === null || value === undefined || value === "") return null;
    return el("div", { class: "kv" }, el("span", { class: "k", text: label }), el("span", { class: "v", text: String(value) }));
  }

  function photo(evidenceId, testid) {
    return el("img", {
      src: `${API}/evidence/${encodeURIComponent(evidenceId)}?ticket=${encodeURIComponent(state.ticketId)}`,
      alt: "顾客上传的照片", class: "photo", "data-testid": testid, loading: "lazy",
    });
  }

  function renderSummary(view) {
    const s = view.summary || {};
    const box = $("summary");
    clear(box);
    const c = s.customer;
    const o = s.order_line;
    const p = s.problem;
    const d = s.decision;
    const k = s.case;
    const lines = [
      line("转人工原因", view.ticket.reason_label),
      c && line("顾客", `${c.name}${c.nickname ? `（${c.nickname}）` : ""} · 手机尾号 ${c.phone_tail} · ${c.pickup_point}`),
      o && line("订单", `${o.product} ${o.quantity}${o.unit} · ¥${o.amount} · ${o.order_no || ""}`),
      p && line("问题", `${p.label}${p.description ? `：${p.description}` : ""}`),
      d && line("政策判断", `${d.eligible ? "符合" : "不符合"} · ${d.text} · 可退 ¥${d.refund_amount}`),
      k && line("售后单", `${k.ref} · ${k.state_label}`),
      line("怒气", s.anger !== undefined ? Number(s.anger).toFixed(2) : null),
    ];
    box.append(...lines.filter((node) => node));
    if (Array.isArray(s.risk) && s.risk.length) {
      box.append(el("div", { class: "k", text: "风控提示（仅供内部审核，不要告诉顾客）" }),
        riskList(s.risk, "summary-risk"));
    }
    if (Array.isArray(s.customer_said) && s.customer_said.length) {
      box.append(el("div", { class: "k", text: "顾客说过" }),
        el("ul", { class: "said" }, ...s.customer_said.map((x) => el("li", { text: x }))));
    }
    if (Array.isArray(s.bot_said) && s.bot_said.length) {
      box.append(el("div", { class: "k", text: "机器人说过" }),
        el("ul", { class: "said" }, ...s.bot_said.map((x) => el("li", { text: x }))));
    }
    if (Array.isArray(s.photos) && s.photos.length) {
      box.append(el("div", { class: "photos" }, ...s.photos.map((id) => photo(id, "summary-photo"))));
    }
  }

  function renderTranscript(data) {
    const list = $("transcript");
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    clear(list);
    if (!data || !data.available) {
      say($("transcript-status"), data ? data.error : "", true);
      return;
    }
    say($("transcript-status"), data.paused ? "机器人已暂停，顾客的消息只有您能看到并回复" : "");
    for (const turn of data.turns) list.append(renderTurn(turn));
    if (nearBottom || list.childElementCount < 30) list.scrollTop = list.scrollHeight;
  }

  function renderTurn(turn) {
    if (turn.kind === "marker") {
      const label = { paused: "—— 已转人工，机器人暂停 ——", resumed: "—— 交还机器人 ——", restarted: "—— 对话重新开始 ——" }[turn.marker] || turn.marker;
      return el("li", { class: "turn marker", "data-testid": "turn", "data-kind": "marker", "data-marker": turn.marker },
        el("span", { text: `${label} ${time(turn.at)}` }));
    }
    const who = { customer: "顾客", bot: "机器人", agent: `客服 ${turn.agent || ""}` }[turn.kind] || turn.kind;
    const meta = [who, time(turn.at)];
    if (turn.kind === "customer" && turn.intent) {
      meta.push(`${turn.intent}${turn.confidence !== null ? ` ${Number(turn.confidence).toFixed(2)}` : ""}`);
    }
    if (turn.kind === "customer" && turn.anger !== null) meta.push(`怒气 ${Number(turn.anger).toFixed(2)}`);
    const item = el("li", {
      class: `turn ${turn.kind}${turn.misunderstood ? " misunderstood" : ""}${turn.anger >= 0.6 ? " angry" : ""}`,
      "data-testid": "turn", "data-kind": turn.kind, "data-misunderstood": turn.misunderstood ? "true" : null,
    },
    el("div", { class: "meta", text: meta.join(" · ") }),
    turn.misunderstood ? el("span", { class: "badge warn", text: "机器人没听懂" }) : null,
    el("div", { class: "text", text: turn.text }));
    if (turn.evidence_id !== null && turn.evidence_id !== undefined) item.append(photo(turn.evidence_id, "photo"));
    if (turn.buttons && turn.buttons.length) {
      item.append(el("div", { class: "buttons" }, ...turn.buttons.map((b) => el("span", { class: "chip", text: b.title }))));
    }
    return item;
  }

  function renderQuickReplies(replies) {
    const box = $("quick-replies");
    clear(box);
    for (const text of replies || []) {
      const chip = el("button", { type: "button", class: "chip", "data-testid": "quick-reply", text });
      chip.addEventListener("click", () => {
        const area = $("reply-text");
        if (area.disabled) return;
        area.value = text;
        area.dispatchEvent(new Event("input"));
        area.focus();
      });
      box.append(chip);
    }
  }

  function renderOrders(orders) {
    const list = $("orders");
    clear(list);
    for (const o of orders || []) {
      list.append(el("li", { "data-testid": "order", "data-line-id": o.line_id },
        el("strong", { text: `${o.product} ${o.quantity}${o.unit}` }),
        el("span", { class: "muted", text: ` ¥${o.amount} · ${o.stage_label} · ${o.order_no}${o.picked_up_at ? ` · 取货 ${time(o.picked_up_at)}` : ""}` })));
    }
    if (!list.childElementCount) list.append(el("li", { class: "muted", text: "没有近期订单" }));
  }

  function renderNotes(notes) {
    const list = $("notes");
    clear(list);
    for (const n of notes || []) {
      list.append(el("li", { "data-testid": "note" },
        el("div", { class: "meta", text: `${n.author} · ${time(n.created_at)}` }),
        el("div", { class: "text", text: n.text })));
    }
    if (!list.childElementCount) list.append(el("li", { class: "muted", text: "还没有备注" }));
  }

  function renderDelivery(undeliverable, phone) {
    const alert = $("delivery-alert");
    const items = undeliverable || [];
    alert.hidden = items.length === 0;
    const list = $("undeliverable-list");
    clear(list);
    for (const m of items) list.append(el("li", { text: m.text || "（非文字消息）" }));
    const link = $("callback-phone");
    link.textContent = phone || "（没有绑定手机号）";
    link.setAttribute("href", phone ? `tel:${phone}` : "#");
    if (state.undeliverableCount >= 0 && items.length > state.undeliverableCount) {
      alert.classList.remove("flash");
      void alert.offsetWidth;
      alert.classList.add("flash");
      chime();
    }
    state.undeliverableCount = items.length;
  }

  // ---- cases --------------------------------------------------------------------

  function renderCases(view) {
    const box = $("cases");
    clear(box);
    const canAct = holding() && state.me.permissions.includes("act_on_case");
    for (const c of view.cases || []) {
      const card = el("article", { class: "case", "data-testid": "case", "data-case-id": c.id, "data-case-ref": c.ref },
        el("div", { class: "row-top" },
          el("strong", { text: c.ref }),
          el("span", { class: "badge", "data-testid": "case-state", text: c.state_label })),
        el("div", { text: `${c.product} ${c.quantity}${c.unit} · ${c.reason_label}` }),
        el("div", { class: "muted", text: `退款 ¥${c.refund_amount}${c.resolution_label ? ` · ${c.resolution_label}` : ""}${Number(c.compensation) > 0 ? ` · 补偿 ¥${c.compensation}` : ""}` }),
        c.decision_text ? el("div", { class: "muted", text: c.decision_text }) : null,
        Array.isArray(c.risk) && c.risk.length ? riskList(c.risk, "case-risk") : null);
      if (canAct) card.append(caseActions(c, view));
      box.append(card);
    }
    if (!box.childElementCount) box.append(el("p", { class: "muted", text: "这位顾客还没有售后单" }));
  }

  // Risk flags with the reviewer's explanation (bot/risk): staff only, never sent on.
  function riskList(items, testid) {
    return el("ul", { class: "said risk", "data-testid": testid },
      ...items.map((r) => el("li", { "data-risk-code": r.code, text: `⚠ ${r.label}：${r.text}` })));
  }

  function caseActions(c, view) {
    const id = c.id;
    const actions = el("div", { class: "case-actions" });
    if (c.decidable) {
      const amount = el("input", { id: `case-${id}-approve-amount`, "data-testid": "approve-amount", inputmode: "decimal", placeholder: `留空 = 全额 ¥${c.refund_amount}` });
      const approve = el("button", { id: `case-${id}-approve`, "data-testid": "approve", type: "button", text: "同意退款" });
      approve.addEventListener("click", () => caseAction(id, "approve", { amount: amount.value.trim() || null }));
      const reason = el("input", { id: `case-${id}-reject-reason`, "data-testid": "reject-reason", maxlength: "200", placeholder: "拒绝原因（会发给顾客）" });
      const reject = el("button", { id: `case-${id}-reject`, "data-testid": "reject", type: "button", class: "danger", text: "拒绝" });
      reject.addEventListener("click", () => caseAction(id, "reject", { reason: reason.value }));
      actions.append(el("div", { class: "action-row" }, amount, approve), el("div", { class: "action-row" }, reason, reject));
    }
    if (c.state !== "cancelled") {
      const amount = el("input", { id: `case-${id}-coupon-amount`, "data-testid": "coupon-amount", inputmode: "decimal", placeholder: "优惠券金额，如 5" });
      const coupon = el("button", { id: `case-${id}-coupon`, "data-testid": "coupon", type: "button", class: "secondary", text: "发优惠券" });
      coupon.addEventListener("click", () => caseAction(id, "coupon", { amount: amount.value.trim() }));
      actions.append(el("div", { class: "action-row" }, amount, coupon));
    }
    if (["submitted", "leader_review", "approved", "refund_pending"].includes(c.state)) {
      const select = el("select", { id: `case-${id}-resolution`, "data-testid": "resolution-select" },
        ...view.resolutions.map((r) => el("option", { value: r.value, selected: r.value === c.resolution, text: r.label })));
      const change = el("button", { id: `case-${id}-change-resolution`, "data-testid": "change-resolution", type: "button", class: "secondary", text: "更改处理方式" });
      change.addEventListener("click", () => caseAction(id, "resolution", { resolution: select.value }));
      actions.append(el("div", { class: "action-row" }, select, change));
    }
    return actions;
  }

  async function caseAction(caseId, action, body) {
    const message = $("case-message");
    say(message, "处理中…");
    try {
      const result = await api("POST", `/cases/${caseId}/${action}`, { ...body, ticket_id: state.ticketId });
      say(message, result.notified ? `已处理并通知顾客：${result.notice}` : result.warning, !result.notified);
      await refreshTicket(false);
    } catch (error) {
      say(message, error.message, true);
    }
  }

  // ---- ticket actions -----------------------------------------------------------

  async function ticketAction(action) {
    const id = state.ticketId;
    const message = $("action-message");
    say(message, "处理中…");
    try {
      await api("POST", `/tickets/${id}/${action}`);
      const done = { claim: "已接手，可以回复顾客了", unclaim: "已放回队列", handback: "已交还机器人，机器人会请顾客评价", close: "会话已结束，机器人会请顾客评价", resume: "已通知顾客" }[action];
      say(message, done);
      $("resume").hidden = true;
    } catch (error) {
      say(message, error.message, true);
      if (error.data.retry) $("resume").hidden = false;
    }
    await refreshTicket(true);
  }

  async function sendReply() {
    const area = $("reply-text");
    const text = area.value.trim();
    const error = $("reply-error");
    if (!text) {
      say(error, "请先输入回复内容", true);
      return;
    }
    if (!state.pendingReply || state.pendingReply.text !== text) {
      state.pendingReply = { text, clientId: uuid4() };
    }
    const button = $("send-reply");
    button.disabled = true;
    say(error, "发送中…");
    try {
      const result = await api("POST", `/tickets/${state.ticketId}/reply`, { text, client_id: state.pendingReply.clientId });
      state.pendingReply = null;
      area.value = "";
      area.dispatchEvent(new Event("input"));
      say(error, result.duplicate ? "这条已经发过了" : "");
      await refreshTicket(true);
    } catch (failure) {
      say(error, failure.message, true);
      if (failure.status >= 400 && failure.status < 500) state.pendingReply = null;
    } finally {
      button.disabled = !holding();
    }
  }

  async function addNote(text) {
    const error = $("note-error");
    try {
      const result = await api("POST", `/tickets/${state.ticketId}/notes`, { text });
      renderNotes(result.notes);
      say(error, "");
      return true;
    } catch (failure) {
      say(error, failure.message, true);
      return false;
    }
  }

  // ---- start --------------------------------------------------------------------

  async function start() {
    $("sound-toggle").addEventListener("click", toggleSound);
    document.addEventListener("pointerdown", unlockAudio, { once: true });
    document.addEventListener("keydown", unlockAudio, { once: true });
    showSound();
    $("logout").addEventListener("click", async () => {
      try {
        await request("POST", "/console/logout");
      } catch (ignored) {
        // signed out either way
      }
      window.location.assign("/console/login");
    });
    for (const action of ["claim", "unclaim", "handback", "close", "resume"]) {
      $(action).addEventListener("click", () => ticketAction(action));
    }
    $("send-reply").addEventListener("click", sendReply);
    $("reply-text").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) sendReply();
    });
    $("reply-text").addEventListener("input", () => {
      $("reply-count").textContent = `${$("reply-text").value.length} / 1000`;
    });
    $("add-note").addEventListener("click", async () => {
      if (await addNote($("note-text").value)) $("note-text").value = "";
    });
    $("log-call").addEventListener("click", () => addNote("已电话联系"));

    state.me = await api("GET", "/me");
    state.csrf = state.me.csrf_token;
    $("me-name").textContent = state.me.display_name;
    $("me-role").textContent = { agent: "客服", lead: "客服主管", leader: "团长", admin: "管理员" }[state.me.role] || state.me.role;
    for (const link of document.querySelectorAll("#console-nav [data-permission]")) {
      link.hidden = !state.me.permissions.includes(link.dataset.permission);
    }
    $("console-nav").hidden = !document.querySelector("#console-nav [data-permission]:not([hidden])");
    if (!state.me.permissions.includes("view_queue")) {
      $("forbidden").hidden = false;
      return;
    }
    try {
      renderQueue((await api("GET", "/queue")).tickets);
    } catch (error) {
      say($("stream-status"), error.message, true);
    }
    connect();
    if (state.me.permissions.includes("act_on_case")) {
      $("manual-refund-panel").hidden = false;
      refreshManualRefunds();
      setInterval(refreshManualRefunds, 20000);
    }
  }

  start();
})();
