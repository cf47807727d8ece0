/**
 * The page and the worker reach the engine only through src/api (specs/app.md "One engine, one door"): no file
 * under src/ui, src/worker or src/main.tsx imports src/gpu, src/model or src/pipeline, statically or dynamically.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '..');
const FORBIDDEN = ['gpu', 'model', 'pipeline'];

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.(ts|tsx)$/.test(name) && !/\.test\.tsx?$/.test(name)) out.push(p);
  }
  return out;
}

/** Every module specifier a file imports: `import … from 'x'`, `export … from 'x'`, `import 'x'`, `import('x')`. */
export function importsOf(text: string): string[] {
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g;
  return [...text.matchAll(re)].map((m) => m[1]);
}

/** The top-level src/ folder a relative specifier lands in, or null for packages. */
function layerOf(file: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const target = relative(SRC, resolve(dirname(file), spec));
  return target.split(/[\\/]/)[0];
}

describe('layer boundary of the page and the worker', () => {
  it('finds the imports it checks (the scanner is not blind)', () => {
    expect(importsOf(`import { a } from '../api/engine';\nimport type { B } from "../x";\nconst w = import('../gpu/kernel');\nimport '../y.css';`)).toEqual(['../api/engine', '../x', '../gpu/kernel', '../y.css']);
    expect(layerOf(join(SRC, 'ui/views/A.tsx'), '../../gpu/kernel')).toBe('gpu');
    expect(layerOf(join(SRC, 'worker/x.ts'), '../api/engine')).toBe('api');
  });

  it('src/ui, src/worker and src/main.tsx import nothing from src/gpu, src/model or src/pipeline', () => {
    const files = [...sources(join(SRC, 'ui')), ...sources(join(SRC, 'worker')), join(SRC, 'main.tsx')];
    expect(files.length).toBeGreaterThan(20);
    const violations: string[] = [];
    for (const f of files) {
      for (const spec of importsOf(readFileSync(f, 'utf8'))) {
        const layer = layerOf(f, spec);
        if (layer && FORBIDDEN.includes(layer)) violations.push(`${relative(SRC, f)} imports ${spec}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
