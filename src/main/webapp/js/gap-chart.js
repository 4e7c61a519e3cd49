/**
 * A small bar chart of the gaps between arriving frames, on a plain canvas: one bar per frame,
 * newest on the right, scaled to the largest gap shown. Coalesced frames and the first frame after
 * a resume get their own colour, so bursts and reconnects stand out.
 */
export class GapChart {
  static MAX_BARS = 100;

  #canvas;
  #bars = [];
  #frame = 0;

  constructor(canvas) {
    this.#canvas = canvas;
    new ResizeObserver(() => this.#schedule()).observe(canvas);
  }

  reset() {
    this.#bars = [];
    this.#schedule();
  }

  /** kind: 'frame' | 'burst' (several tokens in one frame) | 'resume' (first frame after a reconnect). */
  add(gapMs, kind = 'frame') {
    this.#bars.push({ gapMs: Math.max(0, gapMs), kind });
    if (this.#bars.length > GapChart.MAX_BARS) this.#bars.shift();
    this.#schedule();
  }

  #schedule() {
    if (!this.#frame) this.#frame = requestAnimationFrame(() => this.#draw());
  }

  #draw() {
    this.#frame = 0;
    const canvas = this.#canvas;
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (!width || !height) return;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    const g = canvas.getContext('2d');
    g.scale(ratio, ratio);
    g.clearRect(0, 0, width, height);

    const style = getComputedStyle(canvas);
    const color = (name) => style.getPropertyValue(name).trim();
    const top = 14;
    const plot = height - top - 2;
    const max = Math.max(20, ...this.#bars.map((b) => b.gapMs));

    g.strokeStyle = color('--chart-grid');
    g.lineWidth = 1;
    g.beginPath();
    g.moveTo(0, height - 1.5);
    g.lineTo(width, height - 1.5);
    g.stroke();

    g.fillStyle = color('--chart-label');
    g.font = '11px system-ui, sans-serif';
    g.textBaseline = 'top';
    g.fillText(this.#bars.length ? `max ${Math.round(max)} ms` : 'no frames yet', 0, 0);

    const slot = width / GapChart.MAX_BARS;
    const barWidth = Math.max(1, slot - 1);
    const offset = width - this.#bars.length * slot;
    this.#bars.forEach((bar, i) => {
      const h = Math.max(1.5, (bar.gapMs / max) * plot);
      g.fillStyle = color(`--chart-${bar.kind}`);
      g.fillRect(offset + i * slot, height - 2 - h, barWidth, h);
    });
  }
}
