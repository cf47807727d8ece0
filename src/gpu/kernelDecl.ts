/**
 * Self-describing kernels: a kernel states its named parameters, named storage bindings (with access) and
 * workgroup size once, in TypeScript; `defineKernel` checks the WGSL against that statement when the kernel is
 * defined (at module load, no GPU needed), with an error that names the kernel and the field. Dispatch then reads
 * `gpu.run(KERNEL, { x, out }, { n, mode })`: bindings and parameters by name, packed in the WGSL's order.
 *
 * WGSL conventions the check enforces:
 *   struct Params { n: u32, scale: f32 }               // scalar u32/i32/f32 fields only, no padding fields
 *   @group(0) @binding(0) var<uniform> u: Params;      // present iff the kernel has parameters
 *   @group(0) @binding(k) var<storage, read|read_write> name: array<…>;   // k ≥ 1, any order, may be shared
 *   @compute @workgroup_size(WG) fn entry(…)            // WG (or WG_X, WG_Y, WG_Z): `override` constants the
 *                                                      // runtime sets from `workgroupSize`
 * Several entry points of one file share its declarations; each kernel binds only the names it lists, so no
 * filler buffers. `global_index(gid, nwg)` (src/gpu/shaders/index.wgsl) unfolds grids made by `gpu.grid`.
 *
 * A family declared with `kernelFamily({ prefix, params, bindings, lib, code })` gets that header generated
 * (`wgslHeader`, after index.wgsl and `lib`); hand-written headers use `kernelFamily(prefix, code)`.
 */

import indexWgsl from './shaders/index.wgsl?raw';

export type Scalar = 'u32' | 'i32' | 'f32';
export type Access = 'read' | 'rw';

export interface KernelDecl<P extends string = string, B extends string = string> {
  /** Unique, human name, e.g. 'activation_fwd'. */
  name: string;
  /** The WGSL module (shared helpers and entry points). */
  code: string;
  entryPoint: string;
  /** Parameter names (in any order; packed in the WGSL struct's order) and their scalar types. */
  params?: Readonly<Record<P, Scalar>>;
  /** Storage bindings this entry point uses, by their WGSL names. */
  bindings: Readonly<Record<B, Access>>;
  /** Workgroup size; a number is [n, 1, 1]. */
  workgroupSize: number | readonly [number, number?, number?];
  /**
   * For 1-D kernels: the invocation count, from a parameter name or a function of the parameters; `run` then
   * computes the (folded) grid itself.
   */
  invocations?: NoInfer<P> | ((p: Readonly<Record<NoInfer<P>, number>>) => number);
  /** Other pipeline-overridable constants (WGSL `override`), part of the pipeline's identity. */
  constants?: Record<string, number>;
}

export interface Kernel<P extends string = string, B extends string = string> {
  readonly decl: KernelDecl<P, B>;
  readonly name: string;
  readonly code: string;
  readonly entryPoint: string;
  /** [x, y, z] */
  readonly workgroupSize: readonly [number, number, number];
  /** Uniform fields in WGSL order; `declared` = the kernel sets it (others are packed as 0). */
  readonly uniformFields: readonly { name: P; type: Scalar; declared: boolean }[];
  /** Storage bindings: name, WGSL binding index, access. */
  readonly storage: readonly { name: B; binding: number; access: Access }[];
  /** Override constants for the pipeline (workgroup size and `constants`). */
  readonly constants: Record<string, number>;
  /** A stable key for pipeline caches. */
  readonly key: string;
}

export class KernelDeclError extends Error {}

/** Strip // and /* *\/ comments so declarations in comments do not count. */
function stripComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
}

interface WgslFacts {
  params: { name: string; type: string }[] | null;
  uniformBinding: number | null;
  storage: Map<string, { binding: number; access: Access; group: number }>;
  workgroupSize: Map<string, string[]>;
  overrides: Set<string>;
  /** Function name → body text (between its braces). */
  functions: Map<string, string>;
}

const factsCache = new Map<string, WgslFacts>();

