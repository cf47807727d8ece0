// The settings panel (specs/app.md): fields generated from the config field table (src/config/fieldTable.ts),
// validated inline, with the inference settings, JSON import/export and a reproducible link.
import { useEffect, useState } from 'react';
import { CONFIG_FIELDS, fieldApplies, getField, setField, type FieldGroup, type FieldSpec } from '../../config/fields';
import {
  PRESET_FIELDS,
  PRESET_NAMES,
  PRESETS,
  presetConfig,
  presetFor,
  presetOf,
  type PresetName,
} from '../../config/presets';
import { makeTrainingConfig, validateTrainingConfig, type TrainingConfig } from '../../config/schema';
import { parseTrainingConfigJsonWithInfo, trainingConfigToJson } from '../../config/serialize';
import { PtychoError } from '../../errors';
import { download, type Controller } from '../controller';
import { isRunning, useStore } from '../store';

type Problem = { field: string; text: string };

function problemOf(e: unknown, fallback: string): Problem {
  const pe = e as PtychoError;
  return { field: pe.field ?? fallback, text: pe.hint ? `${pe.message} — ${pe.hint}` : String(pe.message ?? e) };
}

/** One input: a draft text while typing; the value goes to the engine only when the schema accepts it. */
function FieldRow(props: {
  f: FieldSpec;
  config: TrainingConfig;
  disabled: boolean;
  problem?: string;
  onValue: (v: unknown, text?: string) => void;
}) {
  const { f, config } = props;
  const v = getField(config, f.path);
  const [draft, setDraft] = useState<string>(v === null ? '' : String(v));
  useEffect(() => setDraft(v === null ? '' : String(v)), [v]);
  const id = `cfg-${f.path}`;
  let input;
  if (f.input === 'bool') {
    input = (
      <input
        id={id}
        type="checkbox"
        checked={!!v}
        disabled={props.disabled || f.readOnly}
        onChange={(e) => props.onValue(e.target.checked)}
      />
    );
  } else if (f.input === 'select' || f.input === 'optSelect') {
    input = (
      <select
        id={id}
        value={v === null ? '' : String(v)}
        disabled={props.disabled || f.readOnly}
        onChange={(e) =>
          props.onValue(
            e.target.value === '' ? null : typeof f.options![0] === 'number' ? Number(e.target.value) : e.target.value,
          )
        }
      >
        {f.input === 'optSelect' && <option value="">none</option>}
        {f.options!.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  } else {
    input = (
      <input
        id={id}
        type="text"
        inputMode="decimal"
        value={draft}
        readOnly={f.readOnly}
        disabled={props.disabled && !f.readOnly}
        onChange={(e) => {
          setDraft(e.target.value);
          const t = e.target.value.trim();
          if (t === '' && (f.input === 'optInt' || f.input === 'optNumber')) props.onValue(null);
          else props.onValue(t === '' ? NaN : Number(t), t);
        }}
      />
    );
  }
  return (
    <div className={`field${props.problem ? ' invalid' : ''}`}>
      <label htmlFor={id} title={f.help}>
        {f.label}
      </label>
      {input}
      {props.problem && (
        <p className="problem" role="alert">
          {props.problem}
        </p>
      )}
    </div>
  );
}

function Group(props: {
  name: FieldGroup;
  config: TrainingConfig;
  disabled: boolean;
  problems: Problem[];
  onValue: (f: FieldSpec, v: unknown, text?: string) => void;
}) {
  const fields = CONFIG_FIELDS.filter((f) => f.group === props.name && fieldApplies(f, props.config));
  const row = (f: FieldSpec) => (
    <FieldRow
      key={f.path}
      f={f}
      config={props.config}
      disabled={props.disabled}
      problem={props.problems.find((p) => p.field === f.path)?.text}
      onValue={(v, t) => props.onValue(f, v, t)}
    />
  );
  return (
    <fieldset className="group" data-testid={`config-group-${props.name.toLowerCase()}`}>
      <legend>{props.name}</legend>
      {fields.filter((f) => !f.advanced).map(row)}
      <details>
        <summary>more {props.name.toLowerCase()} settings</summary>
        {fields.filter((f) => f.advanced).map(row)}
      </details>
    </fieldset>
  );
}

/**
 * The preset (src/config/presets.ts) the settings follow, always shown, with the one this adapter should use marked;
 * on a software adapter a notice with the small preset one click away.
 */
function PresetChooser({ ctl, locked }: { ctl: Controller; locked: boolean }) {
  const config = useStore((s) => s.config);
  const gpu = useStore((s) => s.gpu);
  const current = presetOf(config);
  const here = gpu?.available ? presetFor(gpu.isFallbackAdapter) : null;
  const apply = (name: PresetName) => ctl.applyConfig(presetConfig(name, config), [...PRESET_FIELDS]);
  return (
    <div className="preset">
      <div className="field">
        <label htmlFor="cfg-preset" title="A preset sets the model and training settings; edit any of them after">
          preset
        </label>
        <select
          id="cfg-preset"
          data-testid="preset-select"
          value={current ?? 'custom'}
          disabled={locked}
          onChange={(e) => e.target.value !== 'custom' && apply(e.target.value as PresetName)}
        >
          {PRESET_NAMES.map((n) => (
            <option key={n} value={n}>
              {PRESETS[n].label}
              {n === here ? ' · for this GPU' : ''}
            </option>
          ))}
          {!current && <option value="custom">custom (edited)</option>}
        </select>
      </div>
      <p className="muted preset-about" data-testid="preset-about">
        {current
          ? PRESETS[current].description
          : 'Settings edited by hand: choose a preset to start from settings measured on the quality benchmark.'}
      </p>
      {gpu?.available && gpu.isFallbackAdapter && current !== 'small' && (
        <div className="notice">
          This adapter is a software fallback ({gpu.description}): the reference-size model would take hours.{' '}
          <button type="button" data-testid="small-preset" disabled={locked} onClick={() => apply('small')}>
            Use the small preset
          </button>
        </div>
      )}
    </div>
  );
}

/** Inference settings: the stitching method and a model file to reconstruct with. */
function InferenceGroup({ ctl, locked }: { ctl: Controller; locked: boolean }) {
  const stitch = useStore((s) => s.stitch);
  return (
    <fieldset className="group" data-testid="config-group-inference">
      <legend>Inference</legend>
      <div className="field">
        <label
          htmlFor="cfg-stitch"
          title="How predicted patches are combined into the object: barycentric (reference; |P|²-weighted central crops) or position (Ptychodus reassemble_position: uniform 20-pixel crops)."
        >
          stitching
        </label>
        <select
          id="cfg-stitch"
          value={stitch}
          disabled={locked}
          onChange={(e) => ctl.setStitch(e.target.value as 'barycentric' | 'position')}
        >
          <option value="barycentric">barycentric</option>
          <option value="position">position</option>
        </select>
      </div>
      <div className="field">
        <label title="Open a model archive (ours, or the reference's wts.h5.zip) to reconstruct the loaded scan without training.">
          model file
        </label>
        <label className="button">
          open model…
          <input
            type="file"
            accept=".zip"
            hidden
            data-testid="model-input"
            onChange={async (e) => {
              const f = e.target.files?.[0];
              if (f) await ctl.openFile(f);
              e.target.value = '';
            }}
          />
        </label>
      </div>
    </fieldset>
  );
}

/** Reset, export and import the config as JSON, and copy a link that reproduces the run. */
function ConfigActions({
  ctl,
  locked,
  setProblems,
}: {
  ctl: Controller;
  locked: boolean;
  setProblems: (p: Problem[]) => void;
}) {
  const config = useStore((s) => s.config);
  const [copied, setCopied] = useState(false);
  return (
    <div className="row wrap">
      <button
        type="button"
        data-testid="config-reset"
        disabled={locked}
        onClick={() => {
          setProblems([]);
          ctl.applyConfig(makeTrainingConfig({ model: { N: config.model.N } }), [], true);
        }}
      >
        Reset to defaults
      </button>
      <button
        type="button"
        data-testid="config-export"
        onClick={() =>
          download({
            blob: new Blob([trainingConfigToJson(config)], { type: 'application/json' }),
            fileName: 'ptychopinn-config.json',
          })
        }
      >
        Export JSON
      </button>
      <label className="button">
        Import JSON
        <input
          type="file"
          accept=".json,application/json"
          hidden
          data-testid="config-import"
          disabled={locked}
          onChange={async (e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (!f) return;
            try {
              const parsed = parseTrainingConfigJsonWithInfo(await f.text(), f.name);
              setProblems([]);
              await ctl.applyConfig(parsed.config, parsed.given, true);
            } catch (err) {
              const pe = err as PtychoError;
              useStore.getState().setError({ code: pe.code ?? 'config', message: pe.message, hint: pe.hint ?? '' });
            }
          }}
        />
      </label>
      <button
        type="button"
        data-testid="copy-link"
        onClick={async () => {
          ctl.syncHash();
          try {
            await navigator.clipboard.writeText(location.href);
            setCopied(true);
            setTimeout(() => setCopied(false), 2000);
          } catch {
            setCopied(false);
          }
        }}
        title="A link with these settings, the seed and the dataset (examples and simulated scans) reproduces this run"
      >
        {copied ? 'Link copied' : 'Copy link'}
      </button>
    </div>
  );
}

/** Settings generated from the config field table, grouped Model / Training / Inference like Ptychodus. */
export function ConfigPanel({ ctl }: { ctl: Controller }) {
  const config = useStore((s) => s.config);
  const status = useStore((s) => s.status);
  const [problems, setProblems] = useState<Problem[]>([]);
  const locked = isRunning(status);

  const onValue = (f: FieldSpec, v: unknown, text?: string) => {
    if (typeof v === 'number' && Number.isNaN(v)) {
      setProblems([{ field: f.path, text: `${f.label}: '${text ?? ''}' is not a number` }]);
      return;
    }
    const next = setField(config, f.path, v);
    try {
      validateTrainingConfig(next);
      setProblems([]);
      ctl.applyConfig(next, [f.path]);
    } catch (e) {
      // Shown at the edited field (the message names the field at fault); the engine keeps the last valid config.
      setProblems([{ ...problemOf(e, f.path), field: f.path }]);
    }
  };

  return (
    <section className="panel" data-testid="config-panel">
      <h2>Settings</h2>
      <PresetChooser ctl={ctl} locked={locked} />
      <Group name="Model" config={config} disabled={locked} problems={problems} onValue={onValue} />
      <Group name="Training" config={config} disabled={locked} problems={problems} onValue={onValue} />
      <InferenceGroup ctl={ctl} locked={locked} />
      <ConfigActions ctl={ctl} locked={locked} setProblems={setProblems} />
    </section>
  );
}
