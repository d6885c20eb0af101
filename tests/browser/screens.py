"""What a page shows that does not fit its screen, measured in the browser (issue 24 point 4):
text cut by its box, and text labels of one Plotly chart that overlap. Shared by the browser
tests of the pages' layout."""

from __future__ import annotations

# What an element of the main area, and of the sidebar when it is out, shows cut: text of its
# own wider than its box, or a box that hides what overflows (an ellipsis, a clipped table)
# with text inside. Scrolling by design is left out: code blocks, st.dataframe's canvas grid,
# Plotly's own layers.
CUT_JS = """() => {
  const skip = '[data-testid=stDataFrame], [data-testid=stCode], pre, .js-plotly-plot, '
             + '[data-testid=stPlotlyChart], [data-testid=stFileUploaderDropzone]';
  const roots = [document.querySelector('[data-testid=stMain]')];
  const sidebar = document.querySelector('[data-testid=stSidebar]');
  if (sidebar && sidebar.getBoundingClientRect().right > 1) roots.push(sidebar);  // it is out
  const out = [];
  for (const e of roots.flatMap(r => [...r.querySelectorAll('*')])) {
    if (!e.getClientRects().length || e.closest(skip) || e.clientWidth === 0) continue;
    if (e.scrollWidth <= e.clientWidth + 1) continue;
    const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const style = getComputedStyle(e);
    const clips = ['hidden', 'clip'].includes(style.overflowX)
                  || style.textOverflow === 'ellipsis';
    if (!own && !(clips && e.innerText.trim())) continue;
    out.push((e.closest('[data-testid=stSidebar]') ? 'sidebar ' : '')
             + `${e.tagName.toLowerCase()}${e.getAttribute('data-testid') ? '[' +
             e.getAttribute('data-testid') + ']' : ''}: "${e.innerText.trim().slice(0, 80)}"`
             + ` (${e.scrollWidth} > ${e.clientWidth} px)`);
  }
  return out;
}"""

# Pairs of text labels of one Plotly chart that overlap: each label's box (getBBox) in screen
# coordinates through its own transform (rotated tick labels stay rotated rectangles), then a
# separating-axis test; boxes touching by under 1 px do not count.
OVERLAP_JS = """(TOLERANCE) => {
  const corners = t => {
    const b = t.getBBox(), m = t.getScreenCTM();
    return [[b.x, b.y], [b.x + b.width, b.y], [b.x + b.width, b.y + b.height],
            [b.x, b.y + b.height]].map(([x, y]) => new DOMPoint(x, y).matrixTransform(m));
  };
  const depth = (p, q) => {  // how far the two boxes overlap, in px (0 or less: apart)
    let least = Infinity;
    for (const poly of [p, q]) for (let i = 0; i < 4; i++) {
      const a = poly[i], b = poly[(i + 1) % 4];
      const nx = b.y - a.y, ny = a.x - b.x, len = Math.hypot(nx, ny) || 1;
      const proj = s => s.map(c => (c.x * nx + c.y * ny) / len);
      const [pp, qq] = [proj(p), proj(q)];
      least = Math.min(least, Math.min(Math.max(...pp) - Math.min(...qq),
                                       Math.max(...qq) - Math.min(...pp)));
    }
    return least;
  };
  const out = [];
  document.querySelectorAll('[data-testid=stMain] .js-plotly-plot').forEach((plot, k) => {
    const title = (plot.querySelector('.gtitle') || {}).textContent || `chart ${k + 1}`;
    const texts = [...plot.querySelectorAll('svg.main-svg text')].filter(t =>
      t.textContent.trim() && !t.closest('.hoverlayer') && t.getClientRects().length
      && getComputedStyle(t).visibility !== 'hidden' && getComputedStyle(t).opacity !== '0'
      && t.getBBox().width > 0);
    const boxes = texts.map(corners);
    for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
      if (texts[i].contains(texts[j]) || texts[j].contains(texts[i])) continue;
      const d = depth(boxes[i], boxes[j]);
      if (d > TOLERANCE)
        out.push(`${title}: "${texts[i].textContent}" x "${texts[j].textContent}"`
                 + ` (${d.toFixed(1)} px)`);
    }
  });
  return out;
}"""




def misfits(page, tolerance_px: float = 1.0) -> dict[str, list[str]]:
    """The main area's cut texts (`CUT_JS`) and each chart's overlapping labels
    (`OVERLAP_JS`, overlaps deeper than `tolerance_px`), each described for the reader."""
    return {"cut": page.evaluate(CUT_JS),
            "overlapping chart labels": page.evaluate(OVERLAP_JS, tolerance_px)}
