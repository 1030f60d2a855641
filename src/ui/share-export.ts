/**
 * Export the open view (the diagram, bytes, cache, swiotlb, IOMMU, compare…)
 * as a standalone SVG or PNG for a mail, a slide or a document.
 *
 * A view is HTML with inline SVG and canvases, styled by the app's CSS and
 * its theme variables. The SVG is that DOM, cloned into a <foreignObject>
 * with every style the browser computed written inline (only what differs
 * from an unstyled element of the same kind, plus the text properties on
 * the root), canvases replaced by their pixels, scripts and event handlers
 * left out — so it renders the same anywhere, without the app. The PNG is
 * that SVG drawn at twice the size.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';
const XHTML_NS = 'http://www.w3.org/1999/xhtml';

/** Properties always written on the root: what it inherits from the page. */
const ROOT_PROPS = ['color', 'font-family', 'font-size', 'font-weight', 'line-height', 'background-color', 'letter-spacing'];

const defaults = new Map<string, Map<string, string>>();
let sandbox: HTMLElement | null = null;

/** The computed style of an unstyled element of this kind (cached per tag and namespace). */
function defaultStyle(el: Element): Map<string, string> {
  const key = `${el.namespaceURI}|${el.localName}`;
  const hit = defaults.get(key);
  if (hit) return hit;
  if (!sandbox) {
    sandbox = document.createElement('div');
    sandbox.setAttribute('aria-hidden', 'true');
    sandbox.style.cssText = 'position:absolute;left:-10000px;top:0;all:initial;';
    document.body.append(sandbox);
  }
  const probe = document.createElementNS(el.namespaceURI ?? XHTML_NS, el.localName);
  const host = el.namespaceURI === SVG_NS && el.localName !== 'svg' ? document.createElementNS(SVG_NS, 'svg') : null;
  if (host) {
    host.append(probe);
    sandbox.append(host);
  } else sandbox.append(probe);
  const cs = getComputedStyle(probe);
  const map = new Map<string, string>();
  for (let i = 0; i < cs.length; i++) {
    const p = cs.item(i);
    map.set(p, cs.getPropertyValue(p));
  }
  (host ?? probe).remove();
  defaults.set(key, map);
  return map;
}

function inlineStyle(src: Element, dst: Element, root: boolean): void {
  const cs = getComputedStyle(src);
  const base = defaultStyle(src);
  const parts: string[] = [];
  for (let i = 0; i < cs.length; i++) {
    const p = cs.item(i);
    const v = cs.getPropertyValue(p);
    if (p.startsWith('--') || p.startsWith('transition') || p.startsWith('animation')) continue;
    if ((root && ROOT_PROPS.includes(p)) || base.get(p) !== v) parts.push(`${p}:${v}`);
  }
  dst.setAttribute('style', parts.join(';'));
}

/** A deep copy of `node` with styles inlined, canvases as images, and nothing active. */
function cloneStyled(src: Element, root = false): Element | null {
  if (src.localName === 'script' || src.localName === 'style') return null;
  if (src instanceof HTMLCanvasElement) {
    const img = document.createElementNS(XHTML_NS, 'img');
    try {
      img.setAttribute('src', src.toDataURL('image/png'));
    } catch {
      /* a tainted canvas: its box stays empty */
    }
    inlineStyle(src, img, root);
    img.setAttribute('width', String(src.clientWidth));
    img.setAttribute('height', String(src.clientHeight));
    return img;
  }
  const dst = document.createElementNS(src.namespaceURI ?? XHTML_NS, src.localName);
  for (const a of Array.from(src.attributes)) {
    if (a.name.startsWith('on') || a.name === 'style' || a.name === 'contenteditable') continue;
    dst.setAttribute(a.name, a.value);
  }
  // Form state lives in properties, not attributes: write it as attributes so the copy shows it.
  if (src instanceof HTMLInputElement) {
    dst.setAttribute('value', src.value);
    if (src.checked) dst.setAttribute('checked', '');
  } else if (src instanceof HTMLOptionElement) {
    if (src.selected) dst.setAttribute('selected', '');
    else dst.removeAttribute('selected');
  } else if (src instanceof HTMLTextAreaElement) dst.textContent = src.value;
  inlineStyle(src, dst, root);
  if (src instanceof HTMLTextAreaElement) return dst;
  for (const child of Array.from(src.childNodes)) {
    if (child.nodeType === Node.TEXT_NODE) dst.append(child.textContent ?? '');
    else if (child instanceof Element) {
      const c = cloneStyled(child);
      if (c) dst.append(c);
    }
  }
  return dst;
}

/** The element as a standalone SVG document (text). */
export function elementToSvg(el: HTMLElement, title: string): string {
  const w = Math.ceil(el.scrollWidth || el.getBoundingClientRect().width);
  const h = Math.ceil(el.scrollHeight || el.getBoundingClientRect().height);
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('xmlns', SVG_NS);
  svg.setAttribute('width', String(w));
  svg.setAttribute('height', String(h));
  svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
  const t = document.createElementNS(SVG_NS, 'title');
  t.textContent = title;
  svg.append(t);
  const fo = document.createElementNS(SVG_NS, 'foreignObject');
  fo.setAttribute('x', '0');
  fo.setAttribute('y', '0');
  fo.setAttribute('width', String(w));
  fo.setAttribute('height', String(h));
  const body = cloneStyled(el, true);
  if (body) {
    body.setAttribute('xmlns', XHTML_NS);
    // The copy is laid out at the size it has on screen, scrolled content included.
    (body as HTMLElement).style.width = `${w}px`;
    (body as HTMLElement).style.height = `${h}px`;
    (body as HTMLElement).style.overflow = 'visible';
    fo.append(body);
  }
  svg.append(fo);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(svg)}\n`;
}

/** The SVG drawn into a PNG at `scale` times its size. */
export async function svgToPng(svgText: string, scale = 2): Promise<Blob> {
  const img = new Image();
  // A data: URL, which the page's Content-Security-Policy allows for images (blob: it does not).
  const url = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svgText)}`;
  {
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('the browser could not draw the SVG'));
      img.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(img.width * scale));
    canvas.height = Math.max(1, Math.round(img.height * scale));
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas');
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0);
    return await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the PNG could not be made'))), 'image/png'));
  }
}

/** Saves a blob as a file (a download link clicked once). */
export function saveBlob(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The element of the open view: a machine view, or both sides in compare mode. */
/**
 * The open view once its code has loaded: a view's module loads when its tab
 * first opens, and until then the element holds the "Loading view…" line
 * (and the previous view, hidden). Null when none is open, or it is still
 * loading after `waitMs`.
 */
export async function loadedViewElement(waitMs = 10_000): Promise<{ el: HTMLElement; id: string } | 'loading' | null> {
  const until = performance.now() + waitMs;
  for (;;) {
    const v = openViewElement();
    if (!v) return null;
    if (!v.el.querySelector('.view-loading')) return v;
    if (performance.now() > until) return 'loading';
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function openViewElement(): { el: HTMLElement; id: string } | null {
  const cmp = document.querySelector<HTMLElement>('[data-testid=compare]');
  if (cmp) return { el: cmp, id: 'compare' };
  const el = document.querySelector<HTMLElement>('.view-body[data-view]');
  return el ? { el, id: el.dataset.view ?? 'view' } : null;
}
