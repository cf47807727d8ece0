// The drop zone for scans and model archives: files are read by the page's engine — in this tab, or on the engine
// server the tab is connected to (and nowhere else).
import { useRef, useState, type ReactNode } from 'react';

/** Drop a scan (.npz / .npy) or a model archive (.zip) here or pick one; `server` names the engine server the files go to. */
export function DropZone(props: {
  onFile: (file: File) => void;
  busy: boolean;
  server?: string | null;
  children?: ReactNode;
}) {
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
        if (f && !props.busy) props.onFile(f);
      }}
    >
      <p>
        Drop a scan (<code>.npz</code> with <code>xcoords</code>, <code>ycoords</code>, <code>diff3d</code>,{' '}
        <code>probeGuess</code>) or a model (<code>.zip</code>, ours or a PtychoPINN <code>wts.h5.zip</code>) here, or{' '}
        <button type="button" onClick={() => input.current?.click()} disabled={props.busy}>
          choose a file
        </button>
      </p>
      <p>{props.children}</p>
      <p className="muted" data-testid="data-location">
        {props.server
          ? `Everything runs on the engine server ${props.server}: your data go to that machine and nowhere else.`
          : 'Everything runs in this browser tab: your data never leave this machine.'}
      </p>
      <input
        ref={input}
        data-testid="file-input"
        type="file"
        accept=".npz,.npy,.zip"
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
