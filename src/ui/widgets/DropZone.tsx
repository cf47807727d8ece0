import { useRef, useState } from 'react';

/** Drop a .npz / .npy here or pick one; data are read locally and never leave the machine. */
export function DropZone(props: { onFile: (file: File) => void; onExample: () => void; busy: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  return (
    <section
      className={`drop-zone${over ? ' over' : ''}`}
      data-testid="drop-zone"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        const f = e.dataTransfer.files[0];
        if (f) props.onFile(f);
      }}
    >
      <p>
        Drop a scan (<code>.npz</code> with <code>xcoords</code>, <code>ycoords</code>, <code>diff3d</code>, <code>probeGuess</code>) here, or{' '}
        <button type="button" onClick={() => input.current?.click()} disabled={props.busy}>
          choose a file
        </button>{' '}
        or{' '}
        <button type="button" data-testid="load-example" onClick={props.onExample} disabled={props.busy}>
          load the example
        </button>
      </p>
      <p className="muted">Everything runs in this browser tab: your data never leave this machine.</p>
      <input
        ref={input}
        data-testid="file-input"
        type="file"
        accept=".npz,.npy"
        hidden
        onChange={(e) => {
          const f = e.target.files?.[0];
          if (f) props.onFile(f);
          e.target.value = '';
        }}
      />
    </section>
  );
}
