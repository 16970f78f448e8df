// explain layer: the stylesheet and the stepper script of the HTML renderings.
// Both are constants with no trace data in them, so they can run under a
// strict CSP (nonce'd <style> and <script>, no inline handlers or style=).
// Without script every step stays visible, which is what a static page needs.

export const STYLE = `
:root { color-scheme: light dark; --wrong: #d13438; --ok: #107c10; --muted: #888; --line: #8884; }
body { font: 14px/1.45 var(--vscode-font-family, system-ui, sans-serif); margin: 1rem 1.5rem; max-width: 60rem; }
h1 { font-size: 1.3rem; margin: 0 0 .3rem; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .3rem; }
h3 { font-size: 1rem; margin: 0 0 .3rem; }
nav.eras a { margin-right: .8rem; }
.summary, .verdict { margin: .3rem 0 .8rem; }
.verdict { font-weight: 600; }
.stepper { display: none; gap: .5rem; align-items: center; margin: .5rem 0; }
.js .stepper { display: flex; }
.stepper button { font: inherit; padding: .15rem .7rem; }
ol.steps { list-style: none; padding: 0; margin: 0; }
li.step { border: 1px solid var(--line); border-radius: 4px; padding: .6rem .8rem; margin: .5rem 0; }
.js li.step { display: none; }
.js li.step.current { display: block; }
li.step.wrong { border: 2px solid var(--wrong); }
li.step.refused, li.step.blocked { opacity: .8; border-style: dashed; }
.badge { font-size: .75rem; padding: 0 .4rem; border-radius: 3px; border: 1px solid currentColor; margin-left: .4rem; }
.badge.wrong { color: var(--wrong); }
.badge.refused, .badge.blocked { color: var(--muted); }
.hazard-text { color: var(--wrong); font-weight: 600; }
.panes { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
table.fields { border-collapse: collapse; }
table.fields th, table.fields td { text-align: left; padding: .1rem .6rem .1rem 0; border-bottom: 1px solid var(--line); }
table.fields th { font-weight: normal; color: var(--muted); }
table.fields tr.read td { color: var(--wrong); font-weight: 600; }
svg.diagram text { font: 11px monospace; fill: currentColor; }
svg.diagram rect { fill: none; stroke: currentColor; stroke-width: 1; }
svg.diagram rect.page { stroke-width: 2; }
svg.diagram rect.page.bad { stroke: var(--wrong); }
svg.diagram rect.evicted { stroke-dasharray: 3 3; stroke: var(--muted); }
svg.diagram line { stroke: currentColor; stroke-width: 1; }
svg.diagram line.unguarded { stroke: var(--wrong); stroke-dasharray: 4 2; }
svg.diagram line.locked { stroke: var(--ok); stroke-width: 2; }
footer { margin-top: 2rem; color: var(--muted); font-size: .85rem; }
`;

/** Per trace section: show one step at a time, back/forward, jump to the wrong read, arrow keys. */
export const SCRIPT = `
(function () {
  document.body.classList.add('js');
  document.querySelectorAll('section.trace').forEach(function (sec) {
    var steps = Array.prototype.slice.call(sec.querySelectorAll('li.step'));
    var pos = sec.querySelector('.pos');
    var back = sec.querySelector('button[data-go="back"]');
    var fwd = sec.querySelector('button[data-go="forward"]');
    var wrong = sec.querySelector('button[data-go="wrong"]');
    var hazard = Number(sec.getAttribute('data-hazard') || 0);
    var i = 0;
    function show(n) {
      i = Math.max(0, Math.min(steps.length - 1, n));
      steps.forEach(function (s, k) { s.classList.toggle('current', k === i); });
      pos.textContent = 'Step ' + (i + 1) + ' of ' + steps.length;
      back.disabled = i === 0;
      fwd.disabled = i === steps.length - 1;
    }
    back.addEventListener('click', function () { show(i - 1); });
    fwd.addEventListener('click', function () { show(i + 1); });
    if (hazard) wrong.addEventListener('click', function () { show(hazard - 1); });
    else wrong.hidden = true;
    sec.addEventListener('keydown', function (e) {
      if (e.key === 'ArrowLeft') show(i - 1);
      if (e.key === 'ArrowRight') show(i + 1);
    });
    show(0);
  });
})();
`;
