// form.js is the live behaviour of the generated application forms (runtime/web/form): the
// portal's apply page and the workbench's window form. Every form works without it; with it:
//
// - A form marked data-live="ID" posts itself with _action=refresh shortly after a change and
//   merges the answer's element ID into the page. The merge never replaces, moves or rewrites a
//   control that is already there: what a person typed, the focus and the caret stay exactly
//   as they are, even when they type on while the answer is on its way. Only what the server
//   decides changes: attributes (hidden, disabled, aria-*), messages, the options of a select
//   whose list changed, and the parts that appeared or went away. (Replacing the markup, as
//   htmx's swap did, lost the focus and scrambled a number typed during the swap.)
// - One request at a time; a change during a request sends one more after it, and the older
//   answer is dropped.
// - Enter in a text box refreshes instead of posting the page.
// - One polite live region says which fields appeared or went away and which messages came.
// - A form marked data-autosave saves itself as a draft on the server while the person types:
//   its refresh posts _action=autosave, which also saves, a second and a half after the last
//   key or at once after a change; the draft's number comes back into _draft and the page
//   shows 已自动保存 with the time. When the tab is hidden or closed, what was typed since goes
//   out with sendBeacon.
// - What is typed is kept in the tab's sessionStorage; when a refresh finds the session expired
//   the page says so, and after signing in again the form comes back as it was typed, the
//   lists that depend on a choice (a division's townships and villages) included: a value the
//   page cannot take yet is put back once the refresh has brought its options.
//   data-owner names the account, so that no one else signing in in the same tab sees it.
// - A refused submission's error summary is site.js's.
// - Each answer the server gave counts as use of the session (the "tongban:session" event for
//   site.js's timeout warning).
(() => {
  "use strict";
  const stashPrefix = "tongban-form:";

  document.addEventListener("submit", (e) => {
    if (e.target.matches('form[action$="/logout"]')) {
      for (const k of Object.keys(sessionStorage)) if (k.startsWith(stashPrefix)) sessionStorage.removeItem(k);
    }
  });
  for (const form of document.querySelectorAll("form[data-live]")) live(form);

  function live(form) {
    const liveID = form.dataset.live;
    const skip = (form.dataset.liveSkip || "").split(",").filter(Boolean);
    const stashKey = stashPrefix + new URL(form.action).pathname;
    const status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    form.prepend(status);
    const autosave = "autosave" in form.dataset;
    const saved = autosave ? document.getElementById(form.dataset.autosave) : null;
    // stopped: the session expired or the page is being posted; nothing more is sent.
    let timer = 0, busy = false, again = false, stopped = false, dirty = false, pending = null, rounds = 0;

    restore();
    form.addEventListener("change", (e) => {
      if (e.target.type !== "file") schedule(250);
    });
    form.addEventListener("input", (e) => {
      stash();
      if (autosave && e.target.type !== "file") {
        dirty = true;
        schedule(1500);
      }
    });
    if (autosave) {
      document.addEventListener("visibilitychange", () => {
        if (document.visibilityState === "hidden") beacon();
      });
      window.addEventListener("pagehide", beacon);
    }
    // The page is being posted: no refresh or autosave may race the post (a second draft).
    form.addEventListener("submit", () => {
      clearTimeout(timer);
      dirty = false;
      stopped = true;
    });
    form.addEventListener("change", stash);
    form.addEventListener("submit", stash);
    form.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && e.target.matches("input:not([type=submit], [type=button], [type=reset], [type=image], [type=file])")) {
        e.preventDefault();
        schedule(0);
      }
    });

    function schedule(ms) {
      clearTimeout(timer);
      timer = setTimeout(send, ms);
    }

    async function send() {
      if (stopped) return;
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      form.dataset.busy = "";
      const body = posted();
      dirty = false;
      try {
        const res = await fetch(form.action, {
          method: "POST", credentials: "same-origin",
          body: form.enctype === "multipart/form-data" ? body : new URLSearchParams(body),
        });
        const doc = new DOMParser().parseFromString(await res.text(), "text/html");
        const next = doc.getElementById(liveID);
        if (new URL(res.url).pathname !== new URL(form.action).pathname) {
          sessionExpired(res.url);
        } else if (!next) {
          say("页面未能更新（" + res.status + "），您填写的内容仍在本页，可继续填写或稍后再试。", true);
        } else {
          document.dispatchEvent(new CustomEvent("tongban:session"));
          if (autosave) savedAs(doc);
          if (!again) {
            apply(document.getElementById(liveID), next);
            if (pending) {
              if (putBack() && ++rounds < 5) again = true;
              else pending = null;
            }
          }
        }
      } catch {
        say("网络连接异常，页面未能更新；您填写的内容仍在本页。", true);
      } finally {
        busy = false;
        delete form.dataset.busy;
        if (again) {
          again = false;
          send();
        }
      }
    }

    // posted is what a refresh or an autosave sends: the form without its files.
    function posted() {
      const body = new FormData(form);
      for (const name of skip) body.delete(name);
      body.set("_action", autosave ? "autosave" : "refresh");
      return body;
    }

    // savedAs takes the draft number of an autosave's answer and says when it was saved.
    function savedAs(doc) {
      const number = doc.querySelector("input[name=_draft]");
      if (!number || !number.value) return;
      form.elements._draft.value = number.value;
      if (saved) saved.textContent = "已自动保存（" + new Date().toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit" }) + "，草稿编号 " + number.value + "）";
    }

    // beacon saves what was typed since the last autosave when the tab goes away; the answer
    // is never read.
    function beacon() {
      if (!dirty || stopped) return;
      dirty = false;
      stash();
      navigator.sendBeacon(form.action, posted());
    }

    // apply merges the answer into the page and says what changed.
    function apply(cur, next) {
      const active = document.activeElement;
      let caret = null;
      try {
        caret = [active.selectionStart, active.selectionEnd, active.selectionDirection];
      } catch { /* a control without a caret */ }
      const before = shown(cur), errors = messages(cur);
      merge(cur, next);
      if (active && active.id && document.activeElement !== active) {
        const el = document.getElementById(active.id);
        if (el && !el.disabled) {
          el.focus({ preventScroll: true });
          if (caret && caret[0] !== null) try { el.setSelectionRange(...caret); } catch { /* not a text box */ }
        }
      }
      const after = shown(cur), parts = [];
      const added = [...after].filter(([id]) => !before.has(id)).map(([, l]) => l);
      const gone = [...before].filter(([id]) => !after.has(id)).map(([, l]) => l);
      if (added.length) parts.push("新增：" + added.join("、"));
      if (gone.length) parts.push("已隐藏：" + gone.join("、"));
      for (const [id, text] of messages(cur)) if (errors.get(id) !== text) parts.push(text);
      if (parts.length) say(parts.join("。"));
    }

    function say(text, visible) {
      status.textContent = text;
      status.classList.toggle("visually-hidden", !visible);
      status.classList.toggle("live-warning", !!visible);
    }

    function sessionExpired(loginURL) {
      stopped = true;
      stash();
      const login = new URL(loginURL);
      login.search = "?next=" + encodeURIComponent(location.pathname + location.search);
      status.replaceChildren("登录已过期。您填写的内容已保存在本浏览器中，",
        Object.assign(document.createElement("a"), { href: login.href, textContent: "重新登录" }),
        "后回到本页即可继续填写（已选择的文件需重新选择）。");
      status.classList.remove("visually-hidden");
      status.classList.add("live-warning");
    }

    // stash keeps what is typed (not the files, not the CSRF token) for this tab.
    function stash() {
      const values = [];
      for (const [name, value] of new FormData(form)) {
        if (typeof value === "string" && name !== "_csrf") values.push([name, value]);
      }
      sessionStorage.setItem(stashKey, JSON.stringify({ owner: form.dataset.owner || "", values }));
    }

    // restore puts back what was typed before signing in again; on any other arrival the
    // stash of an earlier visit is dropped.
    function restore() {
      const raw = sessionStorage.getItem(stashKey);
      sessionStorage.removeItem(stashKey);
      if (!raw || !document.referrer.includes("/account/")) return;
      const saved = JSON.parse(raw);
      if (saved.owner !== (form.dataset.owner || "")) return;
      pending = new Map();
      for (const [name, value] of saved.values) pending.set(name, [...(pending.get(name) || []), value]);
      putBack();
      // A notice of its own, not the live region, which the refreshes that follow reuse.
      const notice = Object.assign(document.createElement("p"), { className: "notice", textContent: "已恢复登录过期前填写的内容，请核对后提交。" });
      notice.setAttribute("role", "status");
      form.before(notice);
      schedule(0);
    }

    // putBack sets the controls to the values still pending, by name and in order, and keeps
    // pending what the page cannot take yet: a select without the option, a control that a
    // choice brings. It reports whether a control changed: what depends on it (the villages of
    // a township, the fields a yes shows) then comes with the next refresh.
    function putBack() {
      let changed = false;
      for (const [name, values] of pending) {
        const controls = [...form.elements].filter((c) => c.name === name && c.type !== "file");
        let i = 0, done = controls.length > 0;
        for (const c of controls) {
          if (c.type === "radio" || c.type === "checkbox") {
            const want = values.includes(c.value);
            if (c.checked !== want) [c.checked, changed] = [want, true];
          } else if (i < values.length) {
            const v = values[i++];
            if (c.value === v) continue;
            c.value = v;
            if (c.value === v) changed = true;
            else done = false;
          }
        }
        if (i < values.length) done = false;
        if (done) pending.delete(name);
      }
      if (!pending.size) pending = null;
      return changed;
    }
  }

  // shown lists the labelled parts of the form a person can see, by id.
  function shown(root) {
    const out = new Map();
    for (const el of root.querySelectorAll("[data-announce][id]")) {
      if (!el.closest("[hidden]")) out.set(el.id, el.dataset.announce);
    }
    return out;
  }

  function messages(root) {
    const out = new Map();
    for (const el of root.querySelectorAll(".error[id]")) if (!el.closest("[hidden]")) out.set(el.id, el.textContent);
    return out;
  }

  function isControl(el) {
    return el.matches("input, select, textarea") && el.type !== "hidden";
  }

  // sameKind says whether an element of the page may stand for one of the answer.
  function sameKind(cur, next) {
    return cur.nodeType === next.nodeType &&
      (cur.nodeType !== Node.ELEMENT_NODE || (cur.tagName === next.tagName && cur.id === next.id && cur.getAttribute("type") === next.getAttribute("type")));
  }

  function merge(cur, next) {
    syncAttributes(cur, next);
    if (cur.tagName === "SELECT") syncOptions(cur, next);
    else if (cur.tagName === "INPUT" && cur.type === "hidden") cur.value = next.value;
    // A parsed answer has no scripting, so its <noscript> holds elements the page's holds as text.
    else if (!["INPUT", "TEXTAREA", "NOSCRIPT"].includes(cur.tagName)) mergeChildren(cur, next);
  }

  // A control's own state (value, checked, selected) is the person's: never taken from the answer.
  const ownState = new Set(["value", "checked", "selected"]);
  function syncAttributes(cur, next) {
    const keep = isControl(cur) ? ownState : new Set();
    for (const a of [...cur.attributes]) {
      if (!next.hasAttribute(a.name) && !keep.has(a.name)) cur.removeAttribute(a.name);
    }
    for (const a of next.attributes) {
      if (cur.getAttribute(a.name) !== a.value && !keep.has(a.name)) cur.setAttribute(a.name, a.value);
    }
  }

  // syncOptions takes the answer's options when the list changed (the villages of another
  // township), keeping the person's choice when it is still offered.
  function syncOptions(cur, next) {
    const list = (s) => [...s.options].map((o) => o.value + "\u0000" + o.text).join("\u0001");
    if (list(cur) === list(next)) return;
    const chosen = cur.value;
    cur.replaceChildren(...[...next.children].map((n) => document.importNode(n, true)));
    if ([...cur.options].some((o) => o.value === chosen)) cur.value = chosen;
  }

  // mergeChildren walks both lists of children: an element with an id is matched by it, one
  // without by its place; what the page lacks is added, what the answer lacks is removed.
  function mergeChildren(cur, next) {
    const byID = new Map();
    for (const c of cur.children) if (c.id) byID.set(c.id, c);
    let ref = cur.firstChild;
    for (const n of [...next.childNodes]) {
      let match = null;
      if (n.nodeType === Node.ELEMENT_NODE && n.id) {
        const m = byID.get(n.id);
        if (m && sameKind(m, n)) match = m;
      } else if (ref && sameKind(ref, n)) {
        match = ref;
      }
      if (!match) {
        cur.insertBefore(document.importNode(n, true), ref);
        continue;
      }
      if (match === ref) ref = ref.nextSibling;
      else cur.insertBefore(match, ref);
      if (n.nodeType === Node.ELEMENT_NODE) merge(match, n);
      else if (match.nodeValue !== n.nodeValue) match.nodeValue = n.nodeValue;
    }
    while (ref) {
      const after = ref.nextSibling;
      ref.remove();
      ref = after;
    }
  }
})();
