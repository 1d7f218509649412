import { barChart, lineChart } from './charts';
import { escapeHtml } from './escape';
import type { HtmlSection } from './sections';

/**
 * One self-contained report page: inline CSS and SVG, no script, no font or file from elsewhere, so it opens offline
 * and can be mailed as one file. Every string from a run (titles, cells, error messages) is escaped.
 */
export function htmlPage(title: string, sections: HtmlSection[]): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Nothing on the page runs or loads: the policy says so to the browser too.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeHtml(title)}</h1>`,
    ...sections.map(renderSection),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function renderSection(section: HtmlSection): string {
  switch (section.kind) {
    case 'text':
      return `<section>${section.title ? `<h2>${escapeHtml(section.title)}</h2>` : ''}${paragraphs(section.text)}</section>`;
    case 'table':
      return `<section><h2>${escapeHtml(section.title)}</h2>${table(section.columns, section.rows)}</section>`;
    case 'lines':
      return `<section><h2>${escapeHtml(section.title)}</h2><figure>${lineChart(section)}</figure></section>`;
    case 'bars':
      return `<section><h2>${escapeHtml(section.title)}</h2><figure>${barChart(section)}</figure></section>`;
  }
}

function paragraphs(text: string): string {
  return text
    .split(/\n\s*\n/)
    .filter((p) => p.trim() !== '')
    .map((p) => `<p>${escapeHtml(p.trim()).replace(/\n/g, '<br>')}</p>`)
    .join('');
}

/** A number cell: at most two decimals, right-aligned; null is shown as a dash (no figure). */
function cell(value: string | number | null): string {
  if (value === null) return '<td class="num">–</td>';
  if (typeof value === 'number')
    return `<td class="num">${escapeHtml(String(Number.isInteger(value) ? value : Math.round(value * 100) / 100))}</td>`;
  return `<td>${escapeHtml(value)}</td>`;
}

function table(columns: string[], rows: (string | number | null)[][]): string {
  const head = `<thead><tr>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead>`;
  const body = rows.length
    ? rows.map((row) => `<tr>${row.map(cell).join('')}</tr>`).join('')
    : `<tr><td colspan="${Math.max(1, columns.length)}">no rows</td></tr>`;
  // Wide tables scroll sideways on a phone instead of squeezing the page.
  return `<div class="scroll"><table>${head}<tbody>${body}</tbody></table></div>`;
}

const STYLE = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:960px;padding:12px;color:#1b1b1b;background:#fff}
h1{font-size:1.35em;margin:.4em 0 .8em}h2{font-size:1.1em;margin:1.6em 0 .5em}
section{margin-bottom:1em}figure{margin:0}svg{width:100%;height:auto;display:block}
.axis{stroke:#444;stroke-width:1}.grid{stroke:#ddd;stroke-width:1}
.tick{font-size:11px;fill:#444}.axis-label{font-size:12px;fill:#222}.empty{font-size:14px;fill:#888}
.legend{list-style:none;padding:0;margin:.3em 0 0;display:flex;flex-wrap:wrap;gap:.3em 1.2em;font-size:.9em}
.swatch{display:inline-block;width:.9em;height:.9em;margin-right:.35em;vertical-align:-.1em;border-radius:2px}
.scroll{overflow-x:auto}table{border-collapse:collapse;font-size:.9em;font-variant-numeric:tabular-nums}
th,td{padding:.25em .6em;border-bottom:1px solid #e3e3e3;text-align:left;white-space:nowrap}td.num{text-align:right}
@media (prefers-color-scheme:dark){body{background:#121212;color:#e8e8e8}.tick{fill:#bbb}.axis-label{fill:#ddd}.axis{stroke:#aaa}.grid{stroke:#333}th,td{border-color:#333}}
`.trim();