function wgslFacts(code: string): WgslFacts {
  let f = factsCache.get(code);
  if (f) return f;
  const src = stripComments(code);
  const struct = /struct\s+Params\s*\{([^}]*)\}/.exec(src);
  const params = struct
    ? struct[1]
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map((s) => {
          const m = /^([A-Za-z_]\w*)\s*:\s*([\w<>]+)$/.exec(s.replace(/@\w+\([^)]*\)\s*/g, ''));
          return m ? { name: m[1], type: m[2] } : { name: s, type: '?' };
        })
    : null;
  const storage = new Map<string, { binding: number; access: Access; group: number }>();
  let uniformBinding: number | null = null;
  const varRe =
    /@group\((\d+)\)\s*@binding\((\d+)\)\s*var<\s*(uniform|storage)\s*(?:,\s*(read|read_write))?\s*>\s*([A-Za-z_]\w*)/g;
  for (const m of src.matchAll(varRe)) {
    const [, group, binding, space, access, name] = m;
    if (space === 'uniform') uniformBinding = Number(binding);
    else
      storage.set(name, {
        binding: Number(binding),
        access: access === 'read_write' ? 'rw' : 'read',
        group: Number(group),
      });
  }
  const workgroupSize = new Map<string, string[]>();
  const entryRe = /@compute\s*@workgroup_size\(([^)]*)\)\s*fn\s+([A-Za-z_]\w*)/g;
  for (const m of src.matchAll(entryRe))
    workgroupSize.set(
      m[2],
      m[1]
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
  const overrides = new Set([...src.matchAll(/\boverride\s+([A-Za-z_]\w*)/g)].map((m) => m[1]));
  const functions = new Map<string, string>();
  for (const m of src.matchAll(/\bfn\s+([A-Za-z_]\w*)\s*\(/g)) {
    const open = src.indexOf('{', m.index! + m[0].length);
    if (open < 0) continue;
    let depth = 0,
      end = open;
    for (; end < src.length; end++) {
      if (src[end] === '{') depth++;
      else if (src[end] === '}' && --depth === 0) break;
    }
    functions.set(m[1], src.slice(open + 1, end));
  }
  f = { params, uniformBinding, storage, workgroupSize, overrides, functions };
  factsCache.set(code, f);
  return f;
}

const WG_NAMES = ['WG_X', 'WG_Y', 'WG_Z'];

/** The `u.<field>` names an entry point reads, following the module functions it calls. */
function fieldsRead(f: WgslFacts, entry: string): Set<string> {
  const out = new Set<string>();
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const body = f.functions.get(name);
    if (body === undefined) return;
    for (const m of body.matchAll(/\bu\.([A-Za-z_]\w*)/g)) out.add(m[1]);
    for (const m of body.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) if (f.functions.has(m[1])) visit(m[1]);
  };
  visit(entry);
  return out;
}

type Fail = (what: string) => never;

/** The declared workgroup size as [x, y, z], checked against the entry point's @workgroup_size; sets the WG overrides. */
function checkWorkgroupSize(decl: KernelDecl, f: WgslFacts, constants: Record<string, number>, bad: Fail): number[] {
  const wg =
    typeof decl.workgroupSize === 'number'
      ? [decl.workgroupSize, 1, 1]
      : [decl.workgroupSize[0], decl.workgroupSize[1] ?? 1, decl.workgroupSize[2] ?? 1];
  if (wg.some((v) => !Number.isInteger(v) || v < 1))
    bad(`workgroupSize ${JSON.stringify(decl.workgroupSize)} must be positive integers`);
  const size = f.workgroupSize.get(decl.entryPoint);
  if (!size) return bad(`no '@compute @workgroup_size(…) fn ${decl.entryPoint}' in its WGSL`);
  size.forEach((tok, i) => {
    if (/^\d+u?$/.test(tok)) {
      if (Number(tok.replace('u', '')) !== wg[i])
        bad(`WGSL @workgroup_size has ${tok} in dimension ${i} but the declaration says ${wg[i]}`);
    } else if (tok === 'WG' && i === 0) {
      if (!f.overrides.has('WG')) bad(`@workgroup_size uses WG but the WGSL declares no 'override WG'`);
      constants.WG = wg[0];
    } else if (tok === WG_NAMES[i]) {
      if (!f.overrides.has(tok)) bad(`@workgroup_size uses ${tok} but the WGSL declares no 'override ${tok}'`);
      constants[tok] = wg[i];
    } else
      bad(
        `@workgroup_size argument '${tok}' in dimension ${i}: use a literal or the override ${i === 0 ? 'WG or WG_X' : WG_NAMES[i]}`,
      );
  });
  for (let i = size.length; i < 3; i++)
    if (wg[i] !== 1) bad(`the declaration's workgroup size has ${wg[i]} in dimension ${i}, the WGSL none`);
  // `global_index` (index.wgsl) multiplies by WG: set it whenever the module declares it.
  if (f.overrides.has('WG') && constants.WG === undefined) constants.WG = wg[0];
  return wg;
}

