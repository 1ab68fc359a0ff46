(function () {
  // ES5 only. P: the dossier view, W: the words, U: the URLs.
  function e(s) {
    return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;')
      .replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  }
  // 2026-11-26T09:05:00+07:00 -> 09:05 26/11/2026, as the server writes it.
  function at(s) {
    var m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)/.exec(s);
    return m ? m[4] + ':' + m[5] + ' ' + m[3] + '/' + m[2] + '/' + m[1] : s;
  }
  function due(p) {
    return p.due_at ? '<p class="fig">' + e(W.due) + '<b>' + e(at(p.due_at)) + '</b></p>' : '';
  }
  function steps(p) {
    var out = '', i, s;
    for (i = 0; i < p.steps.length; i++) {
      s = p.steps[i];
      out += (s.done ? '<li class="done">' : '<li>') + e(W.steps[s.kind] || s.kind) +
        (s.at ? '<small>' + e(at(s.at)) + '</small>' : '') + '</li>';
    }
    return out;
  }
  var shown = { due: due(P), tl: steps(P) };
  function set(id, html) {
    if (shown[id] !== html) { shown[id] = html; document.getElementById(id).innerHTML = html; }
  }
  if (window.EventSource) {
    var source = new EventSource(U.events);
    source.addEventListener('dossier', function (m) {
      var p = null;
      try { p = JSON.parse(m.data); } catch (x) { p = null; }
      if (p) { P = p; set('due', due(p)); set('tl', steps(p)); }
    }, false);
  } else {
    setTimeout(function () { location.reload(); }, 30000);
  }
}());
