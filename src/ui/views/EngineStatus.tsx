/**
 * The status line: where the compute runs (this browser's WebGPU, or an engine server's adapter) and, where the
 * browser has no usable WebGPU or only a software one, the two ways to a real GPU: run a local engine server, or
 * connect to one. On an engine server it also says whether this page controls the job.
 */
import { useState } from 'react';
import { switchEngine } from '../engineLocation';
import { useStore } from '../store';

const SERVE_COMMAND = 'npx ptychopinn serve';

function ConnectForm({ onClose }: { onClose: () => void }) {
  const [url, setUrl] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const connect = () => {
    // Accept what `ptychopinn serve` prints (http://host:port/#engine=…&token=…) or a bare ws:// URL + token.
    const text = url.trim();
    const m = /#(.*)$/.exec(text);
    const params = new URLSearchParams(m ? m[1] : '');
    const engine = params.get('engine');
    const token = params.get('token');
    if (engine && token && /^wss?:\/\//.test(engine)) return switchEngine({ url: engine, token });
    setProblem('paste the whole URL that `ptychopinn serve` printed (it ends in #engine=…&token=…)');
  };
  return (
    <div className="connect-form" data-testid="connect-form">
      <input
        aria-label="engine URL"
        placeholder="http://127.0.0.1:8765/#engine=…&token=…"
        value={url}
        onChange={(e) => setUrl(e.target.value)}
        size={48}
      />{' '}
      <button type="button" data-testid="connect-engine" onClick={connect}>
        connect
      </button>{' '}
      <button type="button" onClick={onClose}>
        cancel
      </button>
      {problem && <p className="muted">{problem}</p>}
    </div>
  );
}

export function EngineStatus() {
  const gpu = useStore((s) => s.gpu);
  const engine = useStore((s) => s.engine);
  const control = useStore((s) => s.control);
  const connection = useStore((s) => s.connection);
  const [offer, setOffer] = useState<'none' | 'local' | 'connect'>('none');
  const server = engine.kind === 'server' ? engine.host : null;
  const cls = connection ? 'none' : gpu ? (gpu.available ? (gpu.isFallbackAdapter ? 'slow' : 'ok') : 'none') : '';
  let text: string;
  if (server && connection) text = connection.message;
  else if (!gpu) text = server ? `connecting to the engine at ${server}…` : 'checking WebGPU…';
  else if (server)
    text = gpu.available
      ? `Compute: engine server ${server} — ${gpu.description}${gpu.isFallbackAdapter ? ' — software adapter, training will be slow' : ''}`
      : `Engine server ${server} has no GPU: ${gpu.reason ?? 'unavailable'}`;
  else
    text = gpu.available
      ? `Compute: this browser's WebGPU — ${gpu.description}${gpu.isFallbackAdapter ? ' — software adapter, training will be slow' : ''}`
      : `No WebGPU: ${gpu.reason ?? 'unavailable'}${gpu.hint ? ` (${gpu.hint})` : ''}`;
  const needsGpu = !server && gpu && (!gpu.available || gpu.isFallbackAdapter);
  return (
    <span className="engine-status">
      <span data-testid="gpu-status" className={`gpu ${cls}`} title={gpu?.hint ?? ''}>
        {text}
      </span>
      {server && control && (
        <span data-testid="engine-control" className="muted">
          {' '}
          · {control.controller ? 'this page controls the job' : 'watching: another page controls the job'}
          {control.clients > 1 ? ` (${control.clients} pages)` : ''}
        </span>
      )}
      {server && (
        <button
          type="button"
          className="link"
          onClick={() => switchEngine(null)}
          title="Run on this browser's own WebGPU instead"
        >
          use this browser
        </button>
      )}
      {needsGpu && (
        <span className="engine-offer">
          {' '}
          <button
            type="button"
            data-testid="offer-local"
            onClick={() => setOffer(offer === 'local' ? 'none' : 'local')}
          >
            Use a local engine
          </button>{' '}
          <button
            type="button"
            data-testid="offer-connect"
            onClick={() => setOffer(offer === 'connect' ? 'none' : 'connect')}
          >
            Connect to engine…
          </button>
        </span>
      )}
      {offer === 'local' && (
        <p className="engine-help" data-testid="local-help">
          Train on this machine's GPU through its native drivers: in a terminal, in a clone of PtychoPINN Web, run{' '}
          <code>{SERVE_COMMAND}</code> and open the URL it prints.
        </p>
      )}
      {offer === 'connect' && <ConnectForm onClose={() => setOffer('none')} />}
    </span>
  );
}
