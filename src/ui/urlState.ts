/**
 * The experiment in the URL hash (TF Playground style), so a link reproduces a run:
 *   #example=lines-n32&config=%7B%22nepochs%22%3A4%2C…%7D&stitch=position
 * Keys, joined by '&': `example` (a bundled example, or 'none' to start empty), `config` (the URL-encoded config
 * JSON: the fields that differ from the defaults, always with the seed; N is left out since it follows the probe),
 * `simulate` (the URL-encoded JSON of a simulated scan's parameters), `stitch` (barycentric | position).
 * Other `key=value` pairs set single config fields (src/config/serialize.ts fromUrlHash spelling, e.g. nepochs=5).
 */
import { makeTrainingConfig, MODEL_DEFAULTS, TRAINING_DEFAULTS, type TrainingConfig } from '../config/schema';
import { fromUrlHash, parseTrainingConfigJsonWithInfo } from '../config/serialize';
import { PtychoError } from '../errors';
import type { SimulateRequest, StitchMethod } from '../worker/protocol';

export interface UrlState {
  example?: string;
  config?: { config: TrainingConfig; given: string[] };
  stitch?: StitchMethod;
  simulate?: SimulateRequest;
}

const RESERVED = new Set(['example', 'config', 'stitch', 'simulate']);

function decode(key: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new PtychoError(
      'config',
      `URL hash: '${key}=' is not URL-encoded text`,
      'use the link the app\'s "copy link" gives',
    );
  }
}

export function parseHash(hash: string): UrlState {
  const body = hash.replace(/^#/, '');
  const out: UrlState = {};
  const fields: string[] = [];
  for (const part of body.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    const raw = eq < 0 ? '' : part.slice(eq + 1);
    if (!RESERVED.has(key)) {
      fields.push(part);
      continue;
    }
    const value = decode(key, raw);
    if (key === 'example') out.example = value;
    else if (key === 'stitch') {
      if (value !== 'barycentric' && value !== 'position')
        throw new PtychoError(
          'config',
          `URL hash: stitch=${value} is not a stitching method`,
          'stitch is barycentric or position',
        );
      out.stitch = value;
    } else if (key === 'config') out.config = parseTrainingConfigJsonWithInfo(value, 'URL hash config');
    else if (key === 'simulate') {
      try {
        out.simulate = JSON.parse(value) as SimulateRequest;
      } catch (e) {
        throw new PtychoError(
          'config',
          `URL hash: simulate= is not JSON (${(e as Error).message})`,
          'use the link the app gives',
        );
      }
    }
  }
  if (fields.length) {
    // Single fields on top of the config JSON (or the defaults).
    const base = out.config?.config ?? makeTrainingConfig();
    const extra = fromUrlHash(fields.join('&'));
    const given = new Set(out.config?.given ?? []);
    const merged = { ...base, model: { ...base.model } } as unknown as Record<string, unknown>;
    for (const part of fields) {
      const key = part.slice(0, part.indexOf('='));
      given.add(key);
      if (key.startsWith('model.'))
        (merged.model as Record<string, unknown>)[key.slice(6)] = (extra.model as unknown as Record<string, unknown>)[
          key.slice(6)
        ];
      else merged[key] = (extra as unknown as Record<string, unknown>)[key];
    }
    out.config = parseTrainingConfigJsonWithInfo(merged, 'URL hash');
    out.config.given = [...given];
  }
  return out;
}

/** The config's fields that differ from the defaults (and the seed), nested as the config files are; N left out. */
export function compactConfig(c: TrainingConfig): Record<string, unknown> {
  const d = makeTrainingConfig() as unknown as Record<string, unknown>;
  const dm = d.model as Record<string, unknown>;
  const model: Record<string, unknown> = {};
  for (const k of Object.keys(MODEL_DEFAULTS)) {
    if (k === 'N') continue;
    const v = (c.model as unknown as Record<string, unknown>)[k];
    if (v !== dm[k]) model[k] = v;
  }
  const out: Record<string, unknown> = {};
  if (Object.keys(model).length) out.model = model;
  for (const k of Object.keys(TRAINING_DEFAULTS)) {
    const v = (c as unknown as Record<string, unknown>)[k];
    if (v !== d[k] || k === 'seed') out[k] = v;
  }
  return out;
}

export function buildHash(s: {
  example?: string;
  config: TrainingConfig;
  stitch?: StitchMethod;
  simulate?: SimulateRequest;
}): string {
  const parts: string[] = [];
  if (s.example) parts.push(`example=${encodeURIComponent(s.example)}`);
  if (s.simulate) parts.push(`simulate=${encodeURIComponent(JSON.stringify(s.simulate))}`);
  parts.push(`config=${encodeURIComponent(JSON.stringify(compactConfig(s.config)))}`);
  if (s.stitch && s.stitch !== 'barycentric') parts.push(`stitch=${s.stitch}`);
  return '#' + parts.join('&');
}
