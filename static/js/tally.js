/* Live tally: one renderer for the proposal page and the big screen. No framework; ES2017 for old Android Chrome.
 *
 * Every [data-tally] element is filled from the JSON of tally.json / the WebSocket /ws/proposals/<id>/tally/:
 * [data-field="agree.area"] gets that value, [data-check="i"] the i-th threshold check, [data-part=...] the
 * headline, the state and the connection indicator. The words come from the page (<script id="tally-strings">),
 * so the language is the page's. Older versions are dropped; an equal version is shown (closing pushes the same
 * version with the new state). The socket reconnects with backoff and gets a snapshot on every connect; without
 * WebSockets the page polls tally.json every 5 s. While voting is open the headline says what is still needed
 * (neutral); once closed it gives the result, the badge says it is final and nothing reconnects (done()).
 * voting/views/household.py (tally_display, needed_text) renders the same words for the first paint.
 */
(function () {
  "use strict";

  var BACKOFF = [1000, 2000, 5000, 10000];
  var POLL_MS = 5000;
  var FAILS_BEFORE_POLLING = 3; // a proxy that drops WebSockets: poll meanwhile, keep trying the socket
  var strings = {};

  function readStrings() {
    var el = document.getElementById("tally-strings");
    if (!el) return {};
    try {
      return JSON.parse(el.textContent);
    } catch (e) {
      return {};
    }
  }

  function each(list, fn) {
    Array.prototype.forEach.call(list, fn);
  }

  function lookup(obj, path) {
    var parts = path.split(".");
    for (var i = 0; i < parts.length; i++) {
      if (obj === null || obj === undefined) return undefined;
      obj = obj[parts[i]];
    }
    return obj;
  }

  function format(template, values) {
    return String(template || "").replace(/%\((\w+)\)s/g, function (match, key) {
      return values[key] === undefined ? match : String(values[key]);
    });
  }

  // Areas are decimal strings; subtract them in hundredths so no float rounding shows up.
  function cents(text) {
    var s = String(text || "0");
    var negative = s.charAt(0) === "-";
    if (negative) s = s.slice(1);
    var parts = s.split(".");
    var frac = ((parts[1] || "") + "00").slice(0, 2);
    var value = parseInt(parts[0] || "0", 10) * 100 + parseInt(frac, 10);
    return negative ? -value : value;
  }

  function fromCents(value) {
    var negative = value < 0;
    value = Math.abs(value);
    var frac = String(value % 100);
    if (frac.length < 2) frac = "0" + frac;
    return (negative ? "-" : "") + Math.floor(value / 100) + "." + frac;
  }

  // "还需 5 人、433.35 平方米同意即可通过": each the least that passes (voting.engine.Needed); as needed_text().
  function neededText(data) {
    var n = data.needed || {};
    if (data.passed) return strings.needed_none;
    if (n.households === null || n.heads === null || n.area === null) return strings.needed_impossible;
    var amounts = [];
    if (n.households) amounts.push(format(strings.needed_households, { count: n.households }));
    if (n.heads) amounts.push(format(strings.needed_heads, { count: n.heads }));
    if (cents(n.area)) amounts.push(format(strings.needed_area, { area: n.area }));
    return format(strings.needed, { amounts: amounts.join(strings.needed_separator || ", ") });
  }

  function setText(el, text) {
    if (el && el.textContent !== text) el.textContent = text;
  }

  function Tally(root) {
    this.root = root;
    var initial = parseInt(root.getAttribute("data-version"), 10);
    this.version = isNaN(initial) ? -1 : initial;
    this.live = root.querySelector('[data-part="live"]');
    this.closed = root.hasAttribute("data-final");
  }

  // Closed: the result is final, so the live view stops (GongyiLive closes the socket and shows "final").
  Tally.prototype.done = function () {
    return this.closed;
  };

  Tally.prototype.render = function (data) {
    if (!data || typeof data.version !== "number" || data.version < this.version) return false;
    this.version = data.version;
    var root = this.root;
    var closed = data.state === "closed" || data.state === "published";
    var e = data.electorate || {};
    var p = data.participated || {};
    data.not_yet = {
      households: (e.households || 0) - (p.households || 0),
      heads: (e.heads || 0) - (p.heads || 0),
      area: fromCents(cents(e.area) - cents(p.area)),
    };
    each(root.querySelectorAll("[data-field]"), function (el) {
      var value = lookup(data, el.getAttribute("data-field"));
      if (value !== undefined && value !== null) setText(el, String(value));
    });
    var checks = data.checks || [];
    each(root.querySelectorAll("[data-check]"), function (el) {
      var check = checks[parseInt(el.getAttribute("data-check"), 10)];
      if (!check) return;
      var percent = parseFloat(check.percent) || 0;
      setText(el.querySelector('[data-part="percent"]'), check.percent + "%");
      setText(el.querySelector('[data-part="met"]'), check.met ? "✓ " + strings.met : strings.not_met);
      var fill = el.querySelector('[data-part="fill"]');
      if (fill) fill.style.width = Math.max(0, Math.min(100, percent)) + "%";
      el.classList.toggle("met", !!check.met);
    });
    var verdict = root.querySelector('[data-part="verdict"]');
    if (verdict) {
      var text = closed ? strings[data.passed ? "verdict_closed_pass" : "verdict_closed_fail"] : neededText(data);
      setText(verdict, text || "");
      verdict.classList.toggle("open", !closed);
      verdict.classList.toggle("pass", closed && !!data.passed);
      verdict.classList.toggle("fail", closed && !data.passed);
    }
    root.classList.toggle("closed", closed);
    this.closed = closed;
    var state = root.querySelector('[data-part="state"]');
    if (state) {
      setText(state, (strings.states && strings.states[data.state]) || data.state);
      state.className = "tally-state state-" + data.state;
    }
    return true;
  };

  Tally.prototype.indicate = function (status) {
    if (!this.live) return;
    this.live.hidden = false;
    this.live.className = "tally-live " + status;
    setText(this.live, strings[status] || "");
  };

  // How a tally watches its socket (live.js): the proposal's here, the meeting's in meeting-tally.js.
  var WATCH = { backoff: BACKOFF, pollMs: POLL_MS, failsBeforePolling: FAILS_BEFORE_POLLING, pollAtOnce: true };

  function watch(tally) {
    window.GongyiLive.watch(tally, {
      jsonUrl: tally.root.getAttribute("data-json"),
      wsPath: tally.root.getAttribute("data-ws"),
      backoff: WATCH.backoff,
      pollMs: WATCH.pollMs,
      failsBeforePolling: WATCH.failsBeforePolling,
      pollAtOnce: WATCH.pollAtOnce,
    });
  }

  function start() {
    strings = readStrings();
    each(document.querySelectorAll("[data-tally]"), function (root) {
      var tally = new Tally(root);
      if (!tally.done()) watch(tally); // a closed tally was rendered final by the server: nothing to watch
    });
  }

  // Shared with the meeting's tally (meeting-tally.js) and the browser tests.
  window.GongyiTally = {
    Tally: Tally,
    cents: cents,
    fromCents: fromCents,
    readStrings: readStrings,
    each: each,
    lookup: lookup,
    setText: setText,
    WATCH: WATCH,
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
