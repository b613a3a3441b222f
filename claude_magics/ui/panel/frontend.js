// The chat panel's front end (an anywidget ES module; no build step).
//
// Rules this file keeps:
// - The only HTML it inserts comes from the kernel, which made it from escaped user text or
//   from Markdown sanitized by nh3 (claude_magics/ui/render.py). Streaming splices those
//   strings (append a block; edit the tail: keep its head and end, new text between) and
//   nothing else.
//   Every other string (notices, labels, names, usage) goes in with textContent.
// - The transcript is not a synced trait: on render, a view says "hello" and the kernel
//   sends it a snapshot; after that it receives only changes. Messages that carry a `view`
//   are meant for that view alone (its own draft, its own refusals).
// - Code blocks get a Copy button, and hooks for other extensions to add actions
//   (globalThis.claudeMagics.codeActions, a `claude-magics:code-block` event; see widget.py).

const BUSY_TEXT = {
  panel: "Claude is answering…",
  cell: "Claude is answering in a cell…",
};
const STICK_PX = 48; // "at the bottom" tolerance for auto-scrolling
// A question the kernel has not acknowledged after this long is waiting for something.
const WAIT_MS = 1500;
const WAITING_TEXT = {
  // A kernel without subshells (ipykernel 6) reads the message once the running cell ends.
  queued: "Waiting for the running cell: this kernel reads your question when the cell ends. It is queued once; no need to send it again.",
  slow: "Waiting for the kernel to take your question…",
};

function node(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined && text !== null) element.textContent = text;
  return element;
}

function button(label, className, title) {
  const element = node("button", "cp-button " + (className || ""), label);
  element.type = "button";
  if (title) element.title = title;
  return element;
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (error) {
    // Clipboard API refused (insecure origin, no permission): the old way still works.
    const area = node("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (ignored) {
      ok = false;
    }
    area.remove();
    return ok;
  }
}

function codeOf(box) {
  const code = box.querySelector("code") || box.querySelector("pre");
  return code ? code.textContent : "";
}

// Give each new code block a toolbar with Copy, and announce it for extensions.
function decorateCode(container) {
  for (const box of container.querySelectorAll(".claude-code:not([data-claude-code])")) {
    box.setAttribute("data-claude-code", "");
    const toolbar = node("div", "cp-code-actions");
    const copy = button("Copy", "cp-copy", "Copy this code");
    copy.addEventListener("click", async () => {
      const ok = await copyText(codeOf(box));
      copy.textContent = ok ? "Copied" : "Copy failed";
      setTimeout(() => (copy.textContent = "Copy"), 1500);
    });
    toolbar.appendChild(copy);
    box.prepend(toolbar);
    // Hooks for other front-end code (a lab extension's "insert into notebook"): callbacks
    // in globalThis.claudeMagics.codeActions run for every block, attached or not yet;
    // the bubbling event reaches listeners above the panel once it is in the page.
    const detail = { box, toolbar, code: () => codeOf(box) };
    for (const action of globalThis.claudeMagics?.codeActions ?? []) {
      try {
        action(detail);
      } catch (error) {
        console.warn("claude_magics: a code action failed", error);
      }
    }
    box.dispatchEvent(new CustomEvent("claude-magics:code-block", { bubbles: true, detail }));
  }
}

// A tail edit from the kernel: keep the first `keep` and last `end` UTF-16 units of the
// previous tail, put `tail` between them. Every piece is HTML the kernel rendered.
function spliced(previous, edit) {
  const end = edit.end ? previous.slice(previous.length - edit.end) : "";
  return previous.slice(0, edit.keep) + edit.tail + end;
}

