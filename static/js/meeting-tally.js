/* A meeting's live tally: the meeting page's tally card and the hall's big screen. No framework; ES2017 for old
 * Android Chrome. Needs live.js (the socket, polling, reconnecting) and tally.js (each matter's part, GongyiTally).
 *
 * The [data-meeting-tally] element is filled from the JSON of /meetings/<id>/tally.json and the one WebSocket
 * /ws/meetings/<id>/: each matter ([data-matter="<proposal id>"] holding voting's tally part) is rendered by
 * GongyiTally.Tally from its entry of "matters"; each election ([data-election]) here: [data-field] from the
 * election, and per candidate ([data-candidate]) [data-c] fields and the standing (elected, tied, alternate,
 * qualified or not). Older versions are dropped; once the meeting is closed the view is final (nothing reconnects).
 * On the big screen (data-cycle="<ms>") one matter or election is shown at a time, the next every <ms>.
 * meetings/live_views.py (tally_context) renders the same for the first paint.
 */
(function () {
  "use strict";

  var shared = window.GongyiTally; // tally.js, loaded first
  var readStrings = shared.readStrings;
  var each = shared.each;
  var lookup = shared.lookup;
  var setText = shared.setText;
  var strings = {};

  function fill(root, attribute, data) {
    each(root.querySelectorAll("[" + attribute + "]"), function (el) {
      var value = lookup(data, el.getAttribute(attribute));
      if (value !== undefined && value !== null) setText(el, String(value));
    });
  }

  function standing(election, candidate) {
    var id = candidate.candidate;
    if ((election.elected || []).indexOf(id) >= 0) return "elected";
    if ((election.tied || []).indexOf(id) >= 0) return "tied";
    if ((election.next || []).indexOf(id) >= 0) return "alternate";
    return "";
  }

  function renderElection(root, election) {
    if (!root) return;
    each(root.querySelectorAll(".election-turnout [data-field]"), function (el) {
      var value = lookup(election, el.getAttribute("data-field"));
      if (value !== undefined && value !== null) setText(el, String(value));
    });
    (election.candidates || []).forEach(function (candidate) {
      var row = root.querySelector('[data-candidate="' + candidate.candidate + '"]');
      if (!row) return;
      fill(row, "data-c", candidate);
      var place = standing(election, candidate);
      var words = place || (candidate.qualified ? "qualified" : "not_qualified");
      setText(row.querySelector('[data-c="standing"]'), strings[words] || "");
      row.classList.toggle("qualified", !!candidate.qualified);
      ["elected", "tied", "alternate"].forEach(function (name) {
        row.classList.toggle("standing-" + name, place === name);
      });
    });
  }

  function MeetingTally(root) {
    var self = this;
    this.root = root;
    var initial = parseInt(root.getAttribute("data-version"), 10);
    this.version = isNaN(initial) ? -1 : initial;
    this.closed = root.hasAttribute("data-final");
    this.live = root.querySelector('[data-part="meeting-live"]');
    this.matters = {};
    each(root.querySelectorAll("[data-matter]"), function (el) {
      var part = el.querySelector("[data-matter-tally]");
      if (part) self.matters[el.getAttribute("data-matter")] = new window.GongyiTally.Tally(part);
    });
    this.elections = {};
    each(root.querySelectorAll("[data-election]"), function (el) {
      self.elections[el.getAttribute("data-election")] = el;
    });
  }

  MeetingTally.prototype.done = function () {
    return this.closed;
  };

  MeetingTally.prototype.render = function (data) {
    var self = this;
    if (!data || typeof data.version !== "number" || data.version < this.version) return false;
    this.version = data.version;
    (data.matters || []).forEach(function (matter) {
      var tally = self.matters[String(matter.proposal)];
      if (tally) tally.render(matter);
    });
    (data.elections || []).forEach(function (election) {
      renderElection(self.elections[String(election.election)], election);
    });
    this.closed = data.state === "closed";
    this.root.classList.toggle("closed", this.closed);
    this.root.setAttribute("data-version", String(data.version));
    return true;
  };

  // One connection badge for the meeting; each matter's own badge only says when its result is final.
  MeetingTally.prototype.indicate = function (status) {
    var self = this;
    if (status === "final") {
      Object.keys(this.matters).forEach(function (key) {
        self.matters[key].indicate(status);
      });
    }
    if (!this.live) return;
    this.live.hidden = false;
    this.live.className = "tally-live " + status;
    setText(this.live, strings[status] || "");
  };

  // The big screen: one slide at a time, the next every `ms`, with dots saying where the cycle is.
  function cycle(root, ms) {
    var slides = root.querySelectorAll("[data-slide]");
    if (slides.length < 2 || !(ms > 0)) return;
    var dots = document.createElement("p");
    dots.className = "slide-dots";
    dots.setAttribute("aria-hidden", "true");
    each(slides, function () {
      dots.appendChild(document.createElement("span"));
    });
    root.appendChild(dots);
    root.classList.add("cycling");
    var current = 0;
    function show(index) {
      each(slides, function (slide, i) {
        slide.classList.toggle("current", i === index);
      });
      each(dots.children, function (dot, i) {
        dot.classList.toggle("current", i === index);
      });
      root.setAttribute("data-current", String(index));
    }
    show(current);
    window.setInterval(function () {
      current = (current + 1) % slides.length;
      show(current);
    }, ms);
  }

  function start() {
    strings = readStrings();
    each(document.querySelectorAll("[data-meeting-tally]"), function (root) {
      var view = new MeetingTally(root);
      cycle(root, parseInt(root.getAttribute("data-cycle"), 10));
      if (view.done()) return; // rendered final by the server: nothing to watch
      var watch = shared.WATCH;
      window.GongyiLive.watch(view, {
        jsonUrl: root.getAttribute("data-json"),
        wsPath: root.getAttribute("data-ws"),
        backoff: watch.backoff,
        pollMs: watch.pollMs,
        failsBeforePolling: watch.failsBeforePolling,
        pollAtOnce: watch.pollAtOnce,
      });
    });
  }

  window.GongyiMeetingTally = { MeetingTally: MeetingTally };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
