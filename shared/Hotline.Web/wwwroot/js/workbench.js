// 坐席工作台 (the city's /staff/workbench page): the agent's state buttons, the live queue board and the screen pop (来电弹屏) from the CTI hub,
// with 应答 (answer: the ringing phone goes off hook) and 挂断 (hang up) for the call at the agent's own phone.
// Everything goes through telephony's CTI API with the agent's own cookie; texts come localized from the page.
(function () {
  "use strict";

  var root = document.getElementById("workbench");
  if (!root || !root.dataset.extension) {
    return;
  }

  var extension = root.dataset.extension;
  var text = JSON.parse(document.getElementById("workbench-text").textContent);
  var csrf = document.querySelector('meta[name="csrf-token"]');
  var current = null; // the call shown in the screen pop

  function t(key, fallback) {
    return Object.prototype.hasOwnProperty.call(text, key) ? text[key] : (fallback === undefined ? key : fallback);
  }

  function byId(id) {
    return document.getElementById(id);
  }

  function setText(id, value) {
    byId(id).textContent = value === null || value === undefined || value === "" ? "—" : String(value);
  }

  // As Hotline.SharedKernel.Masking.Phone: 138****1234.
  function maskPhone(phone) {
    if (!phone) {
      return "";
    }
    var p = String(phone).trim();
    if (p.length <= 4) {
      return "*".repeat(p.length);
    }
    if (p.length <= 7) {
      return "*".repeat(p.length - 4) + p.slice(-4);
    }
    return p.slice(0, 3) + "*".repeat(p.length - 7) + p.slice(-4);
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) {
        throw new Error(r.status + " " + r.statusText);
      }
      return r.json();
    });
  }

  // ---- Agent state (示闲/示忙/签出) ----
  function showState(agent) {
    var state = agent ? agent.state : "";
    var label = byId("agent-state");
    label.textContent = agent ? t("State." + state, state) : "—";
    label.dataset.state = state;
    byId("agent-reason").textContent = agent && state === "notReady" && agent.reason ? "(" + t("Reason." + agent.reason, agent.reason) + ")" : "";
    ["state-ready", "state-not-ready", "state-logged-out"].forEach(function (id) {
      var button = byId(id);
      button.setAttribute("aria-pressed", String(button.dataset.state === state));
    });
  }

  function refreshAgent() {
    return getJson(root.dataset.agentsUrl).then(function (agents) {
      showState(agents.filter(function (a) { return a.extension === extension; })[0] || null);
    }).catch(function () { showState(null); });
  }

  function setState(state) {
    var body = { state: state };
    if (state === "notReady") {
      body.reason = byId("not-ready-reason").value;
    }
    var headers = { "Content-Type": "application/json", Accept: "application/json" };
    if (csrf) {
      headers.RequestVerificationToken = csrf.getAttribute("content");
    }
    byId("state-error").textContent = "";
    return fetch(root.dataset.agentsUrl + "/" + encodeURIComponent(extension) + "/state", {
      method: "PUT", credentials: "same-origin", headers: headers, body: JSON.stringify(body)
    }).then(function (r) {
      if (r.ok) {
        return refreshAgent();
      }
      return r.json().catch(function () { return {}; }).then(function (problem) {
        byId("state-error").textContent = t("StateFailed") + (problem.detail || problem.title || r.status);
      });
    });
  }

  ["state-ready", "state-not-ready", "state-logged-out"].forEach(function (id) {
    var button = byId(id);
    button.addEventListener("click", function () { setState(button.dataset.state); });
  });

  // ---- Queue board (队列监控) ----
  function cell(row, value) {
    var td = document.createElement("td");
    td.textContent = String(value);
    row.appendChild(td);
  }

  function refreshQueues() {
    return getJson(root.dataset.queuesUrl).then(function (queues) {
      var rows = byId("queue-rows");
      rows.replaceChildren();
      queues.forEach(function (q) {
        var row = document.createElement("tr");
        row.dataset.queue = q.name;
        var name = document.createElement("th");
        name.scope = "row";
        name.textContent = t("Queue." + q.name, q.name);
        row.appendChild(name);
        cell(row, q.waiting);
        cell(row, q.longestWaitSeconds);
        cell(row, q.answered);
        cell(row, q.answeredWithin15s);
        cell(row, q.abandoned);
        rows.appendChild(row);
      });
      if (queues.length === 0) {
        var empty = document.createElement("tr");
        cell(empty, t("NoQueues"));
        rows.appendChild(empty);
      }
    }).catch(function () { /* the next tick tries again */ });
  }

  var queueRefresh = null;
  function soonRefreshQueues() {
    if (queueRefresh === null) {
      queueRefresh = setTimeout(function () { queueRefresh = null; refreshQueues(); }, 300);
    }
  }

  // ---- Screen pop (来电弹屏) with 应答/挂断 ----
  // The pop follows its call from the hub's events: ringing → talking → ended (or "elsewhere" when the phone stops
  // ringing because another agent took the call or it went back to the queue). After the call it stays, with its
  // intake link, until the agent closes it (wrap-up).
  var talkTimer = null;
  var busy = false;
  var reconcileTimer = null;

  function intakeLink(e, call) {
    var query = new URLSearchParams();
    query.set("phone", e.caller || "");
    query.set("callId", e.callId);
    if (e.ivrPath) {
      query.set("ivr", e.ivrPath);
    }
    if (call && call.recordingId) {
      query.set("recordingId", call.recordingId);
    }
    return root.dataset.intakeUrl + "?" + query.toString();
  }

  function twoDigits(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function showTalkTime() {
    var clock = byId("pop-talk-clock");
    if (!current || current.answeredAt === null) {
      clock.textContent = "—";
      clock.setAttribute("datetime", "PT0S");
      return;
    }
    var seconds = Math.max(0, Math.floor(((current.endedAt || Date.now()) - current.answeredAt) / 1000));
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
    clock.textContent = (h > 0 ? h + ":" + twoDigits(m) : twoDigits(m)) + ":" + twoDigits(s);
    clock.setAttribute("datetime", "PT" + seconds + "S");
  }

  function stopTalkTimer() {
    if (talkTimer !== null) {
      clearInterval(talkTimer);
      talkTimer = null;
    }
  }

  function showControls() {
    var state = current ? current.state : "";
    byId("call-answer").disabled = busy || state !== "ringing";
    byId("call-hangup").disabled = busy || (state !== "ringing" && state !== "talking");
    byId("call-busy").hidden = !busy;
    byId("screen-pop").setAttribute("aria-busy", String(busy));
    var over = state === "ended" || state === "elsewhere";
    byId("pop-close").hidden = !over;
    byId("pop-wrap-up").hidden = state !== "ended" || current.answeredAt === null; // only after a call the agent talked on
  }

  function setCallState(state) {
    if (!current) {
      return;
    }
    current.state = state;
    var label = byId("pop-state");
    label.textContent = t("Call." + state, state);
    label.dataset.state = state;
    if (state === "talking") {
      if (current.answeredAt === null) {
        current.answeredAt = Date.now();
      }
      stopTalkTimer();
      talkTimer = setInterval(showTalkTime, 1000);
    } else if (state === "ended" || state === "elsewhere") {
      if (current.answeredAt !== null && !current.endedAt) {
        current.endedAt = Date.now();
      }
      stopTalkTimer();
    }
    showTalkTime();
    showControls();
  }

  function pop(e) {
    stopTalkTimer();
    current = { callId: e.callId, caller: e.caller, ivrPath: e.ivrPath, state: "", answeredAt: null, endedAt: null };
    setText("pop-caller", maskPhone(e.caller));
    setText("pop-queue", e.queue ? t("Queue." + e.queue, e.queue) : "");
    setText("pop-ivr", e.ivrPath);
    setText("pop-call-id", e.callId);
    byId("call-error").textContent = "";
    var link = byId("pop-intake");
    link.href = intakeLink(e, null);
    link.dataset.callId = e.callId;
    byId("screen-pop").hidden = false;
    byId("screen-pop-announcer").textContent = byId("screen-pop-title").textContent + " " + maskPhone(e.caller);
    getJson(root.dataset.callsUrl).then(function (calls) {
      var call = calls.filter(function (c) { return c.callId === e.callId; })[0];
      if (call && current && current.callId === e.callId) {
        link.href = intakeLink(e, call);
      }
    }).catch(function () { /* the link works without the recording */ });
  }

  function closePop() {
    stopTalkTimer();
    current = null;
    byId("screen-pop").hidden = true;
    byId("call-error").textContent = "";
    byId("pop-state").dataset.state = "";
  }

  function isCurrent(e) {
    return current !== null && e.callId === current.callId;
  }

  function onCallEvent(e) {
    if (e.type === "ringing" && e.agent === extension) {
      if (!isCurrent(e)) {
        pop(e);
      }
      if (current.state === "" || current.state === "elsewhere") {
        setCallState("ringing"); // (again, when the call comes back from the queue to this phone)
      }
    } else if (e.type === "answered" && e.agent === extension) {
      if (!isCurrent(e)) {
        pop(e);
      }
      setCallState("talking");
    } else if (e.type === "answered" && isCurrent(e) && current.state === "ringing") {
      setCallState("elsewhere"); // another agent's phone took it
    } else if (e.type === "agentLegCancelled" && e.agent === extension && isCurrent(e) && current.state === "ringing") {
      setCallState("elsewhere"); // ring timeout (back to the queue), or the caller gave up (the "ended" follows)
    } else if (e.type === "ended" && isCurrent(e)) {
      setCallState("ended"); // the pop stays: the agent may file the case after hanging up
    } else if (e.type === "remoteAnswer" && e.agent === extension && isCurrent(e) && e.state !== "200") {
      showCallError("phoneRefused");
    } else if (e.type === "agentState" && e.agent === extension && current !== null && current.state === "ringing") {
      reconcile(current.callId, 300); // e.g. the phone declined the call (486): it is back in the queue
    }
    if (e.agent === extension || e.type === "agentState") {
      refreshAgent();
    }
    soonRefreshQueues();
  }

  function showCallError(code, detail) {
    var known = Object.prototype.hasOwnProperty.call(text, "CallError." + code);
    byId("call-error").textContent = t("CallFailed") + (known ? text["CallError." + code] : (detail || code));
  }

  // Asks the calls list where the pop's call is, when the hub's events cannot say: a command's effect whose event did
  // not come (connection dropped), or the phone refusing the offer (the call goes back to the queue; only the agent's
  // state changes).
  function reconcile(callId, delay) {
    clearTimeout(reconcileTimer);
    reconcileTimer = setTimeout(function () {
      getJson(root.dataset.callsUrl).then(function (calls) {
        if (!current || current.callId !== callId) {
          return;
        }
        var call = calls.filter(function (c) { return c.callId === callId; })[0];
        if (!call) {
          setCallState("ended");
        } else if (call.state === "talking" && call.agent === extension && current.state === "ringing") {
          setCallState("talking");
        } else if (call.state !== "ringing" && call.state !== "talking" && current.state === "ringing") {
          setCallState("elsewhere");
        }
      }).catch(function () { /* the hub's events still count */ });
    }, delay);
  }

  function command(action) {
    if (!current || busy) {
      return;
    }
    var callId = current.callId;
    var headers = { Accept: "application/json" };
    if (csrf) {
      headers.RequestVerificationToken = csrf.getAttribute("content");
    }
    busy = true;
    byId("call-error").textContent = "";
    showControls();
    fetch(root.dataset.callCommandUrl + encodeURIComponent(callId) + "/" + action, {
      method: "POST", credentials: "same-origin", headers: headers
    }).then(function (r) {
      if (r.ok) {
        reconcile(callId, 3000);
        return null;
      }
      if (r.status === 401) {
        return showCallError("signedOut");
      }
      return r.json().catch(function () { return {}; }).then(function (problem) {
        showCallError(problem.code || String(r.status), problem.detail || problem.title || String(r.status));
        if (problem.code === "cti.call_not_found" && current && current.callId === callId) {
          setCallState("ended");
        } else if (problem.code === "cti.not_your_call" && current && current.callId === callId) {
          setCallState("elsewhere"); // it rings or talks at another extension now
        }
      });
    }).catch(function () {
      showCallError("network");
    }).then(function () {
      busy = false;
      showControls();
    });
  }

  byId("call-answer").addEventListener("click", function () { command("answer"); });
  byId("call-hangup").addEventListener("click", function () { command("hangup"); });
  byId("pop-close").addEventListener("click", closePop);

  // ---- CTI hub ----
  function showConnection(key) {
    byId("hub-status").textContent = t("Conn." + key);
    byId("hub-status").dataset.status = key;
  }

  var connection = new signalR.HubConnectionBuilder().withUrl(root.dataset.hubUrl).withAutomaticReconnect().build();
  connection.on("callEvent", onCallEvent);
  connection.onreconnecting(function () { showConnection("reconnecting"); });
  connection.onreconnected(function () { showConnection("connected"); refreshAgent(); refreshQueues(); });
  connection.onclose(function () { showConnection("disconnected"); setTimeout(start, 5000); });

  function start() {
    connection.start().then(function () {
      showConnection("connected");
      refreshAgent();
      refreshQueues();
    }).catch(function () {
      showConnection("disconnected");
      setTimeout(start, 5000);
    });
  }

  refreshAgent();
  refreshQueues();
  setInterval(refreshQueues, 5000); // waiting times grow between events
  start();
})();
