// Usher's dashboard: draws the admin endpoint's event stream (GET /api/events). Every value from the gateway goes
// into the page as text (textContent), never as markup: identities come from clients.
'use strict';

(() => {
  const HISTORY = 300;          // sparkline points: 5 minutes of status messages
  const MAX_EVENTS = 200;       // lines in "Recent events"
  const FOLD_MS = 10000;        // refusals of one identity within this time share a line
  const TOKEN_KEY = 'usher-token';
  const LIVENESS_MS = 3000;     // a fresh TCP_INFO of the listed sessions this often, while the page is shown
  const LIVENESS_LIMIT = 1000;  // as many as a frame lists
  const KILLED_MS = 5000;       // a killed session's row stays away this long while late frames still list it
  const $ = (id) => document.getElementById(id);

  const state = {
    token: sessionStorage.getItem(TOKEN_KEY),
    source: null,
    frame: null,
    previous: null,             // the status before, for refusals per second
    history: new Map(),         // listener -> [{ open, refused }]
    sessions: [],
    rows: new Map(),            // session id -> <tr>
    events: [],
    killed: new Map(),          // session id -> when this page killed it, until a frame no longer lists it
    liveness: new Map(),        // session id -> its latest liveness (GET /api/sessions?fresh=true)
    polling: null,
  };

  // ---- the admin API ----

  function api(method, path) {
    const headers = {};
    if (state.token) headers.Authorization = 'Bearer ' + state.token;
    return fetch(path, { method, headers, credentials: 'same-origin', cache: 'no-store' });
  }

  async function start() {
    let answer;
    try {
      answer = await api('POST', '/api/login');
    } catch (e) {
      setLive(false, 'unreachable; retrying');
      setTimeout(start, 3000);
      return;
    }
    if (answer.status === 401) {
      askToken(state.token ? 'That token was refused.' : '');
      return;
    }
    if (!answer.ok) {
      setLive(false, 'login failed (' + answer.status + '); retrying');
      setTimeout(start, 3000);
      return;
    }
    $('login').hidden = true;
    $('main').hidden = false;
    connect();
    if (!state.polling) state.polling = setInterval(pollLiveness, LIVENESS_MS);
    pollLiveness();
  }

  // Liveness is read when asked, not streamed: the kernel is asked only while a dashboard looks.
  async function pollLiveness() {
    if (document.hidden || !state.frame || $('main').hidden) return;
    let answer;
    try {
      answer = await api('GET', '/api/sessions?fresh=true&limit=' + LIVENESS_LIMIT);
    } catch (e) {
      return;
    }
    if (answer.status === 401) {
      askToken('The token was refused.');
      return;
    }
    if (!answer.ok) return;
    const sessions = await answer.json();
    state.liveness = new Map(sessions.filter((s) => s.liveness).map((s) => [keyOf(s), s.liveness]));
    drawSessions();
  }

  // A session's name: its id, or node:id in a cluster (ids are per node); the API takes either in its paths.
  function keyOf(s) {
    return s.node ? s.node + ':' + s.id : String(s.id);
  }

  function livenessOf(s) {
    const polled = state.liveness.get(keyOf(s));
    if (!s.liveness) return polled || null;
    if (!polled) return s.liveness;
    return Date.parse(polled.readAt) >= Date.parse(s.liveness.readAt) ? polled : s.liveness;
  }

  function askToken(why) {
    if (state.source) state.source.close();
    state.source = null;
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = null;
    setLive(false, 'token needed');
    $('main').hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = why;
    $('token').value = '';
    $('token').focus();
  }

  $('login').addEventListener('submit', (e) => {
    e.preventDefault();
    const token = $('token').value.trim();
    if (!token) return;
    state.token = token;
    sessionStorage.setItem(TOKEN_KEY, token);
    $('login-error').textContent = '';
    start();
  });

  function connect() {
    if (state.source) state.source.close();
    const source = new EventSource('/api/events');
    state.source = source;
    source.addEventListener('snapshot', (e) => onFrame(JSON.parse(e.data)));
    source.addEventListener('status', (e) => onFrame(JSON.parse(e.data)));
    source.addEventListener('event', (e) => onEvent(JSON.parse(e.data)));
    source.onopen = () => setLive(true, 'live');
    source.onerror = () => {
      if (source !== state.source) return;
      if (source.readyState === EventSource.CLOSED) {
        // Refused (a restart forgot the cookie) or gone: log in again, then reopen.
        setLive(false, 'disconnected; reconnecting');
        source.close();
        state.source = null;
        setTimeout(start, 2000);
      } else {
        setLive(false, 'reconnecting');
      }
    };
  }

  function setLive(on, text) {
    const live = $('live');
    live.className = 'live ' + (on ? 'on' : 'off');
    live.textContent = text;
  }

  function notice(text) {
    const p = $('notice');
    p.textContent = text || '';
    p.hidden = !text;
  }

  // ---- the stream ----

  function onFrame(frame) {
    state.previous = state.frame;
    state.frame = frame;
    for (const l of frame.status.listeners) {
      let points = state.history.get(l.name);
      if (!points) state.history.set(l.name, points = []);
      const before = state.previous && state.previous.status.listeners.find((p) => p.name === l.name);
      points.push({ open: l.open, refused: before ? Math.max(0, l.refused - before.refused) : 0 });
      if (points.length > HISTORY) points.shift();
    }
    // A frame taken before a kill ended its session must not bring its row back; one that still lists it seconds
    // later (it does not close) does.
    const listed = new Set(frame.sessions.map(keyOf));
    for (const [key, at] of state.killed) if (!listed.has(key) || Date.now() - at > KILLED_MS) state.killed.delete(key);
    state.sessions = frame.sessions.filter((s) => !state.killed.has(keyOf(s)));
    drawTotals();
    drawListeners();
    drawIdentities();
    drawSessions();
  }

  function onEvent(e) {
    if (e.kind === 'closed') {
      // The stream tells this node's closes (ids are per node); other nodes' rows go with the next frame.
      const here = (state.frame && state.frame.node) || null;
      state.sessions = state.sessions.filter((s) => (s.node || null) !== here || s.id !== e.sessionId);
      drawSessions();
      // Ordinary ends are not news; the others (Killed, ClientDead, IdleTimeout, …) are.
      if (e.detail === 'ClientClosed' || e.detail === 'BackendClosed') return;
    }
    const top = state.events[0];
    const at = Date.parse(e.at);
    if (e.kind === 'refused' && top && top.kind === 'refused' && top.listener === e.listener
        && top.identity === e.identity && at - top.first < FOLD_MS) {
      top.repeated += e.repeated;
      top.count = e.count;
      top.limit = e.limit;
      top.client = e.client;
      top.at = e.at;
    } else {
      state.events.unshift({ ...e, first: at });
      if (state.events.length > MAX_EVENTS) state.events.pop();
    }
    drawEvents();
  }

  // ---- drawing ----

  function drawTotals() {
    const s = state.frame.status;
    $('node-box').hidden = !state.frame.node;
    $('node').textContent = state.frame.node || '';
    const silent = state.frame.notAnswering || [];
    const missing = $('not-answering');
    missing.hidden = silent.length === 0;
    missing.textContent = silent.length === 0 ? ''
      : 'Node' + (silent.length > 1 ? 's ' : ' ') + silent.join(', ') + ' did not answer in time: '
        + (silent.length > 1 ? 'their' : 'its') + ' sessions are not listed and identities not counted.';
    $('version').textContent = s.version.split('+')[0];
    $('version').title = s.version;
    $('uptime').textContent = duration(s.uptimeSeconds);
    $('sessions-total').textContent = s.ledger.total + ' / ' + s.ledger.capacity;
    let rate = 0;
    if (state.previous) {
      const seconds = (Date.parse(state.frame.at) - Date.parse(state.previous.at)) / 1000;
      const refused = s.refused - state.previous.status.refused;
      if (seconds > 0 && refused > 0) rate = refused / seconds;
    }
    $('refusal-rate').textContent = rate >= 10 ? rate.toFixed(0) : rate.toFixed(1);
  }

  function drawListeners() {
    const box = $('listeners');
    const listeners = state.frame.status.listeners;
    for (const card of [...box.children]) {
      if (!listeners.some((l) => l.name === card.dataset.name)) card.remove();
    }
    for (const l of listeners) {
      let card = [...box.children].find((c) => c.dataset.name === l.name);
      if (!card) {
        card = el('div', 'card');
        card.dataset.name = l.name;
        card.append(el('h3', null, l.name), el('div', 'facts'), svg('svg'), el('div', 'legend'));
        box.append(card);
      }
      const facts = card.querySelector('.facts');
      facts.replaceChildren(
        fact('open', l.open), ' · ', fact('per identity', l.maxSessionsPerIdentity), ' · ', fact('OnLimit', l.onLimit),
        ...(l.identityDisplay && l.identityDisplay !== 'Clear' ? [' · ', fact('identities', l.identityDisplay)] : []),
        el('br'), fact('listen', l.listen), ' → ', fact('backend', l.backend));
      const points = state.history.get(l.name) || [];
      sparkline(card.querySelector('svg'), points);
      const refused = points.reduce((sum, p) => sum + p.refused, 0);
      const legend = card.querySelector('.legend');
      legend.replaceChildren(el('span', 'o', '— open sessions'), '  ',
        el('span', 'r', '▮ refusals (' + refused + ' in the last ' + duration(points.length) + ')'));
    }
  }

  function fact(name, value) {
    const span = el('span');
    span.append(name + ' ', el('b', null, String(value)));
    return span;
  }

  function sparkline(node, points) {
    const width = HISTORY, height = 48;
    node.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    node.setAttribute('preserveAspectRatio', 'none');
    const maxOpen = Math.max(1, ...points.map((p) => p.open));
    const maxRefused = Math.max(1, ...points.map((p) => p.refused));
    const offset = width - points.length;
    const line = points.map((p, i) => (offset + i) + ',' + (height - 2 - (p.open / maxOpen) * (height - 4)).toFixed(1)).join(' ');
    const open = svg('polyline', 'open');
    open.setAttribute('points', line);
    const bars = points.flatMap((p, i) => {
      if (!p.refused) return [];
      const h = Math.max(2, (p.refused / maxRefused) * (height / 2));
      const bar = svg('rect', 'refused');
      bar.setAttribute('x', offset + i);
      bar.setAttribute('y', height - h);
      bar.setAttribute('width', 1);
      bar.setAttribute('height', h);
      return [bar];
    });
    node.replaceChildren(...bars, open);
  }

  function drawIdentities() {
    const body = $('identities').tBodies[0];
    const top = state.frame.identities.slice(0, 20);
    body.replaceChildren(...top.map((c) => {
      const share = c.limit > 0 ? c.open / c.limit : 0;
      const row = el('tr', share >= 1 ? 'full' : share >= 0.8 ? 'near' : null);
      const bar = el('div', 'bar');
      const fill = el('span');
      fill.style.width = Math.min(100, share * 100).toFixed(0) + '%';
      bar.append(fill);
      const limit = el('td', 'num', String(c.limit));
      if (c.override) limit.title = 'an override';
      const barCell = el('td', 'bar-cell');
      barCell.append(bar);
      // In a cluster, each node's share of the open sessions.
      if (c.nodes) barCell.append(el('span', 'nodes', Object.entries(c.nodes).map(([node, n]) => node + ' ' + n).join(' · ')));
      row.append(el('td', null, c.listener), el('td', null, c.identity), el('td', 'num', String(c.open)), limit, barCell);
      return row;
    }));
    $('identities-empty').hidden = top.length > 0;
  }

  function drawSessions() {
    if (!state.frame) return;
    const body = $('sessions').tBodies[0];
    const words = $('filter').value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const now = Date.parse(state.frame.at);
    const suspectOnly = $('suspect-only').checked;
    const suspects = state.sessions.filter((s) => (livenessOf(s) || {}).suspect).length;
    $('suspect-count').textContent = '(' + suspects + ')';
    const shown = state.sessions.filter((s) => {
      const text = [keyOf(s), s.listener, s.identity.value, s.client, s.backend || ''].join(' ').toLowerCase();
      return words.every((w) => text.includes(w)) && (!suspectOnly || (livenessOf(s) || {}).suspect);
    });
    const keep = new Set(shown.map((s) => keyOf(s)));
    for (const [id, row] of state.rows) {
      if (!keep.has(id)) {
        row.remove();
        state.rows.delete(id);
      }
    }
    let previous = null;
    for (const s of shown) {
      let row = state.rows.get(keyOf(s));
      if (!row) {
        row = sessionRow(s);
        state.rows.set(keyOf(s), row);
      }
      const cells = row.cells;
      cells[4].textContent = s.backend || '(connecting)';
      cells[5].textContent = duration((now - Date.parse(s.startedAt)) / 1000);
      cells[6].textContent = duration(s.idleSeconds);
      cells[7].textContent = bytes(s.bytesFromClient);
      cells[8].textContent = bytes(s.bytesFromBackend);
      drawLiveness(row, s);
      const place = previous ? previous.nextSibling : body.firstChild;
      if (place !== row) body.insertBefore(row, place);
      previous = row;
    }
    const total = state.frame.sessionsTotal;
    $('sessions-count').textContent = '(' + (words.length || suspectOnly ? shown.length + ' of ' : '') + total
      + (total > state.frame.sessions.length ? ', the oldest ' + state.frame.sessions.length + ' listed' : '') + ')';
  }

  function drawLiveness(row, s) {
    const cells = row.cells;
    const live = livenessOf(s);
    const probing = s.state === 'probing';
    row.classList.toggle('suspect', Boolean(live && live.suspect));
    cells[9].textContent = live ? duration(live.lastDataReceivedSeconds) : '–';
    cells[10].textContent = live && live.unackedBytes !== null ? bytes(live.unackedBytes) : '–';
    cells[11].textContent = live ? String(live.probes) : '–';
    const mark = cells[12].firstChild;
    mark.textContent = probing ? 'probing' : !live ? '–' : live.suspect ? 'suspect' : 'ok';
    mark.title = live ? (live.reason || 'nothing outstanding, or answered within the threshold')
      + ' (read ' + new Date(live.readAt).toLocaleTimeString() + ')' : 'not read yet';
  }

  function sessionRow(s) {
    const row = el('tr');
    row.dataset.id = keyOf(s);
    const probe = el('button', 'probe', 'Probe');
    probe.type = 'button';
    probe.title = 'probe the client of session ' + keyOf(s) + ' now: a vanished client is found dead within the probe budget';
    probe.addEventListener('click', () => probeSession(s, probe));
    const kill = el('button', 'kill', 'Kill');
    kill.type = 'button';
    kill.title = 'close both sides of session ' + keyOf(s);
    kill.addEventListener('click', () => killSession(s, kill));
    const action = el('td');
    action.append(probe, kill);
    const mark = el('td');
    mark.append(el('span', 'mark'));
    row.append(el('td', 'num', keyOf(s)), el('td', null, s.listener), el('td', null, s.identity.value),
      el('td', null, s.client), el('td'), el('td', 'num'), el('td', 'num'), el('td', 'num'), el('td', 'num'),
      el('td', 'num'), el('td', 'num'), el('td', 'num'), mark, action);
    return row;
  }

  // Sends an operator's request about session s with its button disabled; null when it could not be sent, or the
  // token was refused (the page then asks for it).
  async function act(s, button, what, method, path) {
    button.disabled = true;
    try {
      const answer = await api(method, path);
      if (answer.status !== 401) return answer;
      askToken('The token was refused.');
    } catch (e) {
      notice(what + ' of session ' + keyOf(s) + ' failed: the admin endpoint cannot be reached.');
      button.disabled = false;
    }
    return null;
  }

  async function probeSession(s, button) {
    const answer = await act(s, button, 'Probe', 'POST', '/api/sessions/' + encodeURIComponent(keyOf(s)) + '/probe');
    if (!answer) return;
    if (answer.status === 404) {
      notice('');
      state.sessions = state.sessions.filter((x) => keyOf(x) !== keyOf(s));
      drawSessions();
      return;
    }
    let body = null;
    try { body = await answer.json(); } catch (e) { /* no JSON */ }
    if (answer.ok) {
      notice('');
      const row = state.rows.get(keyOf(s));
      if (row) row.cells[12].firstChild.textContent = 'probing';
      // Enabled again once the client has had its budget to answer (a live client keeps its session).
      setTimeout(() => { button.disabled = false; }, (body.budgetSeconds + 1) * 1000);
      return;
    }
    notice('Probe of session ' + keyOf(s) + ' failed: ' + ((body && body.detail) || answer.status + ' ' + answer.statusText));
    button.disabled = false;
  }

  async function killSession(s, button) {
    if (!confirm('Kill session ' + keyOf(s) + ' of "' + s.identity.value + '" on listener "' + s.listener + '"?\n'
        + 'Both sides are closed (event 9653).')) return;
    const answer = await act(s, button, 'Kill', 'DELETE', '/api/sessions/' + encodeURIComponent(keyOf(s)));
    if (!answer) return;
    if (answer.ok || answer.status === 404) {
      notice('');
      state.killed.set(keyOf(s), Date.now());
      state.sessions = state.sessions.filter((x) => keyOf(x) !== keyOf(s));
      drawSessions();
      return;
    }
    let detail = answer.status + ' ' + answer.statusText;
    try { detail = (await answer.json()).detail || detail; } catch (e) { /* not a problem answer */ }
    notice('Kill of session ' + keyOf(s) + ' failed: ' + detail);
    button.disabled = false;
  }

  $('filter').addEventListener('input', drawSessions);
  $('suspect-only').addEventListener('change', drawSessions);

  function drawEvents() {
    const list = $('events');
    list.replaceChildren(...state.events.map((e) => {
      const item = el('li', e.kind);
      item.append(el('span', 'time', new Date(e.at).toLocaleTimeString()), el('span', 'id', String(e.eventId)),
        el('span', 'text', describe(e)));
      if (e.repeated > 1) item.append(el('span', 'times', '×' + e.repeated));
      return item;
    }));
    $('events-empty').hidden = state.events.length > 0;
  }

  function describe(e) {
    const who = '"' + e.identity + '" on ' + e.listener;
    switch (e.kind) {
      case 'refused': return who + ' refused at ' + e.count + '/' + e.limit + ' (' + e.client + ', ' + e.detail + ')';
      case 'reclaimed': return 'session ' + e.sessionId + ' of ' + who + ' reclaimed for ' + e.client + ': ' + e.detail;
      case 'peerDead': return 'session ' + e.sessionId + ' of ' + who + ': ' + e.detail;
      case 'killed': return 'session ' + e.sessionId + ' of ' + who + ' killed by ' + e.detail;
      case 'probed': return 'session ' + e.sessionId + ' of ' + who + ' probed by ' + e.detail;
      default: return 'session ' + e.sessionId + ' of ' + who + ' closed: ' + e.detail;
    }
  }

  // ---- helpers ----

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function svg(tag, className) {
    const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
    if (className) node.setAttribute('class', className);
    return node;
  }

  function duration(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    if (s < 60) return s + 's';
    if (s < 3600) return Math.floor(s / 60) + 'm' + String(s % 60).padStart(2, '0') + 's';
    if (s < 86400) return Math.floor(s / 3600) + 'h' + String(Math.floor(s / 60) % 60).padStart(2, '0') + 'm';
    return Math.floor(s / 86400) + 'd' + String(Math.floor(s / 3600) % 24).padStart(2, '0') + 'h';
  }

  function bytes(n) {
    if (n < 1024) return n + ' B';
    const units = ['KiB', 'MiB', 'GiB', 'TiB'];
    let value = n / 1024, unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
    return value.toFixed(1) + ' ' + units[unit];
  }

  start();
})();
