// The sandbox's demo page: chat with the bot as a resident (private chat) and as an officer
// (police group), side by side. Vanilla JS, no build step. Every text from a message goes into
// the page through textContent / text nodes, never as HTML.
"use strict";

(() => {
  const API = "/sandbox";
  // ?poll=<seconds> shortens the long polls (a headless browser's virtual time waits on them)
  const POLL_SECONDS = fromUrl("poll") !== null ? Math.max(0, fromUrl("poll")) : 25;
  const ANSWER_SECONDS = 15;
  const LISTS_SECONDS = 5;
  const MEMBER_STATUSES = ["creator", "administrator", "member", "restricted"];

  // helpers ------------------------------------------------------------------------------------
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child !== null && child !== undefined && child !== false) node.append(child);
    }
    return node;
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async function api(method, path, body, signal) {
    const options = { method, headers: { Accept: "application/json" }, signal };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const reply = await fetch(API + path, options);
    let data = null;
    try {
      data = await reply.json();
    } catch {
      data = null;
    }
    if (!reply.ok) {
      const error = new Error((data && data.description) || `HTTP ${reply.status}`);
      error.status = reply.status;
      throw error;
    }
    return data;
  }

  function userName(user) {
    if (!user) return "?";
    if (user.is_bot) return user.username ? `🤖 @${user.username}` : `🤖 ${user.first_name}`;
    const name = [user.first_name, user.last_name].filter(Boolean).join(" ");
    return name || (user.username ? `@${user.username}` : String(user.id));
  }

  function chatName(chat) {
    if (!chat) return "?";
    return chat.type === "private" ? userName(chat.user) : chat.title || String(chat.id);
  }

  function summary(message) {
    if (!message) return "(tin nhắn không còn)";
    if (message.deleted) return "(tin nhắn đã bị xoá)";
    if (message.text) return message.text;
    if (message.location) return "📍 Vị trí";
    if (message.photo) return "🖼 Ảnh" + (message.caption ? ` · ${message.caption}` : "");
    if (message.caption) return message.caption;
    return `[${message.kind}]`;
  }

  function clip(text, length) {
    const flat = String(text).replace(/\s+/g, " ").trim();
    return flat.length > length ? flat.slice(0, length - 1) + "…" : flat;
  }

  function timeOf(message) {
    const date = new Date((message.date || 0) * 1000);
    return date.toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit" });
  }

  function wasEdited(message) {
    return (message.edits || []).some(
      (old) =>
        old.text !== message.text ||
        old.caption !== message.caption ||
        JSON.stringify(old.location) !== JSON.stringify(message.location),
    );
  }

  function coordinates(latInput, lonInput) {
    const latitude = Number(latInput.value);
    const longitude = Number(lonInput.value);
    const valid =
      latInput.value.trim() !== "" &&
      lonInput.value.trim() !== "" &&
      Number.isFinite(latitude) &&
      Number.isFinite(longitude) &&
      Math.abs(latitude) <= 90 &&
      Math.abs(longitude) <= 180;
    return valid ? { latitude, longitude } : null;
  }

  // toasts -------------------------------------------------------------------------------------
  function toast(text, kind = "info") {
    const box = document.getElementById("toasts");
    const node = el(
      "div",
      { class: `toast ${kind}`, role: kind === "alert" || kind === "error" ? "alert" : "status" },
      text,
    );
    const close = () => node.remove();
    node.addEventListener("click", close);
    box.append(node);
    setTimeout(close, kind === "alert" || kind === "error" ? 8000 : 3500);
  }

  // one chat pane ------------------------------------------------------------------------------
  class Pane {
    constructor(root, role) {
      this.root = root;
      this.role = role;
      root.append(document.getElementById("pane-template").content.cloneNode(true));
      const find = (selector) => root.querySelector(selector);
      this.title = find(".pane-title");
      this.sub = find(".pane-sub");
      this.status = find(".pane-status");
      this.list = find(".messages");
      this.replying = find(".replying");
      this.replyingText = find(".replying-text");
      this.keyboardBox = find(".keyboard");
      this.keyboardToggle = find(".keyboard-toggle");
      this.composer = find(".composer");
      this.input = this.composer.elements.text;
      this.defaultPlaceholder = this.input.placeholder;
      this.topicLabel = find(".topic");
      this.topicPick = find(".topic-pick");
      this.locationForm = find(".location");
      this.lat = this.locationForm.elements.lat;
      this.lon = this.locationForm.elements.lon;
      this.generation = 0;
      this.controller = null;
      this.reset();

      this.composer.addEventListener("submit", (event) => {
        event.preventDefault();
        this.sendText();
      });
      this.input.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          this.sendText();
        } else if (event.key === "Escape") {
          this.setReply(null);
        }
      });
      this.locationForm.addEventListener("submit", (event) => {
        event.preventDefault();
        this.sendLocation();
      });
      find(".replying-cancel").addEventListener("click", () => this.setReply(null));
      this.keyboardToggle.addEventListener("click", () => {
        this.keyboardClosed = !this.keyboardClosed;
        this.renderKeyboard();
      });
    }

    reset() {
      this.chatId = null;
      this.userId = null;
      this.chat = null;
      this.version = null;
      this.messages = new Map();
      this.nodes = new Map();
      this.keyboard = null;
      this.keyboardMessageId = null;
      this.keyboardClosed = false;
      this.usedOneTime = null;
      this.replyTo = null;
      this.list.replaceChildren();
      this.setReply(null);
      this.renderKeyboard();
      this.setStatus("");
    }

    open(chatId, userId, title, subtitle) {
      this.generation += 1;
      if (this.controller) this.controller.abort();
      this.reset();
      this.title.textContent = title;
      this.sub.textContent = subtitle || "";
      const usable = chatId !== null && userId !== null;
      for (const control of this.root.querySelectorAll("textarea, input, button, select")) {
        if (!control.classList.contains("replying-cancel")) control.disabled = !usable;
      }
      if (!usable) {
        const hint =
          this.role === "officer"
            ? "Chưa có nhóm công an hoặc cán bộ nào trong sandbox. Tạo bằng POST /sandbox/groups " +
              "(hoặc SandboxClient.create_group) rồi bấm ↻."
            : "Chưa có người dân nào trong sandbox. Tạo bằng POST /sandbox/users rồi bấm ↻.";
        this.list.append(el("p", { class: "empty" }, hint));
        return;
      }
      this.chatId = chatId;
      this.userId = userId;
      this.poll(this.generation);
    }

    setStatus(text) {
      this.status.textContent = text;
      this.status.hidden = !text;
    }

    // reading ----------------------------------------------------------------------------------
    async poll(generation) {
      let failures = 0;
      while (generation === this.generation) {
        this.controller = new AbortController();
        const query =
          this.version === null ? "?timeout=0" : `?after=${this.version}&timeout=${POLL_SECONDS}`;
        try {
          const data = await api(
            "GET",
            `/chats/${encodeURIComponent(this.chatId)}/messages${query}`,
            undefined,
            this.controller.signal,
          );
          if (generation !== this.generation) return;
          failures = 0;
          this.setStatus("");
          if (data.changed) this.apply(data);
          this.version = data.version;
        } catch (error) {
          if (generation !== this.generation) return;
          failures += 1;
          this.setStatus(
            error.status === 400 || error.status === 404
              ? `Không tìm thấy cuộc trò chuyện ${this.chatId}`
              : "Mất kết nối với sandbox, đang thử lại…",
          );
          await sleep(Math.min(5000, 500 * failures));
        }
      }
    }

    apply(data) {
      const atBottom =
        this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 60 ||
        this.version === null;
      this.chat = data.chat;
      this.messages = new Map(data.messages.map((m) => [m.message_id, m]));
      this.renderTopics();
      let index = 0;
      for (const message of data.messages) {
        const original = message.reply_to_message_id
          ? this.messages.get(message.reply_to_message_id)
          : null;
        const signature = JSON.stringify([message, original ? summary(original) : null]);
        let entry = this.nodes.get(message.message_id);
        if (!entry || entry.signature !== signature) {
          const node = this.render(message);
          if (entry) entry.node.replaceWith(node);
          entry = { node, signature };
          this.nodes.set(message.message_id, entry);
        }
        const here = this.list.children[index] || null;
        if (here !== entry.node) this.list.insertBefore(entry.node, here);
        index += 1;
      }
      if (this.replyTo !== null) {
        const target = this.messages.get(this.replyTo);
        if (!target || target.deleted) this.setReply(null);
      }
      this.keyboard = data.reply_keyboard;
      if (data.reply_keyboard_message_id !== this.keyboardMessageId) this.keyboardClosed = false;
      this.keyboardMessageId = data.reply_keyboard_message_id;
      this.renderKeyboard();
      if (atBottom) this.list.scrollTop = this.list.scrollHeight;
    }

    renderTopics() {
      const topics = (this.chat && this.chat.topics) || [];
      const forum = Boolean(this.chat && this.chat.is_forum);
      this.topicLabel.hidden = !forum;
      if (!forum) return;
      const chosen = this.topicPick.value;
      this.topicPick.replaceChildren(el("option", { value: "" }, "Chung"));
      for (const topic of topics) {
        this.topicPick.append(
          el("option", { value: topic.message_thread_id }, `# ${topic.name}`),
        );
      }
      this.topicPick.value = [...this.topicPick.options].some((o) => o.value === chosen)
        ? chosen
        : "";
    }

    topicName(threadId) {
      const topic = ((this.chat && this.chat.topics) || []).find(
        (t) => t.message_thread_id === threadId,
      );
      return topic ? topic.name : `#${threadId}`;
    }

    render(message) {
      if (message.kind === "forum_topic_created") {
        const name = (message.forum_topic_created || {}).name || "";
        return el("div", { class: "system" }, `Đã tạo chủ đề “${name}”`);
      }
      const mine = !message.from_bot && message.from && message.from.id === this.userId;
      const side = message.from_bot ? "bot" : mine ? "mine" : "other";
      const node = el("article", {
        class: `msg ${side}${message.deleted ? " deleted" : ""}`,
        tabindex: 0,
        title: message.deleted ? null : "Bấm để trả lời tin nhắn này",
      });
      node.dataset.id = String(message.message_id);
      if (!mine) node.append(el("div", { class: "sender" }, userName(message.from)));
      if (message.is_topic_message && message.message_thread_id) {
        node.append(el("div", { class: "chip" }, `# ${this.topicName(message.message_thread_id)}`));
      }
      if (message.reply_to_message_id) {
        const original = this.messages.get(message.reply_to_message_id);
        node.append(
          el(
            "div",
            {
              class: "quote",
              onclick: (event) => {
                event.stopPropagation();
                this.reveal(message.reply_to_message_id);
              },
            },
            el("b", null, original ? userName(original.from) : "?"),
            el("span", null, clip(summary(original), 90)),
          ),
        );
      }
      if (message.deleted) {
        node.append(el("div", { class: "body gone" }, "🗑 Tin nhắn đã bị xoá"));
      } else {
        node.append(...this.content(message));
        if (message.reply_markup && message.reply_markup.inline_keyboard) {
          node.append(this.inlineKeyboard(message));
        }
      }
      const edited = wasEdited(message);
      const meta = el("div", { class: "meta" });
      if (edited) {
        const earlier = message.edits.map((old) => old.text || old.caption || "").filter(Boolean);
        meta.append(
          el(
            "span",
            { class: "edited", title: earlier.length ? `Trước đó: ${earlier.join(" → ")}` : null },
            "đã sửa",
          ),
        );
      }
      meta.append(el("span", null, timeOf(message)));
      node.append(meta);
      if (!message.deleted) {
        node.addEventListener("click", (event) => {
          if (event.target.closest("button, a, input, select")) return;
          this.setReply(message.message_id);
        });
        node.addEventListener("keydown", (event) => {
          if (event.key === "Enter" && event.target === node) this.setReply(message.message_id);
        });
      }
      return node;
    }

    content(message) {
      const parts = [];
      if (message.forward_origin) {
        const origin = message.forward_origin;
        const who = origin.sender_user ? userName(origin.sender_user) : origin.type;
        parts.push(el("div", { class: "forwarded" }, `↪ Chuyển tiếp từ ${who}`));
      }
      if (message.location) {
        const { latitude, longitude, live_period: live } = message.location;
        const lat = Number(latitude);
        const lon = Number(longitude);
        const where = el(
          "div",
          { class: "body location-body" },
          `📍 ${lat.toFixed(5)}, ${lon.toFixed(5)}${live ? " · trực tiếp" : ""} `,
        );
        if (Number.isFinite(lat) && Number.isFinite(lon)) {
          const href = `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=17/${lat}/${lon}`;
          where.append(
            el("a", { href, target: "_blank", rel: "noopener noreferrer" }, "bản đồ"),
          );
        }
        parts.push(where);
      }
      const media = {
        photo: "🖼 Ảnh",
        video: "🎬 Video",
        voice: "🎤 Tin nhắn thoại",
        audio: "🎵 Âm thanh",
        document: `📄 ${(message.document && message.document.file_name) || "Tệp"}`,
      };
      for (const [key, label] of Object.entries(media)) {
        if (message[key]) parts.push(el("div", { class: "body media" }, label));
      }
      if (message.contact) {
        const contact = message.contact;
        parts.push(
          el("div", { class: "body" }, `👤 ${userName(contact)} · ${contact.phone_number || ""}`),
        );
      }
      if (message.text) parts.push(el("div", { class: "body text" }, message.text));
      if (message.caption) parts.push(el("div", { class: "body text" }, message.caption));
      if (!parts.length) parts.push(el("div", { class: "body gone" }, `[${message.kind}]`));
      return parts;
    }

    inlineKeyboard(message) {
      const box = el("div", { class: "inline-kb" });
      for (const row of message.reply_markup.inline_keyboard) {
        const line = el("div", { class: "kb-row" });
        for (const button of row) {
          if (button.callback_data !== undefined) {
            const node = el("button", { type: "button", class: "ibtn" }, button.text);
            node.addEventListener("click", () => this.press(message, button, node));
            line.append(node);
          } else if (button.url && /^https?:\/\//i.test(button.url)) {
            line.append(
              el(
                "a",
                { class: "ibtn", href: button.url, target: "_blank", rel: "noopener noreferrer" },
                `${button.text} ↗`,
              ),
            );
          } else {
            line.append(
              el(
                "button",
                { type: "button", class: "ibtn", disabled: true, title: "Trang thử chưa hỗ trợ" },
                button.text,
              ),
            );
          }
        }
        box.append(line);
      }
      return box;
    }

    reveal(messageId) {
      const entry = this.nodes.get(messageId);
      if (!entry) return;
      entry.node.scrollIntoView({ block: "center", behavior: "smooth" });
      entry.node.classList.add("flash");
      setTimeout(() => entry.node.classList.remove("flash"), 1200);
    }

    setReply(messageId) {
      this.replyTo = messageId;
      const target = messageId === null ? null : this.messages.get(messageId);
      this.replying.hidden = !target;
      for (const node of this.list.querySelectorAll(".msg.replying-to")) {
        node.classList.remove("replying-to");
      }
      if (!target) {
        this.replyTo = null;
        return;
      }
      this.replyingText.textContent = `${userName(target.from)}: ${clip(summary(target), 80)}`;
      const entry = this.nodes.get(messageId);
      if (entry) entry.node.classList.add("replying-to");
      this.input.focus();
    }

    renderKeyboard() {
      const markup = this.keyboard;
      const hasKeyboard = Boolean(markup && markup.keyboard) && this.chatId !== null;
      const used = this.usedOneTime !== null && this.usedOneTime === this.keyboardMessageId;
      this.keyboardToggle.hidden = !hasKeyboard;
      this.keyboardToggle.classList.toggle("on", hasKeyboard && !used && !this.keyboardClosed);
      this.keyboardBox.replaceChildren();
      this.input.placeholder =
        (hasKeyboard && markup.input_field_placeholder) || this.defaultPlaceholder;
      if (!hasKeyboard || this.keyboardClosed || used) {
        this.keyboardBox.hidden = true;
        return;
      }
      for (const row of markup.keyboard) {
        const line = el("div", { class: "kb-row" });
        for (const raw of row) {
          const button = typeof raw === "string" ? { text: raw } : raw;
          const icon = button.request_location ? "📍 " : button.request_contact ? "👤 " : "";
          line.append(
            el(
              "button",
              {
                type: "button",
                class: `kbtn${button.request_location ? " loc" : ""}`,
                onclick: () => this.pressKey(button, markup),
              },
              icon + button.text,
            ),
          );
        }
        this.keyboardBox.append(line);
      }
      this.keyboardBox.hidden = false;
    }

    // acting -----------------------------------------------------------------------------------
    async send(content) {
      if (this.chatId === null) return false;
      const body = { from: this.userId, ...content };
      const target = this.replyTo === null ? null : this.messages.get(this.replyTo);
      if (target) body.reply_to = target.message_id;
      if (target && target.message_thread_id) body.message_thread_id = target.message_thread_id;
      else if (this.chat && this.chat.is_forum && this.topicPick.value) {
        body.message_thread_id = Number(this.topicPick.value);
      }
      try {
        await api("POST", `/chats/${encodeURIComponent(this.chatId)}/messages`, body);
      } catch (error) {
        toast(`Không gửi được: ${error.message}`, "error");
        return false;
      }
      this.setReply(null);
      return true;
    }

    async sendText() {
      const text = this.input.value;
      if (!text.trim()) return;
      if (await this.send({ text })) this.input.value = "";
      this.input.focus();
    }

    async sendLocation() {
      const location = coordinates(this.lat, this.lon);
      if (!location) {
        toast("Toạ độ không hợp lệ: vĩ độ từ -90 đến 90, kinh độ từ -180 đến 180", "error");
        return false;
      }
      return this.send({ location });
    }

    async pressKey(button, markup) {
      let sent;
      if (button.request_location) sent = await this.sendLocation();
      else if (button.request_contact) {
        const user = this.userFor();
        sent = await this.send({
          contact: {
            phone_number: "+84900000000",
            first_name: (user && user.first_name) || "?",
            user_id: this.userId,
          },
        });
      } else sent = await this.send({ text: button.text });
      if (sent && markup.one_time_keyboard) {
        this.usedOneTime = this.keyboardMessageId;
        this.renderKeyboard();
      }
    }

    userFor() {
      return state.users.find((user) => user.id === this.userId) || null;
    }

    async press(message, button, node) {
      node.disabled = true;
      node.classList.add("pressing");
      try {
        const pressed = await api(
          "POST",
          `/chats/${encodeURIComponent(this.chatId)}/messages/${message.message_id}/press`,
          { from: this.userId, data: button.callback_data },
        );
        const reply = await api(
          "GET",
          `/callbacks/${encodeURIComponent(pressed.callback_query_id)}?timeout=${ANSWER_SECONDS}`,
        );
        if (!reply.answered) toast("Bot chưa trả lời nút bấm", "warn");
        else if (reply.answer && reply.answer.text) {
          toast(reply.answer.text, reply.answer.show_alert ? "alert" : "info");
        }
      } catch (error) {
        toast(`Không bấm được: ${error.message}`, "error");
      } finally {
        node.disabled = false;
        node.classList.remove("pressing");
      }
    }
  }

  // choosing who is who ------------------------------------------------------------------------
  const state = { users: [], chats: [], resident: null, officer: null, group: null };
  const picks = {
    resident: document.getElementById("pick-resident"),
    officer: document.getElementById("pick-officer"),
    group: document.getElementById("pick-group"),
  };
  const panes = {
    resident: new Pane(document.getElementById("pane-resident"), "resident"),
    officer: new Pane(document.getElementById("pane-officer"), "officer"),
  };

  const groups = () => state.chats.filter((chat) => chat.type !== "private");
  const privates = () => state.chats.filter((chat) => chat.type === "private");
  const chatById = (id) => state.chats.find((chat) => chat.id === id) || null;
  const userById = (id) => state.users.find((user) => user.id === id) || null;

  function memberStatus(group, userId) {
    const member = group && group.members.find((m) => m.user.id === userId);
    return member ? member.status : null;
  }

  function defaults() {
    const inGroups = new Set(
      groups().flatMap((group) =>
        group.members.filter((m) => MEMBER_STATUSES.includes(m.status)).map((m) => m.user.id),
      ),
    );
    const residentChat =
      privates().find((chat) => !inGroups.has(chat.id)) || privates()[0] || null;
    const resident = residentChat ? residentChat.id : null;
    const group = groups()[0] || null;
    const members = group
      ? group.members.filter((m) => MEMBER_STATUSES.includes(m.status) && m.user.id !== resident)
      : [];
    const chief = members.find((m) => ["creator", "administrator"].includes(m.status));
    const someone = state.users.find((user) => user.id !== resident);
    const officer = (chief || members[0] || {}).user || someone || null;
    return { resident, officer: officer ? officer.id : null, group: group ? group.id : null };
  }

  function fromUrl(name) {
    const raw = new URLSearchParams(window.location.search).get(name);
    const value = raw === null || raw.trim() === "" ? NaN : Number(raw);
    return Number.isInteger(value) ? value : null;
  }

  function fillPicks() {
    const option = (value, label) => el("option", { value }, label);
    picks.resident.replaceChildren(
      ...privates().map((chat) => option(chat.id, `${chatName(chat)} (${chat.id})`)),
    );
    const group = chatById(state.group);
    picks.officer.replaceChildren(
      ...state.users.map((user) => {
        const status = memberStatus(group, user.id);
        return option(user.id, `${userName(user)} (${user.id})${status ? ` · ${status}` : ""}`);
      }),
    );
    picks.group.replaceChildren(
      ...groups().map((chat) => option(chat.id, `${chatName(chat)} (${chat.id})`)),
    );
    for (const [name, select] of Object.entries(picks)) {
      const value = state[name];
      if (value !== null && ![...select.options].some((o) => Number(o.value) === value)) {
        select.append(option(value, `${value} (không tìm thấy)`));
      }
      if (value === null) select.append(option("", "—"));
      select.value = value === null ? "" : String(value);
    }
  }

  function writeUrl() {
    const params = new URLSearchParams(window.location.search);
    for (const name of ["resident", "officer", "group"]) {
      if (state[name] === null) params.delete(name);
      else params.set(name, String(state[name]));
    }
    history.replaceState(null, "", `${window.location.pathname}?${params}`);
  }

  function openResident() {
    const chat = chatById(state.resident);
    const user = userById(state.resident);
    const name = chat ? chatName(chat) : user ? userName(user) : state.resident;
    panes.resident.open(
      state.resident,
      state.resident,
      "Người dân",
      state.resident === null ? "" : `${name} · trò chuyện riêng với bot`,
    );
  }

  function openOfficer() {
    const group = chatById(state.group);
    const officer = userById(state.officer);
    const status = memberStatus(group, state.officer);
    const who = officer ? userName(officer) : state.officer;
    const role = status ? ` (${status})` : " (chưa là thành viên nhóm)";
    panes.officer.open(
      state.group,
      state.group === null ? null : state.officer,
      `Công an phường${group ? ` · ${chatName(group)}` : ""}`,
      state.officer === null ? "" : `Bạn là: ${who}${role}`,
    );
  }

  async function loadLists() {
    const [users, chats] = await Promise.all([api("GET", "/users"), api("GET", "/chats")]);
    state.users = users.users;
    state.chats = chats.chats;
  }

  async function refresh() {
    try {
      await loadLists();
    } catch (error) {
      toast(`Không đọc được sandbox: ${error.message}`, "error");
      return;
    }
    fillPicks();
  }

  // People and groups created after the page opened appear in the lists by themselves; a
  // missing resident, officer or group is then chosen as on opening.
  function listsSignature() {
    const chats = state.chats.map(({ version, ...chat }) => chat);
    return JSON.stringify([state.users, chats]);
  }

  async function watchLists() {
    let last = listsSignature();
    for (;;) {
      await sleep(LISTS_SECONDS * 1000);
      try {
        await loadLists();
      } catch {
        continue;
      }
      const now = listsSignature();
      if (now === last) continue;
      last = now;
      const chosen = defaults();
      const residentMissing = state.resident === null && chosen.resident !== null;
      const officerMissing =
        (state.group === null && chosen.group !== null) ||
        (state.officer === null && chosen.officer !== null);
      if (residentMissing) state.resident = chosen.resident;
      if (state.group === null) state.group = chosen.group;
      if (state.officer === null) state.officer = chosen.officer;
      if (!Object.values(picks).includes(document.activeElement)) fillPicks();
      if (residentMissing || officerMissing) writeUrl();
      if (residentMissing) openResident();
      if (officerMissing) openOfficer();
    }
  }

  async function start() {
    try {
      await loadLists();
    } catch (error) {
      toast(`Không đọc được sandbox: ${error.message}`, "error");
    }
    const chosen = defaults();
    for (const name of ["resident", "officer", "group"]) {
      const given = fromUrl(name);
      state[name] = given !== null ? given : chosen[name];
    }
    fillPicks();
    writeUrl();
    openResident();
    openOfficer();

    picks.resident.addEventListener("change", () => {
      state.resident = picks.resident.value === "" ? null : Number(picks.resident.value);
      writeUrl();
      openResident();
    });
    picks.officer.addEventListener("change", () => {
      state.officer = picks.officer.value === "" ? null : Number(picks.officer.value);
      writeUrl();
      openOfficer();
    });
    picks.group.addEventListener("change", () => {
      state.group = picks.group.value === "" ? null : Number(picks.group.value);
      fillPicks();
      writeUrl();
      openOfficer();
    });
    document.getElementById("reload").addEventListener("click", async () => {
      await refresh();
      openResident();
      openOfficer();
    });
  }

  start().then(watchLists);
})();
