// Tests of the engine server address and token in the URL fragment (src/ui/engineLocation.ts).
import { describe, expect, it } from 'vitest';
import { splitEngineHash } from './engineLocation';

describe('engine server in the URL fragment', () => {
  it('takes engine and token out of the hash and keeps the experiment keys', () => {
    const r = splitEngineHash('#engine=ws%3A%2F%2F127.0.0.1%3A8080%2Fengine&token=abc123&nepochs=3');
    expect(r.target).toEqual({ url: 'ws://127.0.0.1:8080/engine', token: 'abc123' });
    expect(r.rest).toBe('#nepochs=3');
    expect(splitEngineHash('#engine=ws://h:1/engine&token=t').target).toEqual({ url: 'ws://h:1/engine', token: 't' });
  });
  it('ignores an incomplete or non-WebSocket target', () => {
    expect(splitEngineHash('#token=abc').target).toBeNull();
    expect(splitEngineHash('#engine=http%3A%2F%2Fevil%2F&token=abc').target).toBeNull();
    expect(splitEngineHash('#engine=%E0%A4%A&token=x').target).toBeNull();
    expect(splitEngineHash('').rest).toBe('');
  });
});
