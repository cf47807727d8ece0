/**
 * An image (RGBA pixels at native resolution) in a fixed display box, with zoom (wheel, about the cursor), pan
 * (drag), reset (double-click), a hover read-out callback in image pixels, a line-profile tool (shift + drag),
 * an optional rectangle overlay, a colour legend below and a PNG export of the native-resolution image. Views can
 * be linked by passing the same `view` / `onView` to several viewers.
 */
import { useCallback, useEffect, useRef, useState, type ReactNode, type RefObject } from 'react';
import { download } from '../controller';

export interface ViewState {
  /** Magnification over "fit to box" (≥ 1). */
  zoom: number;
  /** Image pixel at the centre of the box. */
  cx: number;
  cy: number;
}

export interface Line {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const fitView = (w: number, h: number): ViewState => ({ zoom: 1, cx: w / 2, cy: h / 2 });

export interface ImageViewerProps {
  title: string;
  testId?: string;
  width: number;
  height: number;
  pixels: Uint8ClampedArray;
  legend?: ReactNode;
  size?: number;
  view?: ViewState;
  onView?: (v: ViewState) => void;
  onHover?: (p: { x: number; y: number } | null) => void;
  line?: Line | null;
  onLine?: (l: Line) => void;
  rect?: Rect | null;
  fileName?: string;
}

type Point = { x: number; y: number };

/** The display box, the view (the caller's when linked, else local) and the maps between screen and image pixels. */
function useViewport(props: ImageViewerProps) {
  const { width: w, height: h } = props;
  const [localView, setLocalView] = useState<ViewState>(fitView(w, h));
  const view = props.view ?? localView;
  const setView = props.onView ?? setLocalView;
  const size = props.size ?? 240;
  const base = size / Math.max(w, h);
  const dispW = Math.round(w * base),
    dispH = Math.round(h * base);
  const scale = base * view.zoom;
  const toImage = useCallback(
    (px: number, py: number) => ({ x: view.cx + (px - dispW / 2) / scale, y: view.cy + (py - dispH / 2) / scale }),
    [view, scale, dispW, dispH],
  );
  const toScreen = useCallback(
    (x: number, y: number) => ({ x: (x - view.cx) * scale + dispW / 2, y: (y - view.cy) * scale + dispH / 2 }),
    [view, scale, dispW, dispH],
  );
  return { view, setView, dispW, dispH, scale, toImage, toScreen };
}

type Viewport = ReturnType<typeof useViewport>;

/** The native-resolution image, redrawn only when the pixels change. */
function useNativeImage(pixels: Uint8ClampedArray, w: number, h: number) {
  const native = useRef<HTMLCanvasElement | null>(null);
  useEffect(() => {
    const c = native.current ?? (native.current = document.createElement('canvas'));
    c.width = w;
    c.height = h;
    c.getContext('2d')!.putImageData(new ImageData(pixels as Uint8ClampedArray<ArrayBuffer>, w, h), 0, 0);
  }, [pixels, w, h]);
  return native;
}

/** Draws the visible part of the image, the rectangle overlay and the profile line (the draft while dragging). */
function useDisplay(
  canvas: RefObject<HTMLCanvasElement | null>,
  native: RefObject<HTMLCanvasElement | null>,
  props: ImageViewerProps,
  vp: Viewport,
  draft: Line | null,
) {
  const { width: w, height: h, pixels } = props;
  const { view, scale, dispW, dispH, toScreen } = vp;
  useEffect(() => {
    const c = canvas.current;
    if (!c || !native.current) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.round(dispW * dpr);
    c.height = Math.round(dispH * dpr);
    const ctx = c.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = '#e9ecf1';
    ctx.fillRect(0, 0, dispW, dispH);
    ctx.imageSmoothingEnabled = false;
    const o = toScreen(0, 0);
    ctx.drawImage(native.current, o.x, o.y, w * scale, h * scale);
    if (props.rect) {
      const a = toScreen(props.rect.x, props.rect.y);
      ctx.strokeStyle = 'rgba(255,255,255,0.8)';
      ctx.setLineDash([4, 3]);
      ctx.strokeRect(a.x, a.y, props.rect.width * scale, props.rect.height * scale);
      ctx.setLineDash([]);
    }
    const line = draft ?? props.line;
    if (line) {
      const a = toScreen(line.x0, line.y0),
        b = toScreen(line.x1, line.y1);
      ctx.strokeStyle = '#ff4d4f';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(a.x, a.y);
      ctx.lineTo(b.x, b.y);
      ctx.stroke();
    }
  }, [canvas, native, pixels, view, scale, dispW, dispH, w, h, toScreen, draft, props.line, props.rect]);
}

/** Wheel zoom about the cursor (a non-passive listener so the page does not scroll). */
function useWheelZoom(canvas: RefObject<HTMLCanvasElement | null>, vp: Viewport) {
  const { toImage, view, setView } = vp;
  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = c.getBoundingClientRect();
      const p = toImage(e.clientX - r.left, e.clientY - r.top);
      const zoom = Math.min(64, Math.max(1, view.zoom * Math.pow(1.2, -e.deltaY / 100)));
      const k = view.zoom / zoom;
      setView({ zoom, cx: p.x + (view.cx - p.x) * k, cy: p.y + (view.cy - p.y) * k });
    };
    c.addEventListener('wheel', onWheel, { passive: false });
    return () => c.removeEventListener('wheel', onWheel);
  }, [canvas, toImage, view, setView]);
}

