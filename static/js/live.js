/* Keeping a live view fresh, shared by the tally (tally.js) and the building board (board.js). No framework.
 *
 * GongyiLive.watch(view, options): the WebSocket at options.wsPath sends the whole view on connect and after every
 * change (view.render(data)); it reconnects with backoff, and after options.failsBeforePolling failed connections
 * in a row the page also polls options.jsonUrl every options.pollMs until the socket is back. view.indicate(status)
 * shows "connecting", "live", "polling" or "offline" (refused: 4403, or 403/404 on the JSON).
 * options.fetchFirst: paint from the JSON before connecting; options.refetchOnClose: fetch what was missed while
 * the socket was away; options.pollAtOnce: poll as soon as polling starts.
 * A view whose done() turns true after a render (a closed proposal's tally) is final: the socket is closed and not
 * reconnected, polling stops, and view.indicate("final") replaces "live".
 */
(function () {
  "use strict";

  function socketUrl(path) {
    return (window.location.protocol === "https:" ? "wss://" : "ws://") + window.location.host + path;
  }

  function watch(view, options) {
    var backoff = options.backoff;
    var pollTimer = null;
    var attempt = 0;
    var failsInARow = 0;
    var socketLive = false;
    var socket = null;
    var finished = false;

    function show(data) {
      if (finished) return;
      view.render(data);
      if (view.done && view.done()) finish();
    }

    function finish() {
      finished = true;
      stopPolling();
      if (socket) socket.close(1000);
      view.indicate("final");
    }

    function fetchJson() {
      if (!options.jsonUrl) return Promise.resolve();
      var headers = { Accept: "application/json" };
      return fetch(options.jsonUrl, { credentials: "same-origin", cache: "no-store", headers: headers })
        .then(function (response) {
          if (response.status === 403 || response.status === 404) {
            stopPolling();
            if (!socketLive && !finished) view.indicate("offline");
            return null;
          }
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (data) show(data);
        })
        .catch(function () {});
    }

    function startPolling() {
      if (pollTimer !== null || finished) return;
      view.indicate("polling");
      if (options.pollAtOnce) fetchJson();
      pollTimer = window.setInterval(fetchJson, options.pollMs);
    }

    function stopPolling() {
      if (pollTimer === null) return;
      window.clearInterval(pollTimer);
      pollTimer = null;
    }

    function connect() {
      if (finished) return;
      try {
        socket = new window.WebSocket(socketUrl(options.wsPath));
      } catch (err) {
        startPolling();
        return;
      }
      if (pollTimer === null) view.indicate("connecting");
      socket.onopen = function () {
        if (finished) return;
        attempt = 0;
        failsInARow = 0;
        socketLive = true;
        stopPolling();
        view.indicate("live");
      };
      socket.onmessage = function (event) {
        var data;
        try {
          data = JSON.parse(event.data);
        } catch (err) {
          return; // a malformed message is ignored; the next one carries the whole view
        }
        show(data);
      };
      socket.onclose = function (event) {
        var wasLive = socketLive;
        socketLive = false;
        if (finished) return;
        if (event.code === 4403) {
          // Refused (e.g. logged out): polling would be refused too.
          stopPolling();
          view.indicate("offline");
          return;
        }
        if (!wasLive) failsInARow += 1;
        if (failsInARow >= options.failsBeforePolling) startPolling();
        else if (pollTimer === null) view.indicate("connecting");
        if (options.refetchOnClose) fetchJson();
        var delay = backoff[Math.min(attempt, backoff.length - 1)];
        attempt += 1;
        window.setTimeout(connect, delay);
      };
    }

    function begin() {
      if (options.wsPath && "WebSocket" in window) connect();
      else startPolling();
    }

    if (options.fetchFirst) fetchJson().then(begin);
    else begin();
  }

  window.GongyiLive = { watch: watch };
})();
