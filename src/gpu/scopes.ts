/**
 * Tensor bookkeeping of the runtime (src/gpu/runtime.ts): the set of live tensors and the stack of `tidy` scopes
 * that dispose, when they close, every tensor created inside them except those returned or kept.
 */
import { Tensor } from './tensor';

export class TensorScopes {
  private scopes: Set<Tensor>[] = [];
  private live = new Set<Tensor>();

  /** Number of tensors alive (allocated and not disposed). */
  get size(): number {
    return this.live.size;
  }

  /** Register a new tensor: alive, and owned by the innermost open scope. */
  add(t: Tensor): void {
    this.live.add(t);
    const scope = this.scopes[this.scopes.length - 1];
    if (scope) scope.add(t);
  }

  /** Forget a disposed tensor; false when it was not alive. */
  delete(t: Tensor): boolean {
    if (!this.live.delete(t)) return false;
    for (const s of this.scopes) s.delete(t);
    return true;
  }

  /** Run `fn` in a new scope (see `Gpu.tidy`). */
  tidy<T>(fn: () => T): T {
    const scope = this.openScope();
    let result: T;
    try {
      result = fn();
    } finally {
      this.popScope(scope);
    }
    this.closeScope(scope, result);
    return result;
  }

  /** Async variant of `tidy`. */
  async tidyAsync<T>(fn: () => Promise<T>): Promise<T> {
    const scope = this.openScope();
    let result: T;
    try {
      result = await fn();
    } finally {
      this.popScope(scope);
    }
    this.closeScope(scope, result);
    return result;
  }

  /** Let `t` escape every open scope. */
  keep(t: Tensor): void {
    for (const s of this.scopes) s.delete(t);
  }

  private openScope(): Set<Tensor> {
    const scope = new Set<Tensor>();
    this.scopes.push(scope);
    return scope;
  }

  private popScope(scope: Set<Tensor>): void {
    const i = this.scopes.lastIndexOf(scope);
    if (i >= 0) this.scopes.splice(i, 1);
  }

  /** Dispose what the scope created, except the tensors in `result` (handed to the enclosing scope). */
  private closeScope(scope: Set<Tensor>, result: unknown): void {
    const keepers = new Set<Tensor>();
    collectTensors(result, keepers);
    const parent = this.scopes[this.scopes.length - 1];
    // Release in reverse creation order: the pool hands buffers out last-in first-out, so a scope that repeats
    // (a training step) gets the same buffers every time and its bind groups come from the cache.
    for (const t of [...scope].reverse()) {
      if (keepers.has(t)) {
        if (parent) parent.add(t);
      } else t.dispose();
    }
  }
}

function collectTensors(v: unknown, out: Set<Tensor>, depth = 0): void {
  if (depth > 4 || v == null) return;
  if (v instanceof Tensor) out.add(v);
  else if (Array.isArray(v)) for (const x of v) collectTensors(x, out, depth + 1);
  else if (v instanceof Map) for (const x of v.values()) collectTensors(x, out, depth + 1);
  else if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    for (const x of Object.values(v as Record<string, unknown>)) collectTensors(x, out, depth + 1);
  }
}
