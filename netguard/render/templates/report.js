/* Host table: filter (text, verdict, zone) and sort (click a header). One listener per control,
   none per row, and each row's text is read once: fast enough for 12,000 rows. No words here —
   every label is in the page, from the catalog. */
(function () {
  "use strict";
  var table = document.getElementById("host-table");
  if (!table) { return; }
  var body = table.tBodies[0];
  var text = document.getElementById("host-filter");
  var verdict = document.getElementById("verdict-filter");
  var zone = document.getElementById("zone-filter");
  var shown = document.getElementById("host-shown");
  var rows = Array.prototype.map.call(body.rows, function (tr) {
    return { tr: tr, text: tr.textContent.toLowerCase() };
  });
  var collate = new Intl.Collator(document.documentElement.lang, { numeric: true }).compare;

  function apply() {
    var needle = text.value.trim().toLowerCase();
    var v = verdict.value;
    var z = zone.value;
    var count = 0;
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      var ok = (!v || r.tr.dataset.verdict === v) && (!z || r.tr.dataset.zone === z) &&
        (!needle || r.text.indexOf(needle) !== -1);
      if (r.tr.hidden === ok) { r.tr.hidden = !ok; }
      if (ok) { count++; }
    }
    shown.textContent = String(count);
  }

  var timer = 0;
  text.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(apply, 120);
  });
  verdict.addEventListener("change", apply);
  zone.addEventListener("change", apply);

  function key(tr, col) {
    var td = tr.cells[col];
    return td.dataset.v !== undefined ? td.dataset.v : td.textContent;
  }

  table.tHead.addEventListener("click", function (ev) {
    var th = ev.target.closest("th");
    if (!th || th.dataset.col === undefined) { return; }
    var col = Number(th.dataset.col);
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) {
      c.setAttribute("aria-sort", "none");
    });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    var keyed = rows.map(function (r, i) { return { r: r, k: key(r.tr, col), i: i }; });
    keyed.sort(function (a, b) { return dir * collate(a.k, b.k) || a.i - b.i; });
    rows = keyed.map(function (x) { return x.r; });
    var frag = document.createDocumentFragment();
    for (var i = 0; i < rows.length; i++) { frag.appendChild(rows[i].tr); }
    body.appendChild(frag);
  });
})();