/**
 * Parameters ↔ struct Params: the declaration names every field the entry point reads (directly or through the
 * functions it calls); fields of a shared struct that this entry point never reads are packed as 0.
 */
function checkParams<P extends string>(decl: KernelDecl<P>, f: WgslFacts, bad: Fail): Kernel<P>['uniformFields'] {
  const declared = Object.entries(decl.params ?? {}) as [P, Scalar][];
  const uniformFields: { name: P; type: Scalar; declared: boolean }[] = [];
  const read = fieldsRead(f, decl.entryPoint);
  if (declared.length === 0 && read.size === 0) return uniformFields;
  if (!f.params)
    return bad(`params declared (${declared.map(([n]) => n).join(', ')}) but the WGSL has no 'struct Params'`);
  if (f.uniformBinding !== 0) bad(`the uniform block must be '@group(0) @binding(0) var<uniform> u: Params'`);
  const want = new Map(declared);
  for (const p of f.params) {
    if (p.type !== 'u32' && p.type !== 'i32' && p.type !== 'f32')
      bad(`Params.${p.name} has type ${p.type}; only u32, i32 and f32 fields are allowed`);
    const t = want.get(p.name as P);
    if (t === undefined && read.has(p.name))
      bad(`the entry point reads u.${p.name} but the declaration's params lack '${p.name}'`);
    if (t !== undefined && t !== p.type) bad(`param '${p.name}' is declared ${t} but Params.${p.name} is ${p.type}`);
    uniformFields.push({ name: p.name as P, type: (t ?? p.type) as Scalar, declared: t !== undefined });
  }
  for (const [n] of declared)
    if (!f.params.some((p) => p.name === n)) bad(`declared param '${n}' has no field in the WGSL's struct Params`);
  return uniformFields;
}

/** Storage bindings by name: each declared in the WGSL, in group 0, off index 0, with the declared access. */
function checkBindings<B extends string>(
  decl: KernelDecl<string, B>,
  f: WgslFacts,
  bad: Fail,
): Kernel<string, B>['storage'] {
  const storage: { name: B; binding: number; access: Access }[] = [];
  for (const [name, access] of Object.entries(decl.bindings) as [B, Access][]) {
    const s = f.storage.get(name);
    if (!s)
      return bad(
        `binding '${name}' is not declared in the WGSL (expected '@group(0) @binding(k) var<storage, …> ${name}')`,
      );
    if (s.group !== 0) bad(`binding '${name}' is in group ${s.group}; kernels use group 0`);
    if (s.binding === 0) bad(`binding '${name}' uses index 0, which is the uniform block's`);
    if (s.access !== access)
      bad(`binding '${name}' is declared '${access}' but the WGSL says '${s.access === 'rw' ? 'read_write' : 'read'}'`);
    const clash = storage.find((o) => o.binding === s.binding);
    if (clash) bad(`bindings '${name}' and '${clash.name}' share index ${s.binding}`);
    storage.push({ name, binding: s.binding, access });
  }
  return storage;
}