/** Pan (drag), the line-profile tool (shift + drag), the hover read-out and reset (double-click) on the canvas. */
function usePointer(canvas: RefObject<HTMLCanvasElement | null>, props: ImageViewerProps, vp: Viewport) {
  const { width: w, height: h } = props;
  const { view, setView, scale, toImage } = vp;
  const drag = useRef<{ kind: 'pan' | 'line'; x: number; y: number; view: ViewState; start?: Point } | null>(null);
  const [draft, setDraft] = useState<Line | null>(null);
  const local = (e: React.PointerEvent) => {
    const r = canvas.current!.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };
  const handlers = {
    onPointerDown: (e: React.PointerEvent) => {
      const p = local(e);
      (e.target as HTMLCanvasElement).setPointerCapture(e.pointerId);
      drag.current =
        e.shiftKey && props.onLine
          ? { kind: 'line', x: p.x, y: p.y, view, start: toImage(p.x, p.y) }
          : { kind: 'pan', x: p.x, y: p.y, view };
    },
    onPointerMove: (e: React.PointerEvent) => {
      const p = local(e);
      const d = drag.current;
      if (d?.kind === 'pan')
        setView({ ...d.view, cx: d.view.cx - (p.x - d.x) / scale, cy: d.view.cy - (p.y - d.y) / scale });
      else if (d?.kind === 'line' && d.start) {
        const q = toImage(p.x, p.y);
        setDraft({ x0: d.start.x, y0: d.start.y, x1: q.x, y1: q.y });
      }
      const q = toImage(p.x, p.y);
      const x = Math.floor(q.x),
        y = Math.floor(q.y);
      props.onHover?.(x >= 0 && y >= 0 && x < w && y < h ? { x, y } : null);
    },
    onPointerUp: () => {
      if (drag.current?.kind === 'line' && draft) props.onLine?.(draft);
      drag.current = null;
      setDraft(null);
    },
    onPointerLeave: () => props.onHover?.(null),
    onDoubleClick: () => setView(fitView(w, h)),
  };
  return { handlers, draft, panning: drag.current?.kind === 'pan' };
}

export function ImageViewer(props: ImageViewerProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const native = useNativeImage(props.pixels, props.width, props.height);
  const vp = useViewport(props);
  const pointer = usePointer(canvas, props, vp);
  useDisplay(canvas, native, props, vp, pointer.draft);
  useWheelZoom(canvas, vp);

  return (
    <figure className="image-view" data-testid={props.testId}>
      <figcaption>
        <span>{props.title}</span>
        <button
          type="button"
          className="small"
          title="save this image as PNG (native resolution, this colour map)"
          onClick={() =>
            native.current?.toBlob(
              (b) => b && download({ blob: b, fileName: props.fileName ?? `${props.title.replace(/\W+/g, '-')}.png` }),
              'image/png',
            )
          }
        >
          PNG
        </button>
      </figcaption>
      <canvas
        ref={canvas}
        style={{
          width: vp.dispW,
          height: vp.dispH,
          cursor: pointer.panning ? 'grabbing' : 'crosshair',
          touchAction: 'none',
        }}
        {...pointer.handlers}
      />
      {props.legend}
    </figure>
  );
}
