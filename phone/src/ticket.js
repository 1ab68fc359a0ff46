(function () {
  // ES5 only (old Android browsers): var, function, XMLHttpRequest.
  // P: the ticket view, W: the words, U: the URLs (set before this).
  function e(s) {
    return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;')
      .replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  }
  function $(id) { return document.getElementById(id); }
  var shown = {};
  // Sets a region only when it changes, so a live region is not read
  // again for an unrelated update of the queue.
  function set(id, html) {
    if (shown[id] === html) { return false; }
    shown[id] = html;
    $(id).innerHTML = html;
    return true;
  }
  function pick(vi, en) { return W.en && en ? en : vi; }
  function called(p) { return p.state === 'called' && p.called_counter !== null; }
  function title(p) {
    return called(p) ? W.title_call + p.called_counter + ' \u00b7 ' + p.number
      : p.number + ' \u00b7 ' + W.ticket_title;
  }
  function status(p) {
    var s = p.state;
    if (s === 'issued' || s === 'transferred') {
      return '<p class="fig">' + e(W.ahead) + '<b>' + p.people_ahead + '</b></p>' +
        '<p class="fig">' + e(W.wait) + '<b>' + p.estimated_wait_minutes + ' ' + e(W.minutes) +
        '</b></p><p>' + e(W.waiting) + '</p>';
    }
    if (s === 'serving') {
      return '<p class="st">' + e(W.serving) + (p.called_counter === null ? '' : p.called_counter) + '</p>';
    }
    var t = { done: W.done, no_show: W.no_show, cancelled: W.cancelled }[s];
    return t ? '<p class="st">' + e(t) + '</p>' : '';
  }
  function counters(p) {
    var out = '', i, c, me;
    for (i = 0; i < p.counters.length; i++) {
      c = p.counters[i];
      me = p.called_counter === c.number && (p.state === 'called' || p.state === 'serving');
      out += (me ? '<li class="me">' : '<li>') + e(c.name) + ' \u00b7 ' +
        (c.open ? '<span class="on">' + e(W.open) : '<span class="off">' + e(W.closed)) +
        '</span></li>';
    }
    return out;
  }
  var CLASS = { very_satisfied: 'l0', satisfied: 'l1', unsatisfied: 'l2' };
  function rating(p) {
    var r = p.rating, out, i, o;
    if (r.state === 'done') {
      return '<p class="st">' + e(W.rated) + e(W.levels[r.level]) + '</p>';
    }
    if (r.state !== 'open' || !r.options.enabled) { return ''; }
    o = r.options;
    function button(level) {
      for (var j = 0; j < o.levels.length; j++) {
        if (o.levels[j].code === level) {
          return '<button type="submit" name="level" value="' + level + '" class="' + CLASS[level] +
            '">' + e(pick(o.levels[j].name_vi, o.levels[j].name_en)) + '</button>';
        }
      }
      return '';
    }
    out = '<form id="rf" method="post" action="' + e(U.rate) + '"><h2>' + e(W.rate_question) + '</h2>' +
      button('very_satisfied') + button('satisfied');
    if (o.reasons.length) {
      out += '<fieldset><legend>' + e(W.reasons) + '</legend>';
      for (i = 0; i < o.reasons.length; i++) {
        out += '<label><input type="checkbox" name="reasons" value="' + e(o.reasons[i].code) + '">' +
          e(pick(o.reasons[i].name_vi, o.reasons[i].name_en)) + '</label>';
      }
      out += '</fieldset>';
    }
    return out + button('unsatisfied') + '<p id="rmsg" role="status"></p></form>';
  }

  // The call: vibration, a short beep where the phone allows sound (a
  // page may only start audio after a touch: the first touch unlocks it).
  var audio = null;
  function context() {
    var C = window.AudioContext || window.webkitAudioContext;
    if (!audio && C) { try { audio = new C(); } catch (x) { audio = null; } }
    return audio;
  }
  function unlock() {
    var a = context();
    if (a && a.state === 'suspended' && a.resume) { a.resume(); }
  }
  document.addEventListener('touchstart', unlock, false);
  document.addEventListener('click', unlock, false);
  function beep() {
    var a = context(), o, g, t;
    if (!a) { return; }
    try {
      if (a.resume) { a.resume(); }
      o = a.createOscillator();
      g = a.createGain();
      o.frequency.value = 880;
      g.gain.value = 0.4;
      o.connect(g);
      g.connect(a.destination);
      t = a.currentTime;
      if (o.start) { o.start(t); o.stop(t + 0.5); } else { o.noteOn(t); o.noteOff(t + 0.5); }
    } catch (x) { /* no sound on this phone */ }
  }
  function alertCall() {
    try { if (navigator.vibrate) { navigator.vibrate([400, 200, 400, 200, 400]); } } catch (x) { }
    beep();
  }

  // Rating without leaving the page (the form still posts without script).
  function send(level) {
    var box = $('rf'), inputs, reasons = [], i, x;
    if (level === 'unsatisfied') {
      inputs = box.getElementsByTagName('input');
      for (i = 0; i < inputs.length; i++) { if (inputs[i].checked) { reasons.push(inputs[i].value); } }
    }
    $('rmsg').innerHTML = e(W.sending);
    x = new XMLHttpRequest();
    x.open('POST', U.rate, true);
    x.setRequestHeader('Content-Type', 'application/json');
    x.setRequestHeader('Accept', 'application/json');
    x.onreadystatechange = function () {
      if (x.readyState !== 4) { return; }
      var p = null;
      try { p = JSON.parse(x.responseText); } catch (err) { p = null; }
      // A refusal (already rated, too late) comes with the page as it is.
      if (p && p.number) { render(p); }
      if (x.status !== 200 && $('rmsg')) { $('rmsg').innerHTML = e(W.send_failed); }
    };
    x.send(JSON.stringify({ level: level, reasons: reasons }));
  }
  function enhance() {
    var box = $('rf'), buttons, i;
    if (!box || !window.XMLHttpRequest || !window.JSON) { return; }
    buttons = box.getElementsByTagName('button');
    for (i = 0; i < buttons.length; i++) {
      buttons[i].onclick = function (ev) {
        if (ev && ev.preventDefault) { ev.preventDefault(); }
        send(this.value);
        return false;
      };
    }
  }

  function views(p) {
    return {
      num: e(p.number),
      svc: e(pick(p.service_name_vi, p.service_name_en)),
      call: called(p) ? e(W.call + p.called_counter) : '',
      live: status(p),
      ctr: counters(p)
    };
  }
  var rated = JSON.stringify(P.rating);
  function render(p) {
    var was = P.state, v = views(p), id, r = JSON.stringify(p.rating);
    P = p;
    for (id in v) { if (v.hasOwnProperty(id)) { set(id, v[id]); } }
    // The form only when the rating changes: a citizen ticking reasons
    // keeps them through the queue's other updates.
    if (r !== rated) { rated = r; $('rate').innerHTML = rating(p); enhance(); }
    document.title = title(p);
    if (called(p) && was !== 'called') { alertCall(); }
    // Nothing more will change: free the hub's stream.
    if (source && over(p)) { source.close(); }
  }

  // The server wrote what views(P) gives: the first event changes only
  // what changed.
  shown = views(P);
  enhance();
  function over(p) { return p.rating.state === 'done' || p.rating.state === 'closed'; }
  var source = null;
  if (over(P)) {
    // Served and rated (or past rating): a page that no longer changes.
  } else if (window.EventSource) {
    source = new EventSource(U.events);
    source.addEventListener('ticket', function (m) {
      var p = null;
      try { p = JSON.parse(m.data); } catch (x) { p = null; }
      if (p) { render(p); }
    }, false);
  } else {
    // No Server-Sent Events (Android 4.3 and older): reload as <noscript> would.
    setTimeout(function () { location.reload(); }, 30000);
  }
}());
