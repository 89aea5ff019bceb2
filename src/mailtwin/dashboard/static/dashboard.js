// mailtwin dashboard: buttons and forms call the control plane's JSON endpoints; the server
// event stream keeps the page current. No framework, no build step.
"use strict";

(() => {
  const body = document.body;
  const API = body.dataset.api;
  const TOKEN_KEY = "mailtwin-token";
  const live = new Set((body.dataset.live || "").split(" ").filter(Boolean));
  const statusBox = document.getElementById("status");
  let toastTimer = 0;

  function announce(text, error = false) {
    statusBox.textContent = text;
    statusBox.classList.toggle("error", error);
    statusBox.classList.add("shown");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => statusBox.classList.remove("shown"), error ? 8000 : 3500);
  }

  // A control token, when the sandbox asks for one: given once, kept for this tab. The cookie
  // carries it on page loads and the event stream, which cannot send headers.
  function authHeaders() {
    const token = sessionStorage.getItem(TOKEN_KEY);
    return token ? { Authorization: `Bearer ${token}` } : {};
  }

  function askToken() {
    const dialog = document.getElementById("token-dialog");
    const form = document.getElementById("token-form");
    const input = document.getElementById("token-input");
    return new Promise((resolve) => {
      const done = (given) => {
        form.removeEventListener("submit", submit);
        document.getElementById("token-cancel").removeEventListener("click", cancel);
        dialog.close();
        resolve(given);
      };
      const submit = (event) => {
        event.preventDefault();
        const token = input.value.trim();
        sessionStorage.setItem(TOKEN_KEY, token);
        document.cookie = `mailtwin_token=${encodeURIComponent(token)}; Path=${API}; SameSite=Strict`;
        done(true);
      };
      const cancel = () => done(false);
      form.addEventListener("submit", submit);
      document.getElementById("token-cancel").addEventListener("click", cancel);
      dialog.showModal();
      input.focus();
    });
  }

  async function call(method, url, payload) {
    const headers = { Accept: "application/json", ...authHeaders() };
    const init = { method, headers, credentials: "same-origin" };
    if (method !== "GET") {
      headers["Content-Type"] = "application/json";
      if (method !== "DELETE" || payload !== undefined) init.body = JSON.stringify(payload ?? {});
    }
    const response = await fetch(url, init);
    if (response.status === 401 && (await askToken())) return call(method, url, payload);
    let data = null;
    try { data = await response.json(); } catch { data = null; }
    if (!response.ok) {
      const problems = (data && data.problems || []).map((p) => p.msg).join("; ");
      throw new Error((data && data.error) || problems || `${response.status} ${response.statusText}`);
    }
    return data;
  }

  function when(iso) {
    return iso && iso.length >= 19 ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : iso || "";
  }

  function summary(data) {
    if (!data) return "Done.";
    const parts = [];
    if (data.now) parts.push(`Clock at ${when(data.now)}${data.frozen === false ? " (running)" : ""}`);
    if (Array.isArray(data.moved)) parts.push(`${data.moved.length} timed move${data.moved.length === 1 ? "" : "s"} fired`);
    if (data.reset !== undefined) parts.push(`Reset ${data.reset} tenant${data.reset === 1 ? "" : "s"}`);
    if (data.name && data.tenants !== undefined) parts.push(`Snapshot ${data.name}: ${data.tenants} tenants`);
    if (data.effect) parts.push(`Fault rule ${data.id} added (${data.effect})`);
    if (data.deleted !== undefined) parts.push(`Deleted ${data.deleted}`);
    if (data.cleared !== undefined) parts.push(`Cleared ${data.cleared} entries`);
    if (data.delivery && data.attempt) parts.push(data.queued === false
      ? `Redelivery of ${data.delivery} dropped: too many deliveries are pending`
      : `Redelivering ${data.delivery} (${data.event}) as attempt ${data.attempt}`);
    if (data.attempted !== undefined) parts.push(`${data.attempted} webhook attempt${data.attempted === 1 ? "" : "s"} made, ${data.pending} waiting`);
    return parts.length ? `${parts.join(" · ")}.` : "Done.";
  }

  // Re-read this page and swap in its live regions (all, or those of `only`: a set of ids),
  // keeping focus where it was.
  let refreshing = null;
  let again = false;
  let wanted = null;
  async function refresh(only = null) {
    wanted = only && wanted !== "all" ? new Set([...(wanted || []), ...only]) : "all";
    if (refreshing) { again = true; return refreshing; }
    refreshing = (async () => {
      do {
        again = false;
        const chosen = wanted;
        wanted = null;
        const response = await fetch(location.href, { headers: authHeaders(), credentials: "same-origin" });
        if (!response.ok) break;
        const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
        for (const region of document.querySelectorAll("[data-region]")) {
          if (chosen !== "all" && !chosen.has(region.id)) continue;
          const replacement = fresh.getElementById(region.id);
          if (!replacement) continue;
          const focused = region.contains(document.activeElement) ? focusKey(document.activeElement) : null;
          region.replaceWith(document.adoptNode(replacement));
          if (focused) refocus(replacement, focused);
        }
        startClock();
      } while (again);
    })();
    try { await refreshing; } finally { refreshing = null; }
  }

  function focusKey(element) {
    if (element.id) return `#${CSS.escape(element.id)}`;
    const callAttr = element.getAttribute("data-call");
    if (callAttr) return `[data-call="${CSS.escape(callAttr)}"]`;
    if (element.hasAttribute("data-next-move")) return "[data-next-move]";
    return null;
  }

  function refocus(region, key) {
    const target = region.querySelector(key);
    if (target) target.focus();
  }

  // At most one re-read every quarter second however fast events come (a busy sandbox sends
  // many), each covering every region asked for meanwhile.
  let pending = 0;
  let soon = null;
  function refreshSoon(only = null) {
    soon = only && soon !== "all" ? new Set([...(soon || []), ...only]) : "all";
    if (pending) return;
    pending = setTimeout(() => {
      const chosen = soon;
      soon = null;
      pending = 0;
      refresh(chosen === "all" ? null : chosen);
    }, 250);
  }

  // Regions that follow some kinds of live events on a page that does not refresh for them.
  function followers(kind) {
    return [...document.querySelectorAll("[data-region][data-follows]")]
      .filter((region) => region.dataset.follows.split(" ").includes(kind)).map((region) => region.id);
  }

  async function run(trigger, action) {
    if (trigger.getAttribute("aria-busy") === "true") return;
    trigger.setAttribute("aria-busy", "true");
    try {
      const result = await action();
      await refresh();
      announce(summary(result));
    } catch (error) {
      announce(error.message, true);
    } finally {
      trigger.removeAttribute("aria-busy");
    }
  }

  function formPayload(form) {
    const payload = {};
    for (const field of form.elements) {
      if (!field.name || field.value.trim() === "") continue;
      const kind = field.dataset.type;
      payload[field.name] = kind === "int" ? parseInt(field.value, 10)
        : kind === "number" ? parseFloat(field.value) : field.value.trim();
    }
    return payload;
  }

  async function nextMove() {
    const upcoming = await call("GET", `${API}/clock/upcoming?limit=1`);
    if (!upcoming.upcoming.length) throw new Error("No timed move is waiting.");
    const due = upcoming.upcoming[0].due;
    const clock = await call("GET", `${API}/clock`);
    if (due > clock.now) return call("PUT", `${API}/clock`, { now: due, frozen: clock.frozen });
    return call("POST", `${API}/clock/advance`, { seconds: 0 });
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-call], button[data-next-move]");
    if (button) {
      if (button.hasAttribute("data-next-move")) { run(button, nextMove); return; }
      const [method, url] = button.dataset.call.split(" ");
      const payload = button.dataset.body ? JSON.parse(button.dataset.body) : undefined;
      run(button, () => call(method, url, payload));
      return;
    }
    const link = event.target.closest("a[data-entry]");
    if (link && document.getElementById("entry") && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      showEntry(link);
    }
  });

  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-call]");
    if (!form) return;
    event.preventDefault();
    const [method, url] = form.dataset.call.split(" ");
    const submitter = event.submitter || form.querySelector("button[type=submit]");
    run(submitter, async () => {
      const result = await call(method, url, formPayload(form));
      form.reset();
      return result;
    });
  });

  async function showEntry(link) {
    const panel = document.getElementById("entry");
    const response = await fetch(`${link.getAttribute("href")}?part=1`, { headers: authHeaders(), credentials: "same-origin" });
    if (!response.ok) { announce("That request is no longer in the journal.", true); return; }
    panel.innerHTML = await response.text();
    for (const row of document.querySelectorAll("#journal-rows tr[aria-current]")) row.removeAttribute("aria-current");
    link.closest("tr").setAttribute("aria-current", "true");
    panel.focus({ preventScroll: true });
    panel.scrollIntoView({ block: "nearest" });
  }

  // Journal: new requests arrive as rows, if they match the filters in use.
  function globMatch(glob, text) {
    const pattern = glob.split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*");
    return new RegExp(`^${pattern}$`).test(text);
  }

  function addRow(entry) {
    const rows = document.getElementById("journal-rows");
    const section = document.getElementById("entries");
    if (!rows || !section) return;
    const f = JSON.parse(section.dataset.filters || "{}");
    if ((f.provider && f.provider !== entry.provider) || (f.tenant && f.tenant !== entry.tenant)
        || (f.method && f.method.toUpperCase() !== entry.method) || (f.status && Number(f.status) !== entry.status)
        || (f.path && !globMatch(f.path, entry.path))) return;
    const row = document.getElementById("journal-row").content.firstElementChild.cloneNode(true);
    row.dataset.seq = entry.seq;
    const cells = row.children;
    cells[0].textContent = entry.seq;
    const time = cells[1].querySelector("time");
    time.dateTime = entry.time;
    time.querySelector(".date").textContent = `${when(entry.time).slice(0, 10)} `;
    time.querySelector(".clock").textContent = when(entry.time).slice(11);
    cells[2].textContent = entry.method;
    const link = cells[3].querySelector("a");
    link.href = `${body.dataset.ui}/journal/${entry.seq}`;
    link.textContent = entry.path + (entry.query ? `?${entry.query}` : "");
    const status = cells[4].querySelector(".status");
    status.className = `status s${entry.status ? Math.floor(entry.status / 100) : 0}`;
    status.textContent = entry.status || "dropped";
    cells[5].textContent = entry.tenant || "";
    row.classList.add("fresh");
    rows.prepend(row);
    while (rows.children.length > 200) rows.lastElementChild.remove();
    const empty = document.getElementById("journal-empty");
    if (empty) empty.remove();
  }

  // A running clock ticks on the page between refreshes.
  let ticking = 0;
  function startClock() {
    clearInterval(ticking);
    const element = document.querySelector("[data-clock]");
    if (!element || element.dataset.frozen === "true") return;
    const start = Date.parse(element.dataset.now);
    const shown = Date.now();
    ticking = setInterval(() => {
      const now = new Date(start + Date.now() - shown).toISOString();
      element.textContent = when(now);
    }, 1000);
  }

  function follow() {
    const state = document.getElementById("live-state");
    const text = state.querySelector(".text");
    const events = new EventSource(`${API}/events`, { withCredentials: true });
    let greeted = false;
    events.addEventListener("hello", () => {
      state.classList.add("on");
      text.textContent = "Live";
      if (greeted) refreshSoon();
      greeted = true;
    });
    events.addEventListener("error", () => {
      state.classList.remove("on");
      text.textContent = "Reconnecting…";
    });
    events.addEventListener("request", (event) => {
      addRow(JSON.parse(event.data));
      if (live.has("request")) refreshSoon();
      else if (followers("request").length) refreshSoon(followers("request"));
    });
    for (const kind of ["move", "control", "event", "webhook"]) {
      events.addEventListener(kind, () => { if (live.has(kind)) refreshSoon(); });
    }
    events.addEventListener("gap", (event) => {
      announce(`Missed ${JSON.parse(event.data).dropped} live events; the page was read again.`);
      refreshSoon();
    });
  }

  startClock();
  follow();
})();