/** Check a kernel's declaration against its WGSL and return the kernel; throws KernelDeclError naming the field. */
export function defineKernel<P extends string = never, B extends string = string>(
  decl: KernelDecl<P, B>,
): Kernel<P, B> {
  const bad: Fail = (what) => {
    throw new KernelDeclError(`kernel ${decl.name} (${decl.entryPoint}): ${what}`);
  };
  const f = wgslFacts(decl.code);
  const constants: Record<string, number> = { ...(decl.constants ?? {}) };
  const wg = checkWorkgroupSize(decl as KernelDecl, f, constants, bad);
  const uniformFields = checkParams(decl, f, bad);
  const storage = checkBindings(decl, f, bad);
  if (typeof decl.invocations === 'string' && !Object.hasOwn(decl.params ?? {}, decl.invocations))
    bad(`invocations '${decl.invocations}' is not a declared param`);
  const key = `${decl.name}|${decl.entryPoint}|${JSON.stringify(constants)}`;
  return {
    decl,
    name: decl.name,
    code: decl.code,
    entryPoint: decl.entryPoint,
    workgroupSize: wg as [number, number, number],
    uniformFields,
    storage,
    constants,
    key,
  };
}

/** Pack named parameter values in the WGSL struct's order (4-byte scalars, padded to 16 bytes). */
export function packParams(k: Kernel, values: Readonly<Record<string, number>> | undefined): Uint8Array {
  const v = values ?? {};
  for (const name of Object.keys(v)) {
    if (!k.uniformFields.some((f) => f.declared && f.name === name)) {
      throw new KernelDeclError(
        `kernel ${k.name}: unknown param '${name}' (params: ${
          k.uniformFields
            .filter((f) => f.declared)
            .map((f) => f.name)
            .join(', ') || 'none'
        })`,
      );
    }
  }
  const n = Math.max(4, Math.ceil(k.uniformFields.length / 4) * 4);
  const buf = new ArrayBuffer(n * 4);
  const dv = new DataView(buf);
  k.uniformFields.forEach((f, i) => {
    if (!f.declared) return; // not read by this entry point: 0
    const x = v[f.name];
    if (x === undefined) throw new KernelDeclError(`kernel ${k.name}: param '${f.name}' missing`);
    if (f.type === 'u32') {
      if (!Number.isInteger(x) || x < 0 || x > 0xffffffff)
        throw new KernelDeclError(`kernel ${k.name}: param '${f.name}' = ${x} is not a u32`);
      dv.setUint32(4 * i, x, true);
    } else if (f.type === 'i32') {
      if (!Number.isInteger(x) || x < -0x80000000 || x > 0x7fffffff)
        throw new KernelDeclError(`kernel ${k.name}: param '${f.name}' = ${x} is not an i32`);
      dv.setInt32(4 * i, x, true);
    } else dv.setFloat32(4 * i, x, true);
  });
  return new Uint8Array(buf);
}

/** The invocation count of a 1-D kernel for these parameters, or null when the kernel does not declare one. */
export function invocationsOf(k: Kernel, values: Readonly<Record<string, number>> | undefined): number | null {
  const inv = k.decl.invocations;
  if (inv === undefined) return null;
  if (typeof inv === 'function') return inv((values ?? {}) as never);
  const n = values?.[inv];
  if (n === undefined) throw new KernelDeclError(`kernel ${k.name}: param '${inv}' (the invocation count) missing`);
  return n;
}

/** A kernel's own part of a family declaration: its parameters, bindings and (1-D) invocation count. */
export type FamilyKernel<FP extends string = string, FB extends string = string> = <
  P extends FP = never,
  B extends FB = FB,
>(
  entryPoint: string,
  params: Readonly<Record<P, Scalar>>,
  bindings: Readonly<Record<B, Access>>,
  invocations?: KernelDecl<P, B>['invocations'],
  extra?: Pick<KernelDecl<P, B>, 'constants'> & Partial<Pick<KernelDecl<P, B>, 'name' | 'workgroupSize'>>,
) => Kernel<P, B>;

/** A family's storage binding: its access, and its WGSL type when not `array<f32>`. */
export type BindingDecl = Access | { readonly access: Access; readonly type: string };

