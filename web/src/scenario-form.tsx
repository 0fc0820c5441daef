/**
 * The scenario form: one input per scenario key the CLI reads. An empty input is unset; its
 * grey placeholder is the value the scenario runs with (the default scenario's, or the engine's
 * choice). A user error shows the CLI's line under the field it names.
 */
import type { Evaluation, PageError } from './evaluate.js';
import { formatCount } from './format.js';
import { FIELD_GROUPS, describeField, type FieldSpec, type Fields } from './scenario-fields.js';

/** The value the scenario ran with for a key, as text (for placeholders). */
function effectiveValue(key: string, ev: Evaluation | undefined): string {
  if (!ev) return '';
  const { system, model, execution: e } = ev.result.config;
  switch (key) {
    case 'system':
      return typeof ev.input.system === 'string' ? ev.input.system : system.name;
    case 'model':
      return typeof ev.input.model === 'string' ? ev.input.model : model.name;
    case 'layers':
    case 'hidden':
    case 'heads':
    case 'kvHeads':
      return String(model[key]);
    case 'overlap':
      return (['tp', 'dp', 'pp'] as const).filter((k) => e.overlap[k]).join(',') || 'none';
    default: {
      const v = (e as unknown as Record<string, unknown>)[key];
      // Counts the schema reads back with a suffix (300.0B) stay short.
      if (typeof v === 'number' && v >= 1e9) return formatCount(v);
      return v === undefined ? '' : String(v);
    }
  }
}

interface FormProps {
  /** Prefix of the inputs' ids (a or b), so two forms can share the page. */
  id: string;
  fields: Fields;
  onChange: (fields: Fields) => void;
  /** The last good evaluation (for placeholders), and the current error if any. */
  evaluation?: Evaluation;
  error?: PageError;
}

function FieldInput({ spec, props }: { spec: FieldSpec; props: FormProps }) {
  const { id, fields, onChange, evaluation, error } = props;
  const value = fields[spec.key] ?? '';
  const current = effectiveValue(spec.key, evaluation);
  const set = (v: string) => onChange({ ...fields, [spec.key]: v });
  const inputId = `${id}-${spec.key}`;
  const bad = error?.field === spec.key;
  const common = { id: inputId, 'data-field': spec.key, title: describeField(spec.key), 'aria-invalid': bad ? (true as const) : undefined, 'aria-describedby': bad ? `${inputId}-error` : undefined };
  return (
    <div class={`field${bad ? ' bad' : ''}${value !== '' ? ' set' : ''}`}>
      <label for={inputId}>{spec.label}</label>
      {spec.kind === 'choice' ? (
        <select {...common} value={value} onChange={(e) => set((e.target as HTMLSelectElement).value)}>
          <option value="">{current ? `${current} (default)` : '(default)'}</option>
          {(spec.options ?? []).map((o) => (
            <option value={o}>{o}</option>
          ))}
        </select>
      ) : (
        <input {...common} type="text" inputMode={spec.kind === 'count' ? 'decimal' : 'text'} value={value} placeholder={current} spellcheck={false} onInput={(e) => set((e.target as HTMLInputElement).value)} />
      )}
      {bad && (
        <div class="field-error" id={`${inputId}-error`} role="alert" data-error-for={spec.key}>
          {error?.line}
        </div>
      )}
    </div>
  );
}

export function ScenarioForm(props: FormProps) {
  const { error, id } = props;
  return (
    <form class="scenario-form" data-scenario={id} onSubmit={(e) => e.preventDefault()}>
      {error && error.field === null && (
        <div class="form-error" role="alert" data-error-for="">
          {error.line}
        </div>
      )}
      {FIELD_GROUPS.map((g) => (
        <fieldset>
          <legend>{g.title}</legend>
          {g.fields.map((spec) => (
            <FieldInput spec={spec} props={props} />
          ))}
        </fieldset>
      ))}
    </form>
  );
}
