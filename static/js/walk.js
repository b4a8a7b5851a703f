/* The walk list on a phone in a stairwell: one tap per room, visits kept on the phone until the server has them.
 *
 * Every recorded visit goes into localStorage first, with an idempotency key made here (crypto.randomUUID() or a
 * fallback), and the room is marked at once. The queue is sent on load, on the browser's "online" event, every
 * 15 s and after each new visit; an item leaves the queue only when the server answered 200/201 (a resend of a
 * visit the server already has returns the same visit and records nothing). A refusal (400/403/404/409) stays in
 * the list with the server's message until the canvasser discards it; a lost session (401) waits for a login.
 * No framework; ES2017 for old Android Chrome. Without JavaScript the form posts normally.
 */
(function () {
  "use strict";

  var RETRY_MS = 15000;
  var STANCE_CODES = { support: "s", oppose: "o", undecided: "u", conditional: "c" };
  var config = {};
  var strings = {};
  var memoryQueue = [];
  var storageOk = true;
  var sending = false;
  var needsLogin = false;

  function readConfig() {
    var el = document.getElementById("walk-config");
    if (!el) return null;
    try {
      return JSON.parse(el.textContent);
    } catch (e) {
      return null;
    }
  }

  function format(template, values) {
    return String(template || "").replace(/%\((\w+)\)s/g, function (match, key) {
      return values[key] === undefined ? match : String(values[key]);
    });
  }

  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) window.crypto.getRandomValues(bytes);
    else for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // --- The queue, kept per account on this phone ---------------------------------------------------------------

  function storageKey() {
    return "gongyi.walk.queue.v1." + config.user;
  }

  function load() {
    if (!storageOk) return memoryQueue;
    try {
      var items = JSON.parse(window.localStorage.getItem(storageKey()) || "[]");
      return Array.isArray(items) ? items : [];
    } catch (e) {
      storageOk = false;
      return memoryQueue;
    }
  }

  function save(items) {
    memoryQueue = items;
    if (!storageOk) return;
    try {
      window.localStorage.setItem(storageKey(), JSON.stringify(items));
    } catch (e) {
      storageOk = false;
    }
  }

  function update(key, change) {
    var items = load();
    for (var i = 0; i < items.length; i++) {
      if (items[i].key === key) {
        if (change === null) items.splice(i, 1);
        else for (var name in change) items[i][name] = change[name];
        break;
      }
    }
    save(items);
  }

  // --- Rooms --------------------------------------------------------------------------------------------------

  function room(householdId) {
    return document.getElementById("h-" + householdId);
  }

  function setStatus(el, status) {
    if (!el) return;
    el.className = el.className.replace(/\bst-\S+/g, "").trim() + " st-" + (status || "none");
  }

  function setPart(el, part, text) {
    if (!el) return;
    var node = el.querySelector('[data-part="' + part + '"]');
    if (!node && part === "badge") {
      node = document.createElement("span");
      node.className = "badge";
      node.setAttribute("data-part", "badge");
      var number = el.querySelector(".room-no");
      if (number && number.nextSibling) el.insertBefore(node, number.nextSibling);
      else el.appendChild(node);
    }
    if (node) node.textContent = text;
  }

  function optimisticStatus(el, payload) {
    if (payload.outcome === "met") return STANCE_CODES[payload.stance] || "u";
    if (payload.outcome === "refused") return "r";
    // Nobody home keeps a stance heard on an earlier visit (as the server does).
    var current = el ? (el.className.match(/\bst-(\w+)/) || [])[1] : "";
    return current && current !== "none" && current !== "r" ? current : "n";
  }

  // The entrance's "visited N of M": a door tapped for the first time (still st-none) is one more visited.
  function countFirstVisit(el) {
    var counter = document.querySelector('[data-part="visited"]');
    if (!counter || !/\bst-none\b/.test(el.className)) return;
    var visited = Number(counter.getAttribute("data-visited")) + 1;
    counter.setAttribute("data-visited", String(visited));
    counter.textContent = format(strings.visited, { visited: visited, total: counter.getAttribute("data-total") });
  }

  function markPending(item) {
    var el = room(item.household);
    if (!el) return;
    countFirstVisit(el);
    var status = optimisticStatus(el, item.payload);
    setStatus(el, status);
    el.classList.add("pending");
    setPart(el, "badge", config.statuses[status] || "");
    setPart(el, "last", item.label + " · " + item.time + " · " + strings.queued);
  }

  function markSent(answer) {
    var el = room(answer.household);
    if (!el) return;
    el.classList.remove("pending");
    setStatus(el, answer.status);
    setPart(el, "badge", answer.badge || "");
    setPart(el, "last", answer.last || "");
  }

  // --- Sending ------------------------------------------------------------------------------------------------

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var input = document.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }

  function sendOne(item) {
    return fetch(item.url, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(item.payload),
    }).then(function (response) {
      var isJson = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      var body = isJson ? response.json() : Promise.resolve(null);
      return body.then(function (data) {
        return { status: response.status, data: data };
      });
    });
  }

  function flush() {
    if (sending) return;
    var items = load().filter(function (item) { return !item.error; });
    if (!items.length) {
      render();
      return;
    }
    sending = true;
    needsLogin = false;
    render();
    var chain = Promise.resolve(true);
    items.forEach(function (item) {
      chain = chain.then(function (goOn) {
        if (!goOn) return false;
        return sendOne(item).then(
          function (result) {
            if ((result.status === 200 || result.status === 201) && result.data && result.data.ok) {
              update(item.key, null);
              markSent(result.data);
              return true;
            }
            if (result.status === 401) {
              needsLogin = true;
              return false;
            }
            if (result.data && result.data.error && [400, 403, 404, 409].indexOf(result.status) >= 0) {
              // Refused for good: nothing was written; the canvasser decides what to do with it.
              update(item.key, { error: result.data.error });
              var el = room(item.household);
              if (el) el.classList.remove("pending");
              return true;
            }
            if (result.status === 403) update(item.key, { hint: strings.reload }); // CSRF: an old page
            return false; // a server error or a proxy page: keep everything, try again later
          },
          function () {
            return false; // no connection
          }
        );
      });
    });
    function done() {
      sending = false;
      render();
    }
    chain.then(done, done);
  }

  function enqueue(payload, code, label) {
    var now = new Date();
    var item = {
      key: payload.idempotency_key,
      url: config.postUrl,
      proposal: config.proposal,
      household: payload.household,
      code: code,
      label: label,
      time: ("0" + now.getHours()).slice(-2) + ":" + ("0" + now.getMinutes()).slice(-2),
      payload: payload,
    };
    var items = load();
    items.push(item);
    save(items);
    markPending(item);
    render();
    flush();
  }

  // --- The "N waiting" box ------------------------------------------------------------------------------------

  function render() {
    var box = document.getElementById("walk-queue");
    if (!box) return;
    var items = load();
    box.hidden = items.length === 0 && storageOk;
    var failed = items.filter(function (item) { return item.error; }).length;
    box.classList.toggle("failed", failed > 0);
    box.querySelector('[data-part="count"]').textContent = items.length ? format(strings.pending, { n: items.length }) : "";
    var state = box.querySelector('[data-part="state"]');
    var hint = items.filter(function (item) { return item.hint; })[0];
    state.textContent = needsLogin
      ? strings.login
      : !storageOk
        ? strings.storage
        : hint
          ? hint.hint
          : sending
            ? strings.sending
            : items.length - failed > 0
              ? strings.waiting
              : "";
    var list = box.querySelector('[data-part="list"]');
    while (list.firstChild) list.removeChild(list.firstChild);
    items.forEach(function (item) {
      var li = document.createElement("li");
      var what = document.createElement("span");
      what.textContent = item.code + " · " + item.label + " · " + item.time;
      li.appendChild(what);
      if (item.error) {
        var err = document.createElement("span");
        err.className = "err";
        err.textContent = strings.failed + ": " + item.error;
        li.appendChild(err);
        li.appendChild(button(strings.retry, function () {
          update(item.key, { error: null });
          markPending(item);
          flush();
        }));
        li.appendChild(button(strings.discard, function () {
          update(item.key, null);
          render();
        }));
      }
      list.appendChild(li);
    });
  }

  function button(text, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "secondary";
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  // --- The record sheet ---------------------------------------------------------------------------------------

  function setupSheet() {
    var sheet = document.getElementById("record");
    var form = document.getElementById("visit-form");
    if (!sheet || !form) return;
    var lastClicked = null;
    var selected = null;

    function open(el) {
      if (selected) selected.classList.remove("selected");
      selected = el;
      el.classList.add("selected");
      form.elements.household.value = el.getAttribute("data-household");
      sheet.querySelector('[data-part="title"]').textContent = el.getAttribute("data-code");
      sheet.querySelector('[data-part="who"]').textContent = el.getAttribute("data-who") || "";
      form.elements.demands.value = "";
      if (form.elements.follow_up_on) form.elements.follow_up_on.value = "";
      Array.prototype.forEach.call(form.querySelectorAll('input[name="tags"]'), function (box) { box.checked = false; });
      sheet.hidden = false;
      document.body.classList.add("sheet-open");
      // For screen readers: say which door the form is about (a focused textarea would pop the keyboard up).
      var title = sheet.querySelector('[data-part="title"]');
      title.setAttribute("tabindex", "-1");
      title.focus();
    }

    function close() {
      sheet.hidden = true;
      document.body.classList.remove("sheet-open");
      if (selected) selected.classList.remove("selected");
      selected = null;
    }

    document.addEventListener("click", function (event) {
      var el = event.target.closest ? event.target.closest("a.room[data-household]") : null;
      if (!el) return;
      event.preventDefault();
      open(el);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !sheet.hidden) close();
    });
    sheet.querySelector('[data-part="close"]').addEventListener("click", function (event) {
      event.preventDefault();
      close();
    });
    Array.prototype.forEach.call(form.querySelectorAll('button[name="result"]'), function (b) {
      b.addEventListener("click", function () { lastClicked = b; });
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var submitter = event.submitter || lastClicked;
      if (!submitter || !form.elements.household.value) return;
      var result = submitter.value;
      var met = STANCE_CODES.hasOwnProperty(result);
      var tags = Array.prototype.filter
        .call(form.querySelectorAll('input[name="tags"]'), function (box) { return box.checked; })
        .map(function (box) { return parseInt(box.value, 10); });
      var payload = {
        household: parseInt(form.elements.household.value, 10),
        outcome: met ? "met" : result,
        stance: met ? result : "",
        demands: form.elements.demands.value,
        tags: tags,
        follow_up_on: (form.elements.follow_up_on && form.elements.follow_up_on.value) || null,
        visited_at: new Date().toISOString(),
        idempotency_key: uuid(),
      };
      enqueue(payload, sheet.querySelector('[data-part="title"]').textContent, submitter.textContent.trim());
      close();
    });
    // Opened by the no-JS link (?household=): keep it open, and let the rest work the JS way.
    if (!sheet.hidden) {
      var preselected = room(form.elements.household.value);
      if (preselected) {
        selected = preselected;
        document.body.classList.add("sheet-open");
      }
    }
  }

  function setupChooser() {
    var chooser = document.getElementById("walk-chooser");
    if (!chooser) return;
    var select = chooser.querySelector("select");
    select.addEventListener("change", function () { chooser.submit(); });
  }

  function start() {
    config = readConfig();
    if (!config) return;
    strings = config.strings || {};
    load().forEach(function (item) {
      if (item.proposal === config.proposal && !item.error) markPending(item);
    });
    setupSheet();
    setupChooser();
    render();
    flush();
    window.addEventListener("online", flush);
    window.setInterval(flush, RETRY_MS);
    var send = document.querySelector('#walk-queue [data-part="send"]');
    if (send) send.addEventListener("click", flush);
  }

  // Exposed for the browser tests of a later issue.
  window.GongyiWalk = { flush: flush, queue: function () { return load(); }, uuid: uuid };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