/** One kernel family, declared once: the WGSL header is generated from `params` and `bindings`. */
export interface FamilyDecl<FP extends string = string, FB extends string = string> {
  /** Kernels are named `${prefix}${entryPoint}` unless a kernel's `extra.name` says otherwise. */
  prefix: string;
  /** The fields of `struct Params`, in struct (packing) order. */
  params?: Readonly<Record<FP, Scalar>>;
  /** The storage bindings, in slot order (1, 2, …). */
  bindings: Readonly<Record<FB, BindingDecl>>;
  /** WGSL placed after index.wgsl (always there) and before the generated header: helpers such as math.wgsl. */
  lib?: string;
  /** The family's WGSL (helpers and entry points), without a header of its own. */
  code: string;
  workgroupSize?: KernelDecl['workgroupSize'];
}

const UNIFORM = '@group(0) @binding(0) var<uniform> u: Params;';
/** A family's WGSL header: `struct Params` in declared order and the uniform at 0 (iff params), storage at 1, 2… */
export function wgslHeader(params: FamilyDecl['params'], bindings: FamilyDecl['bindings'], what = 'family'): string {
  const fields = Object.entries(params ?? {});
  const storage = Object.entries(bindings).map(([n, b]) =>
    typeof b === 'string' ? [n, b, 'array<f32>'] : [n, b.access, b.type],
  );
  for (const [n, t] of [...fields, ...storage])
    if (!/^[A-Za-z_]\w*$/.test(n) || !['u32', 'i32', 'f32', 'read', 'rw'].includes(t))
      throw new KernelDeclError(`${what}: '${n}: ${t}' is not a WGSL identifier with u32|i32|f32 or read|rw`);
  const uniform = [`struct Params { ${fields.map((f) => f.join(': ')).join(', ')} }`, UNIFORM];
  const lines = storage.map(
    ([n, access, type], i) =>
      `@group(0) @binding(${i + 1}) var<storage, ${access === 'rw' ? 'read_write' : 'read'}> ${n}: ${type};`,
  );
  return [...(fields.length ? uniform : []), ...lines, ''].join('\n');
}

/**
 * The kernels of one WGSL module: each is named `${prefix}${entryPoint}` (unless `extra.name` says otherwise) and
 * runs `workgroupSize` invocations per workgroup (unless `extra.workgroupSize` does); every kernel states the
 * Params fields its entry point reads and the bindings it uses. With a `FamilyDecl` the module's header is
 * generated (`wgslHeader`) and a kernel naming a param or binding the family lacks is refused; with
 * `(prefix, code)` the module carries its own, hand-written header.
 */
export function kernelFamily<FP extends string, FB extends string>(decl: FamilyDecl<FP, FB>): FamilyKernel<FP, FB>;
export function kernelFamily(prefix: string, code: string, workgroupSize?: KernelDecl['workgroupSize']): FamilyKernel;
export function kernelFamily(
  prefixOrDecl: string | FamilyDecl,
  handCode?: string,
  handWorkgroupSize: KernelDecl['workgroupSize'] = 256,
): FamilyKernel {
  const fam = typeof prefixOrDecl === 'string' ? null : prefixOrDecl;
  const prefix = fam ? fam.prefix : (prefixOrDecl as string);
  const what = `kernel family '${prefix}'`;
  const own = fam && wgslFacts(fam.code);
  if (own && (own.params || own.uniformBinding !== null || own.storage.size))
    throw new KernelDeclError(`${what}: its WGSL declares its own header (struct Params or bindings); it is generated`);
  const code = fam ? indexWgsl + (fam.lib ?? '') + wgslHeader(fam.params, fam.bindings, what) + fam.code : handCode!;
  const workgroupSize = fam?.workgroupSize ?? handWorkgroupSize;
  return (entryPoint, params, bindings, invocations, extra) => {
    const name = extra?.name ?? prefix + entryPoint;
    for (const [kind, names, has] of [
      ['param', Object.keys(params), Object.keys(fam?.params ?? {})],
      ['binding', Object.keys(bindings), Object.keys(fam?.bindings ?? {})],
    ] as const)
      for (const n of fam ? names : [])
        if (!has.includes(n))
          throw new KernelDeclError(
            `kernel ${name} (${entryPoint}): ${kind} '${n}' is not in ${what}'s declaration (${kind}s: ${has.join(', ') || 'none'})`,
          );
    return defineKernel({ name, code, entryPoint, params, bindings, workgroupSize, invocations, ...extra });
  };
}