function render({ model, el }) {
  const view = Math.random().toString(36).slice(2) + Date.now().toString(36);
  const live = new Map(); // entry id -> {entry, blocks, tail, tailHTML}
  const byId = new Map(); // entry id -> entry element
  let selected = []; // attachment names chosen for the next message
  let snapshotAsked = false;

  // -- layout --------------------------------------------------------------------------
  const root = node("div", "claude-panel");
  const header = node("div", "cp-header");
  const title = node("div", "cp-title", "Claude");
  const convName = node("span", "cp-conversation");
  title.appendChild(convName);
  // The picker chooses the model of questions asked in this panel only: a click beside the
  // notebook must not change what re-running a %%claude cell sends. It says so in words.
  const modelLabel = node("label", "cp-model-label", "Panel model");
  const modelPicker = node("select", "cp-model");
  modelPicker.title =
    "Model for questions asked in this panel only. %%claude cells use the notebook's default " +
    "(%claude model NAME) or their own -m.";
  modelPicker.setAttribute("aria-label", "Model for questions asked in this panel only");
  modelLabel.appendChild(modelPicker);
  const newButton = button("New conversation", "cp-new", "Forget the history (also for %%claude cells); Undo follows");
  // The agent: panel questions get the EDA tools; code runs only after Approve below.
  const agentLabel = node("label", "cp-agent-label");
  const agentBox = node("input", "cp-agent");
  agentBox.type = "checkbox";
  agentLabel.title =
    "Let Claude list and describe your variables and run Python in this kernel. " +
    "Each piece of code runs only after you press Approve.";
  agentLabel.append(agentBox, node("span", null, "Agent"));
  header.append(title, agentLabel, modelLabel, newButton);

  const log = node("div", "cp-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  const empty = node("div", "cp-empty", "Ask a question below. The cells' %%claude turns appear here too.");
  log.appendChild(empty);

  // Code waiting for approval: the exact code as text (textContent), Approve / Refuse.
  const approvalBox = node("div", "cp-approval");
  approvalBox.setAttribute("role", "alertdialog");
  const approvalTitle = node("div", "cp-approval-title");
  const approvalCode = node("pre", "cp-approval-code");
  const approvalActions = node("div", "cp-approval-actions");
  const approveButton = button("Approve", "cp-approve cp-primary", "Run this code in the kernel");
  const refuseButton = button("Refuse", "cp-refuse", "Do not run it; Claude is told you refused");
  approvalActions.append(approveButton, refuseButton);
  approvalBox.append(approvalTitle, approvalCode, approvalActions);
  approvalBox.hidden = true;

  const status = node("div", "cp-status");
  status.setAttribute("role", "status");

  const composer = node("div", "cp-composer");
  const chips = node("div", "cp-selected");
  const input = node("textarea", "cp-input");
  input.rows = 2;
  input.setAttribute("aria-label", "Message to Claude");
  const actions = node("div", "cp-actions");
  const attachWrap = node("div", "cp-attach");
  const attachButton = button("Attach ▾", "cp-attach-button", "Attach a DataFrame, figure or image from the notebook");
  const attachMenu = node("div", "cp-attach-menu");
  attachMenu.hidden = true;
  attachWrap.append(attachButton, attachMenu);
  const spacer = node("div", "cp-spacer");
  const stopButton = button("Stop", "cp-stop", "Stop the answer (what arrived is kept)");
  const sendButton = button("Send", "cp-send cp-primary", "Send (Enter)");
  actions.append(attachWrap, spacer, stopButton, sendButton);
  composer.append(chips, input, actions);

  const footer = node("div", "cp-footer");
  root.append(header, log, approvalBox, status, composer, footer);
  el.appendChild(root);

  // -- scrolling ---------------------------------------------------------------------------
  const atBottom = () => log.scrollHeight - log.scrollTop - log.clientHeight <= STICK_PX;
  const toBottom = () => {
    log.scrollTop = log.scrollHeight;
  };
  // Follow the stream only if the reader has not scrolled up to read something.
  function keepingScroll(change) {
    const follow = atBottom();
    change();
    if (follow) toBottom();
  }

  // -- entries -------------------------------------------------------------------------------
  function setNote(entry, data) {
    entry.dataset.state = data.state || "done";
    const note = entry.querySelector(":scope > .cp-note");
    note.textContent = data.note || "";
    note.hidden = !data.note;
    const usage = entry.querySelector(":scope > .cp-usage");
    usage.textContent = data.footer || "";
    usage.hidden = !data.footer;
  }

  function addEntry(data) {
    empty.hidden = true;
    const entry = node("div", "cp-entry cp-" + data.role);
    entry.dataset.id = data.id;
    const who = node("div", "cp-who", data.role === "user" ? "You" : "Claude");
    const body = node("div", "cp-body");
    entry.append(who, body, node("div", "cp-note"), node("div", "cp-usage"));
    log.appendChild(entry); // in the page before its code blocks are announced
    byId.set(data.id, entry);
    if (data.role === "assistant") {
      const answer = node("div", "claude-answer mathjax_ignore tex2jax_ignore"); // money is not math
      const blocks = node("div", "cp-blocks");
      const tail = node("div", "cp-tail");
      answer.append(blocks, tail);
      body.appendChild(answer);
      blocks.innerHTML = data.html || ""; // sanitized by the kernel (render.py)
      decorateCode(blocks);
      if (data.state === "streaming") {
        const state = { entry, blocks, tail, tailHTML: data.tail || "" };
        tail.innerHTML = state.tailHTML; // sanitized by the kernel
        live.set(data.id, state);
      }
    } else {
      body.innerHTML = data.html || ""; // escaped by the kernel
    }
    setNote(entry, data);
    return entry;
  }

  function showSnapshot(entries) {
    live.clear();
    byId.clear();
    for (const old of log.querySelectorAll(":scope > .cp-entry")) old.remove();
    empty.hidden = entries.length > 0;
    for (const data of entries) addEntry(data);
    toBottom();
  }

  function askSnapshot() {
    // A change for an answer this view never saw: catch up once, from a full snapshot.
    if (snapshotAsked) return;
    snapshotAsked = true;
    model.send({ type: "hello", view });
  }

  function applyStream(msg) {
    const state = live.get(msg.id);
    if (!state) return askSnapshot();
    keepingScroll(() => {
      if (msg.reset) {
        state.blocks.innerHTML = "";
        state.tailHTML = "";
      }
      if (msg.blocks) {
        state.blocks.insertAdjacentHTML("beforeend", msg.blocks); // sanitized by the kernel
        decorateCode(state.blocks);
      }
      if (msg.keep !== undefined) {
        state.tailHTML = spliced(state.tailHTML, msg);
        state.tail.innerHTML = state.tailHTML; // sanitized by the kernel
      }
    });
  }

  function applyFinish(msg) {
    const state = live.get(msg.id);
    if (!state) return askSnapshot();
    live.delete(msg.id);
    keepingScroll(() => {
      if (msg.keep !== undefined) {
        // The final render extends what is shown: its last part is an edit of the tail.
        const last = spliced(state.tailHTML, msg);
        const joined = last && state.blocks.hasChildNodes() ? "\n" + last : last;
        state.blocks.insertAdjacentHTML("beforeend", joined); // sanitized by the kernel
      } else {
        state.blocks.innerHTML = msg.html || ""; // sanitized by the kernel
      }
      state.tail.innerHTML = "";
      decorateCode(state.blocks);
      setNote(state.entry, msg);
      if (msg.user) {
        const user = byId.get(msg.user.id);
        if (user) user.dataset.state = msg.user.state;
      }
    });
  }

  // -- status line ---------------------------------------------------------------------------
  let noticeTimer = null;
  let sticky = false; // an error or warning on show: the busy line does not replace it
  function showNotice(text, level) {
    clearTimeout(noticeTimer);
    status.replaceChildren(node("span", "cp-status-text", text));
    status.dataset.level = level || "info";
    status.hidden = false;
    // Errors stay until the next action; warnings for a while; information fades.
    sticky = level === "error" || level === "warning";
    if (level === "warning") noticeTimer = setTimeout(unstick, 15000);
    else if (level !== "error") noticeTimer = setTimeout(showBusy, 6000);
  }
  function unstick() {
    sticky = false;
    showBusy();
  }
  function showUndo(text, seconds) {
    // "New conversation" happened at once; Undo brings the history back for a few seconds.
    showNotice(text, "info");
    const undo = button("Undo", "cp-undo", "Bring the previous conversation back");
    undo.addEventListener("click", () => {
      undo.disabled = true;
      model.send({ type: "undo", view });
      showBusy();
    });
    status.appendChild(undo);
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(showBusy, seconds * 1000);
  }
  function showBusy() {
    const busy = model.get("busy");
    stopButton.hidden = !busy;
    root.dataset.busy = busy || "";
    if (sticky) return;
    status.textContent = BUSY_TEXT[busy] || "";
    status.dataset.level = busy ? "busy" : "info";
    status.hidden = !busy;
  }

  // -- composer -------------------------------------------------------------------------------
  function renderChips() {
    chips.replaceChildren();
    for (const name of selected) {
      const chip = node("span", "cp-chip", name);
      const remove = button("×", "cp-chip-remove", "Remove " + name);
      remove.addEventListener("click", () => {
        selected = selected.filter((other) => other !== name);
        renderChips();
        renderAttachMenu();
      });
      chip.appendChild(remove);
      chips.appendChild(chip);
    }
    chips.hidden = selected.length === 0;
  }

  function renderAttachMenu() {
    attachMenu.replaceChildren();
    const items = model.get("attachables") || [];
    if (!items.length) {
      attachMenu.appendChild(node("div", "cp-attach-empty", "No DataFrames, figures or images in the notebook yet."));
      return;
    }
    for (const item of items) {
      const label = node("label", "cp-attach-item");
      const box = node("input");
      box.type = "checkbox";
      box.checked = selected.includes(item.name);
      box.addEventListener("change", () => {
        selected = box.checked ? [...selected, item.name] : selected.filter((n) => n !== item.name);
        renderChips();
      });
      label.append(box, node("span", "cp-attach-name", item.name), node("span", "cp-attach-detail", item.detail));
      attachMenu.appendChild(label);
    }
  }

  function renderModels() {
    const value = model.get("selected_model");
    modelPicker.replaceChildren();
    for (const [choice, label] of model.get("models") || []) {
      const option = node("option", null, label);
      option.value = choice;
      modelPicker.appendChild(option);
    }
    modelPicker.value = value;
  }

  function autosize() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 2, 220) + "px";
  }

  function insertNewline() {
    // Inserted here rather than left to the browser: inside a notebook cell, JupyterLab
    // cancels the line break that Shift+Enter would type (it means "run cell" there).
    // execCommand keeps the box's undo history; setRangeText is the fallback.
    input.focus();
    if (!document.execCommand || !document.execCommand("insertText", false, "\n")) {
      input.setRangeText("\n", input.selectionStart, input.selectionEnd, "end");
    }
    autosize();
  }

  // A question sent and not yet answered with accepted/refused: it is never sent twice.
  let pending = null;
  function settle() {
    if (pending) clearTimeout(pending.timer);
    pending = null;
    root.dataset.waiting = "";
  }
  function showWaiting() {
    root.dataset.waiting = "yes";
    showNotice(model.get("subshells") ? WAITING_TEXT.slow : WAITING_TEXT.queued, "busy");
  }

  function send() {
    const text = input.value;
    if (!text.trim() && !selected.length) return;
    if (pending) return showWaiting();
    showNotice("Sending…", "info");
    pending = { timer: setTimeout(showWaiting, WAIT_MS) };
    model.send({ type: "send", view, text, attachments: selected });
  }

  function restore(text, names) {
    // The question did not make it into the conversation: give it back without losing
    // anything typed since.
    const current = input.value;
    input.value = current.trim() ? text + "\n\n" + current : text;
    selected = [...new Set([...(names || []), ...selected])];
    renderChips();
    renderAttachMenu();
    autosize();
  }

  function renderApproval() {
    const pending = model.get("approval") || {};
    approvalBox.hidden = !pending.id;
    if (!pending.id) return;
    approvalTitle.textContent = "Claude wants to run " + (pending.name || "code") + ":";
    approvalCode.textContent = pending.code || "";
    approveButton.disabled = refuseButton.disabled = false;
    approvalBox.dataset.id = pending.id;
    keepingScroll(() => {});
  }
  function answerApproval(approved) {
    const id = approvalBox.dataset.id;
    if (!id) return;
    approveButton.disabled = refuseButton.disabled = true;
    model.send({ type: "approval", view, id, approved });
  }

  // -- events ---------------------------------------------------------------------------------
  input.placeholder = model.get("placeholder");
  input.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.isComposing) return; // (an IME confirming a word)
    // Keep the notebook's own Enter / Shift+Enter shortcuts out of the box.
    event.stopPropagation();
    event.preventDefault();
    if (event.shiftKey) {
      insertNewline();
    } else {
      send();
    }
  });
  input.addEventListener("input", autosize);
  sendButton.addEventListener("click", send);
  stopButton.addEventListener("click", () => model.send({ type: "stop", view }));
  approveButton.addEventListener("click", () => answerApproval(true));
  refuseButton.addEventListener("click", () => answerApproval(false));
  agentBox.addEventListener("change", () => {
    model.set("agent", agentBox.checked);
    model.save_changes();
  });
  newButton.addEventListener("click", () => model.send({ type: "new", view }));
  modelPicker.addEventListener("change", () => {
    model.set("selected_model", modelPicker.value);
    model.save_changes();
  });
  attachButton.addEventListener("click", () => {
    attachMenu.hidden = !attachMenu.hidden;
    if (!attachMenu.hidden) {
      renderAttachMenu();
      model.send({ type: "refresh", view });
    }
  });
  const closeMenu = (event) => {
    if (!attachWrap.contains(event.target)) attachMenu.hidden = true;
  };
  document.addEventListener("mousedown", closeMenu);

  function onMessage(msg) {
    if (!msg || (msg.view && msg.view !== view)) return;
    switch (msg.type) {
      case "snapshot":
        snapshotAsked = false;
        showSnapshot(msg.entries || []);
        break;
      case "add":
        for (const data of msg.entries) addEntry(data);
        toBottom();
        break;
      case "stream":
        applyStream(msg);
        break;
      case "finish":
        applyFinish(msg);
        break;
      case "accepted":
        if (msg.view === view) {
          // This view's question was taken: its draft is in the conversation now. (A
          // question asked from code or a lab command leaves every draft alone.)
          settle();
          input.value = "";
          selected = [];
          renderChips();
          renderAttachMenu();
          autosize();
        }
        showBusy();
        break;
      case "restore":
        restore(msg.text || "", msg.attachments);
        break;
      case "notice":
        if (msg.view === view && msg.level === "error") settle(); // a refusal answers the send
        showNotice(msg.text || "", msg.level);
        break;
      case "undoable":
        showUndo(msg.text || "", msg.seconds || 8);
        break;
    }
  }

  const onBusy = () => showBusy();
  const onModels = () => renderModels();
  const onAttachables = () => renderAttachMenu();
  const onFooter = () => {
    footer.textContent = model.get("footer");
    footer.hidden = !model.get("footer");
  };
  const onAgent = () => {
    agentBox.checked = !!model.get("agent");
  };
  const onName = () => {
    const name = model.get("conversation_name");
    convName.textContent = name && name !== "default" ? " · " + name : "";
  };
  const listeners = [
    ["msg:custom", onMessage],
    ["change:busy", onBusy],
    ["change:models", onModels],
    ["change:selected_model", onModels],
    ["change:attachables", onAttachables],
    ["change:footer", onFooter],
    ["change:conversation_name", onName],
    ["change:agent", onAgent],
    ["change:approval", renderApproval],
  ];
  for (const [name, handler] of listeners) model.on(name, handler);

  renderModels();
  renderChips();
  showBusy();
  onFooter();
  onName();
  onAgent();
  renderApproval();
  model.send({ type: "hello", view });

  return () => {
    for (const [name, handler] of listeners) model.off(name, handler);
    document.removeEventListener("mousedown", closeMenu);
    clearTimeout(noticeTimer);
    settle();
  };
}

export default { render };
