/* The live building board: buildings as floors × rooms coloured by the latest canvass status. No framework.
 *
 * First paint from board.json, then the WebSocket /ws/proposals/<id>/board/ sends the whole board on connect and
 * after every (coalesced) change. Each board carries a `version` (grows with every visit and ballot); an older
 * one is dropped. The socket reconnects with backoff; after 3 failed connections the page also polls board.json
 * every 10 s. When only statuses changed, the cells are recoloured in place instead of rebuilt (30,000 rooms).
 * Per room the JSON holds [room, status] or [room, status, 1] when the household has voted.
 */
(function () {
  "use strict";

  var BACKOFF = [1000, 2000, 5000, 10000, 20000];
  var POLL_MS = 10000;
  var FAILS_BEFORE_POLLING = 3;
  var ORDER = ["s", "c", "u", "o", "n", "r", "-"];
  var strings = {};

  function readStrings() {
    var el = document.getElementById("board-strings");
    try {
      return el ? JSON.parse(el.textContent) : {};
    } catch (e) {
      return {};
    }
  }

  function esc(text) {
    return String(text === null || text === undefined ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function format(template, values) {
    return String(template || "").replace(/%\((\w+)\)s/g, function (match, key) {
      return values[key] === undefined ? match : String(values[key]);
    });
  }

  function part(root, name) {
    return root.querySelector('[data-part="' + name + '"]');
  }

  function percent(a, b) {
    return b ? Math.round((a * 100) / b) : 0;
  }

  function cellClass(cell) {
    return "cell st-" + (cell[1] || "none") + (cell[2] ? " v" : "");
  }

  function cellTitle(cell) {
    var label = strings.statuses[cell[1] || "-"] || "";
    return cell[0] + " · " + label + (cell[2] ? " · " + strings.voted : "");
  }

  function layoutKey(data) {
    return (data.buildings || [])
      .map(function (b) {
        return b.id + ":" + b.entrances.map(function (e) { return e.id + "/" + e.total + "/" + e.floors.length; }).join(",");
      })
      .join(";");
  }

  function entranceHead(e) {
    return esc(e.label) + " <small>" + esc(strings.visited) + " " + e.visited + "/" + e.total + "</small>";
  }

  function buildingsHtml(data) {
    if (!data.buildings.length) return '<p class="muted">' + esc(strings.empty) + "</p>";
    var out = [];
    data.buildings.forEach(function (b) {
      out.push('<section class="card board-building"><h2>' + esc(b.label) + '</h2><div class="board-entrances">');
      b.entrances.forEach(function (e) {
        out.push('<div class="board-entrance" data-entrance="' + e.id + '"><h3>' + entranceHead(e) + "</h3>");
        out.push('<div class="bar"><i data-width="' + percent(e.visited, e.total) + '"></i></div>');
        e.floors.forEach(function (floor) {
          out.push('<div class="bfloor"><span class="fl">' + esc(format(strings.floor, { n: floor[0] })) + "</span>");
          floor[1].forEach(function (cell) {
            out.push('<span class="' + cellClass(cell) + '" title="' + esc(cellTitle(cell)) + '">' + esc(cell[0]) + "</span>");
          });
          out.push("</div>");
        });
        out.push("</div>");
      });
      out.push("</div></section>");
    });
    return out.join("");
  }

  function recolour(container, data) {
    var cells = container.querySelectorAll(".cell");
    var i = 0;
    data.buildings.forEach(function (b) {
      b.entrances.forEach(function (e) {
        var box = container.querySelector('[data-entrance="' + e.id + '"]');
        if (box) {
          box.querySelector("h3").innerHTML = entranceHead(e);
          box.querySelector(".bar i").style.width = percent(e.visited, e.total) + "%";
        }
        e.floors.forEach(function (floor) {
          floor[1].forEach(function (cell) {
            var el = cells[i++];
            if (!el) return;
            var cls = cellClass(cell);
            if (el.className !== cls) {
              el.className = cls;
              el.title = cellTitle(cell);
            }
          });
        });
      });
    });
  }

  function statsHtml(data) {
    var c = data.counts || {};
    var items = [[strings.visited, c.visited + " / " + c.total]];
    ORDER.slice(0, 6).forEach(function (code) {
      items.push([strings.statuses[code], c[code] || 0]);
    });
    if (data.voting) items.push([strings.voted, c.voted || 0]);
    return items
      .map(function (item) {
        return '<div class="stat"><span>' + esc(item[0]) + "</span><b>" + esc(item[1]) + "</b></div>";
      })
      .join("");
  }

  function canvassersHtml(data) {
    if (!data.canvassers.length) return '<p class="muted">' + esc(strings.no_canvassers) + "</p>";
    var rows = data.canvassers.map(function (c) {
      return (
        "<tr><td>" + esc(c.name) + "</td><td>" + esc((c.areas || []).join("、")) + '</td><td class="num">' +
        (c.visits || 0) + '</td><td class="num">' + (c.households || 0) + '</td><td class="num">' + (c.reached || 0) +
        "</td></tr>"
      );
    });
    return (
      "<table><thead><tr><th>" + esc(strings.name) + "</th><th>" + esc(strings.areas) + '</th><th class="num">' +
      esc(strings.visits) + '</th><th class="num">' + esc(strings.households) + '</th><th class="num">' +
      esc(strings.reached) + "</th></tr></thead><tbody>" + rows.join("") + "</tbody></table>"
    );
  }

  function revisitHtml(data) {
    if (!data.revisit.length) return '<p class="muted">' + esc(strings.none) + "</p>";
    var items = data.revisit.map(function (r) {
      var why = r[1] ? format(strings.follow_up, { date: r[1] }) : strings.nobody_home;
      return "<li><b>" + esc(r[0]) + "</b> · " + esc(why) + "</li>";
    });
    var more = data.revisit_total - data.revisit.length;
    return (
      '<ul class="revisit-list">' + items.join("") + "</ul>" +
      (more > 0 ? '<p class="muted">' + esc(format(strings.more, { n: more })) + "</p>" : "")
    );
  }

  function Board(root) {
    this.root = root;
    this.version = -1;
    this.layout = null;
    this.live = document.getElementById("board-live");
  }

  Board.prototype.render = function (data) {
    if (!data || typeof data.version !== "number" || data.version < this.version) return false;
    this.version = data.version;
    var container = part(this.root, "buildings");
    var key = layoutKey(data);
    if (key === this.layout) recolour(container, data);
    else {
      container.innerHTML = buildingsHtml(data);
      if (window.gongyiWidths) window.gongyiWidths(container); // no inline styles under the CSP: widths are set here
      this.layout = key;
    }
    part(this.root, "stats").innerHTML = statsHtml(data);
    part(this.root, "canvassers").innerHTML = canvassersHtml(data);
    part(this.root, "revisit").innerHTML = revisitHtml(data);
    return true;
  };

  Board.prototype.indicate = function (status) {
    if (!this.live) return;
    this.live.className = "board-live " + status;
    this.live.textContent = strings[status] || "";
  };

  function watch(board) {
    // What was missed while the socket was away: the snapshot on reconnect brings it, board.json meanwhile.
    window.GongyiLive.watch(board, {
      jsonUrl: board.root.getAttribute("data-json"),
      wsPath: board.root.getAttribute("data-ws"),
      backoff: BACKOFF,
      pollMs: POLL_MS,
      failsBeforePolling: FAILS_BEFORE_POLLING,
      fetchFirst: true,
      refetchOnClose: true,
    });
  }

  function setupChooser() {
    var chooser = document.getElementById("board-chooser");
    if (!chooser) return;
    chooser.querySelector("select").addEventListener("change", function () { chooser.submit(); });
  }

  function start() {
    strings = readStrings();
    strings.statuses = strings.statuses || {};
    setupChooser();
    Array.prototype.forEach.call(document.querySelectorAll("[data-board]"), function (root) {
      watch(new Board(root));
    });
  }

  window.GongyiBoard = { Board: Board };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
