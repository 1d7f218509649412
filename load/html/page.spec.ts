import { linearTicks, logTicks, tickLabel } from './charts';
import { htmlPage } from './page';

describe('htmlPage', () => {
  it('escapes text from a run: a <script> in a title, a cell or a series name comes out inert', () => {
    const evil = '<script>alert(1)</script>';
    const page = htmlPage(`Run ${evil}`, [
      { kind: 'text', title: evil, text: `first & "second"\n\n${evil}` },
      { kind: 'table', title: 'errors', columns: ['code', evil], rows: [[evil, 3, null]] },
      { kind: 'lines', title: evil, xLabel: evil, yLabel: 'ms', series: [{ name: evil, points: [[0, 1]] }] },
      { kind: 'bars', title: 'b', xLabel: 'x', yLabel: 'y', bars: [{ label: evil, value: 2 }] },
    ]);
    expect(page).not.toMatch(/<script/i);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('first &amp; &quot;second&quot;');
  });

  it('is one self-contained page: nothing loaded from elsewhere, readable on a phone', () => {
    const page = htmlPage('r', [
      {
        kind: 'lines',
        title: 'l',
        xLabel: 'x',
        yLabel: 'y',
        series: [
          {
            name: 'a',
            points: [
              [0, 1],
              [1, 2],
            ],
          },
        ],
      },
    ]);
    expect(page).not.toMatch(/<(script|link|img|iframe)\b/i);
    expect(page).not.toMatch(/(src|href)=/i);
    expect(page).not.toMatch(/url\(/i);
    expect(page).toContain('name="viewport"');
    expect(page).toContain('<svg viewBox=');
  });

  it('draws a line chart with its axis labels, ticks, legend and one polyline per series', () => {
    const page = htmlPage('r', [
      {
        kind: 'lines',
        title: 'TTFT over time',
        xLabel: 'seconds into the window',
        yLabel: 'TTFT ms',
        series: [
          {
            name: 'p50',
            points: [
              [0, 10],
              [1, 12],
              [2, 11],
            ],
          },
          {
            name: 'p99',
            points: [
              [0, 40],
              [1, 90],
              [2, 55],
            ],
          },
        ],
      },
    ]);
    expect(page).toContain('>seconds into the window</text>');
    expect(page).toContain('>TTFT ms</text>');
    expect(page.match(/<polyline/g)).toHaveLength(2);
    expect(page).toContain('<li><span class="swatch"');
    expect(page).toContain('>p99</li>');
    // The y axis covers the highest point: 90 rounds up to a tick of 100.
    expect(page).toContain('>100</text>');
  });

  it('says "no data" for an empty series, a chart of no bars and a log chart with nothing above zero', () => {
    const page = htmlPage('r', [
      { kind: 'lines', title: 'a', xLabel: 'x', yLabel: 'y', series: [] },
      { kind: 'lines', title: 'b', xLabel: 'x', yLabel: 'y', series: [{ name: 's', points: [] }] },
      {
        kind: 'lines',
        title: 'c',
        xLabel: 'x',
        yLabel: 'y',
        logY: true,
        series: [{ name: 's', points: [[1, 0]] }],
      },
      { kind: 'bars', title: 'd', xLabel: 'bucket', yLabel: 'count', bars: [] },
      { kind: 'table', title: 'e', columns: ['a'], rows: [] },
    ]);
    expect(page.match(/>no data</g)).toHaveLength(4);
    expect(page).toContain('>no rows<');
    expect(page).toContain('>bucket</text>');
    expect(page).not.toContain('NaN');
  });

  it('puts no tick between whole-number x values (turns, steps)', () => {
    const page = htmlPage('r', [
      {
        kind: 'lines',
        title: 'by turn',
        xLabel: 'turn',
        yLabel: 'ms',
        series: [
          {
            name: 'p50',
            points: [
              [1, 5],
              [2, 6],
              [3, 7],
            ],
          },
        ],
      },
    ]);
    expect(page).toContain('>2</text>');
    expect(page).not.toContain('>1.5</text>');
  });

  it('draws one bar per value with its label', () => {
    const page = htmlPage('r', [
      {
        kind: 'bars',
        title: 'CPU ms per message',
        xLabel: 'process group',
        yLabel: 'CPU ms/message',
        bars: [
          { label: 'api', value: 3.2 },
          { label: 'postgres', value: 1.1 },
        ],
      },
    ]);
    expect(page.match(/<rect /g)).toHaveLength(2);
    expect(page).toContain('>postgres</text>');
    expect(page).toContain('<title>api: 3.2</title>');
  });
});

describe('axis ticks', () => {
  it('steps linearly by 1, 2 or 5 × 10ⁿ and covers both ends', () => {
    expect(linearTicks(0, 90)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(linearTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(linearTicks(5, 5)).toEqual([5]);
  });

  it('steps a log axis by decades, with 2 and 5 between them over a short range', () => {
    expect(logTicks(3, 80)).toEqual([1, 2, 5, 10, 20, 50, 100]);
    expect(logTicks(0.5, 20000)).toEqual([0.1, 1, 10, 100, 1000, 10000, 100000]);
  });

  it('shortens large tick labels', () => {
    expect(tickLabel(12000)).toBe('12k');
    expect(tickLabel(0.25)).toBe('0.25');
    expect(tickLabel(2_500_000)).toBe('2.5M');
  });
});
